"""Reads deployment settings from the environment, and keeps local secrets in var/."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}


def flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def text(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip() or default


def integer(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def words(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "").strip()
    return [w for w in value.replace(",", " ").split() if w] if value else list(default)


def local_secret(state_dir: Path, filename: str, make) -> str:
    """Return a secret kept in the local state folder, creating it on first use.

    Only for local and test runs: production refuses to start without the
    environment variable instead (see config.settings).
    """
    path = state_dir / filename
    if path.exists():
        return path.read_text().strip()
    state_dir.mkdir(parents=True, exist_ok=True)
    value = make()
    # Create with owner-only permissions: these are keys.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)
