"""Rate-limit counters live in the shared cache: Redis in production, so every node sees one count."""
import os
import uuid

import pytest
from django.core.cache import caches

from identity import ratelimit

REDIS_URL = os.environ.get("USERPOOLS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(params=["locmem", "redis"])
def cache_backend(request, settings):
    if request.param == "redis":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    yield request.param


def test_allows_up_to_the_limit_in_a_window(cache_backend):
    key = f"test:{uuid.uuid4()}"
    assert [ratelimit.hit(key, limit=3, window_seconds=60) for _ in range(5)] == [True, True, True, False, False]
    ratelimit.reset(key)
    assert ratelimit.hit(key, limit=3, window_seconds=60)


def test_two_nodes_share_one_count_through_redis(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "other_node": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
    key = f"test:{uuid.uuid4()}"
    assert ratelimit.hit(key, limit=2, window_seconds=60)
    assert caches["other_node"].get(f"rl:{key}") == 1
    caches["other_node"].incr(f"rl:{key}")
    assert ratelimit.hit(key, limit=2, window_seconds=60) is False
