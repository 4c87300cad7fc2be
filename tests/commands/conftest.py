"""Helpers for the operator CLI's tests."""
from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command


def run_json(*args) -> dict:
    """Run a command with --json; its output must be exactly one JSON object."""
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert isinstance(result, dict)
    return result


def run_text(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
