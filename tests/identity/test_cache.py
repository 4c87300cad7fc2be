"""identity.cache: the Redis backend (one client kept, incr in one trip) and the one-trip counters, beside locmem."""
from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache import cache, caches
from django.test import override_settings

from identity import cache as shared_cache

REDIS_URL = os.environ.get("USERPOOLS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS = {"BACKEND": "identity.cache.RedisCache", "LOCATION": REDIS_URL}


@pytest.fixture(params=["locmem", "redis"])
def backend(request):
    if request.param == "locmem":
        yield request.param
        return
    # Undone before the suite's cache.clear() at teardown, which on Redis would flush other workers' keys.
    with override_settings(CACHES={"default": REDIS}):
        yield request.param


def key() -> str:
    return f"test:{uuid.uuid4()}"


def test_count_starts_at_one_and_counts_each_key(backend):
    first, second = key(), key()
    assert shared_cache.count([first, second], timeout=60) == [1, 1]
    assert shared_cache.count([first], timeout=60) == [2]
    assert shared_cache.count([second, first], timeout=60) == [2, 3]
    assert cache.get(first) == 3


def test_get_or_count_reads_a_value_without_counting(backend):
    value, counter = key(), key()
    assert shared_cache.get_or_count(value, counter, timeout=60) == (None, 1)
    assert shared_cache.get_or_count(value, counter, timeout=60) == (None, 2)
    cache.set(value, {"failures": 3, "last": 1.5, "until": None}, timeout=60)
    assert shared_cache.get_or_count(value, counter, timeout=60) == ({"failures": 3, "last": 1.5, "until": None}, None)
    assert cache.get(counter) == 2


def test_incr_needs_an_existing_key(backend):
    missing = key()
    with pytest.raises(ValueError):
        cache.incr(missing)
    assert cache.get(missing) is None
    cache.set(missing, 5, timeout=60)
    assert cache.incr(missing) == 6
    assert cache.decr(missing, 2) == 4


def test_redis_counters_expire_and_the_client_is_kept():
    with override_settings(CACHES={"default": REDIS}):
        counter = key()
        shared_cache.count([counter], timeout=60)
        backend = caches["default"]
        client = backend._cache.get_client(write=True)
        assert 0 < client.ttl(backend.make_and_validate_key(counter)) <= 60
        assert backend._cache.get_client() is client  # not a new redis.Redis per call, as Django's backend builds


def test_count_can_start_absent_counters_elsewhere_than_zero(backend):
    counter = key()
    assert shared_cache.count([counter], timeout=60, start=4) == [5]
    assert shared_cache.count([counter], timeout=60, start=4) == [6]  # only an absent counter starts there
