"""Fixed-window counters in the shared cache (Redis in production), so every node sees the same counts."""
from __future__ import annotations

from django.core.cache import cache


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under `key`; False once more than `limit` fell in the current window."""
    cache_key = f"rl:{key}"
    # add() is atomic on every backend: only the first caller in a window creates the counter.
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit


def reset(key: str) -> None:
    cache.delete(f"rl:{key}")
