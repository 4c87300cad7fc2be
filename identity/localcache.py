"""A tiny per-process cache with a short lifetime, for rows every request reads and operators rarely change.

Changes made on this node are forgotten at once by the service that makes them; other nodes see
them within the lifetime (like Cognito's own eventually consistent configuration).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
LIFETIME_SECONDS = 5.0
_entries: dict[Hashable, tuple[float, object]] = {}


def get_or_load(key: Hashable, load: Callable[[], T]) -> T:
    now = time.monotonic()
    hit = _entries.get(key)
    if hit is not None and now - hit[0] < LIFETIME_SECONDS:
        return hit[1]  # type: ignore[return-value]
    value = load()
    if value is not None:
        _entries[key] = (now, value)
    return value


def peek(key: Hashable) -> object | None:
    """The fresh cached value, or None: never loads."""
    hit = _entries.get(key)
    if hit is not None and time.monotonic() - hit[0] < LIFETIME_SECONDS:
        return hit[1]
    return None


def forget(key: Hashable) -> None:
    _entries.pop(key, None)


def forget_pool(pool_id: str) -> None:
    """Forget a pool's row and the client rows cached with it (a cached client carries its pool)."""
    for key in [key for key in list(_entries) if isinstance(key, tuple) and key[:1] in (("pool",), ("client",))
                and len(key) > 1 and key[1] == pool_id]:
        _entries.pop(key, None)


def clear() -> None:
    _entries.clear()
