"""The shared cache's Redis backend, and counters that take one round trip on it.

Django's RedisCache builds a new `redis.Redis` (and its table of ~200 reply callbacks) for every
call, and its `incr` asks EXISTS before INCRBY: on a sign-in, which makes half a dozen cache calls,
that was ~1 ms of CPU (bench/signin.py). This backend keeps one client per server (redis-py's client
is safe to share; the connection pool hands each command its own connection) and increments in one
atomic step. Everything else is Django's. Settings name it when REDIS_URL is set.
"""
from __future__ import annotations

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

# INCRBY only an existing key (Django's incr raises ValueError for a missing one), in one trip.
_INCR_EXISTING = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end return false"


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._incr_existing = None

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        if self._incr_existing is None:
            self._incr_existing = client.register_script(_INCR_EXISTING)
        value = self._incr_existing(keys=[key], args=[delta], client=client)
        if value is None:
            raise ValueError("Key '%s' not found." % key)
        return value


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient


def count(keys: list[str], *, timeout: int, alias: str = "default", start: int = 0) -> list[int]:
    """Add one to each counter, starting absent ones at `start` with `timeout` seconds to live; the new counts.

    On Redis one round trip for all of them (SET NX EX, then INCR, pipelined); elsewhere add() then
    incr(), which is atomic on every backend, so no count is lost.
    """
    backend = caches[alias]
    if isinstance(backend, DjangoRedisCache):
        pipe = backend._cache.get_client(write=True).pipeline(transaction=False)
        for key in keys:
            full_key = backend.make_and_validate_key(key)
            pipe.set(full_key, start, ex=timeout, nx=True)
            pipe.incr(full_key)
        return pipe.execute()[1::2]
    counts = []
    for key in keys:
        backend.add(key, start, timeout=timeout)
        try:
            counts.append(backend.incr(key))
        except ValueError:  # expired between add() and incr()
            backend.add(key, start + 1, timeout=timeout)
            counts.append(start + 1)
    return counts
