"""The remembered-browser cookie: one per pool, holding a device key and its random device password.

Long-lived, HttpOnly, Secure on HTTPS, SameSite=Lax. The server keeps only the password's device SRP
verifier (identity.services.devices.remember_browser), so the cookie is worth nothing without the
password it carries, and the database nothing without the cookie.
"""
from __future__ import annotations

import datetime

from identity.models import UserPool

MAX_AGE = datetime.timedelta(days=365)
_MAX_LENGTH = 200


def name_for(pool: UserPool) -> str:
    return f"userpools_device_{pool.id}"


def read(request, pool: UserPool) -> tuple[str, str] | None:
    """(device key, device password) from this browser's cookie for the pool, or None."""
    value = request.COOKIES.get(name_for(pool), "")
    key, _, password = value.partition(":")
    if not key or not password or len(value) > _MAX_LENGTH:
        return None
    return key, password


def write(response, request, pool: UserPool, device_key: str, password: str) -> None:
    response.set_cookie(
        name_for(pool), f"{device_key}:{password}", max_age=int(MAX_AGE.total_seconds()), path="/",
        secure=request.is_secure(), httponly=True, samesite="Lax",
    )
