"""The one source of time for identity rules, so tests can move it."""
from __future__ import annotations

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    return timezone.now()
