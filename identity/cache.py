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


# Lua, so each is one command and one reply (redis-py's packing and parsing cost more than the trip).
_COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[2], 'EX', ARGV[1], 'NX')
  counts[i] = redis.call('INCR', key)
end
return counts
"""
_GET_OR_COUNT = """
local value = redis.call('GET', KEYS[1])
if value then return {value} end
redis.call('SET', KEYS[2], 0, 'EX', ARGV[1], 'NX')
return {false, redis.call('INCR', KEYS[2])}
"""
_COUNT_WHILE_ALLOWED = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[1], 'NX')
  counts[i] = redis.call('INCR', key)
  if counts[i] > tonumber(ARGV[i + 1]) then break end
end
return counts
"""
_scripts: dict = {}


def _run(backend: DjangoRedisCache, source: str, keys: list[str], args: list):
    client = backend._cache.get_client(write=True)
    script = _scripts.get(source)
    if script is None:
        script = _scripts[source] = client.register_script(source)
    return script(keys=[backend.make_and_validate_key(key) for key in keys], args=args, client=client)


def count(keys: list[str], *, timeout: int, alias: str = "default", start: int = 0) -> list[int]:
    """Add one to each counter, starting absent ones at `start` with `timeout` seconds to live; the new counts.

    On Redis one atomic call for all of them; elsewhere add() then incr(), which is atomic on every
    backend, so no count is lost.
    """
    backend = caches[alias]
    if isinstance(backend, DjangoRedisCache):
        return _run(backend, _COUNT, keys, [timeout, start])
    return [_count_elsewhere(backend, key, timeout, start) for key in keys]


def count_while_allowed(limits: list[tuple[str, int]], *, timeout: int, alias: str = "default") -> list[int]:
    """Count each (key, allowed) in order, as count() does, stopping after the first whose count passes
    its allowance; the counts taken (those after a refusal are not counted). One call on Redis."""
    backend = caches[alias]
    if isinstance(backend, DjangoRedisCache):
        return _run(backend, _COUNT_WHILE_ALLOWED, [key for key, _ in limits], [timeout, *(allowed for _, allowed in limits)])
    counts = []
    for key, allowed in limits:
        counts.append(_count_elsewhere(backend, key, timeout, 0))
        if counts[-1] > allowed:
            break
    return counts


def get_or_count(key: str, counter: str, *, timeout: int, alias: str = "default") -> tuple[object, int | None]:
    """(the value at `key`, None) when there is one; else (None, `counter` counted up from 0 as count() does).

    For a check that usually finds nothing and then counts: one trip on Redis instead of two.
    """
    backend = caches[alias]
    if isinstance(backend, DjangoRedisCache):
        found = _run(backend, _GET_OR_COUNT, [key, counter], [timeout])
        if found[0] is not None:
            return backend._cache._serializer.loads(found[0]), None
        return None, found[1]
    value = backend.get(key)
    if value is not None:
        return value, None
    return None, _count_elsewhere(backend, counter, timeout, 0)


def _count_elsewhere(backend, key: str, timeout: int, start: int) -> int:
    backend.add(key, start, timeout=timeout)
    try:
        return backend.incr(key)
    except ValueError:  # expired between add() and incr()
        backend.add(key, start + 1, timeout=timeout)
        return start + 1
