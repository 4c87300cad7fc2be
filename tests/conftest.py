"""Fixtures shared by every suite."""
from __future__ import annotations

import pytest
from django.core.cache import cache

from identity import localcache
from identity.sms import MemorySmsSender
from identity.services import geo, keys
from tests import factories
from tests.geoip_database import write_city_database

# RSA key generation costs ~40 ms; tests share a few real keys (each pool still gets its own kid).
_TEST_KEYS = [keys.generate_rsa_key() for _ in range(4)]
_real_generate = keys.generate_rsa_key


@pytest.fixture(autouse=True)
def _shared_test_keys(monkeypatch):
    counter = iter(range(10**9))
    monkeypatch.setattr(keys, "generate_rsa_key", lambda: _TEST_KEYS[next(counter) % len(_TEST_KEYS)])
    keys.forget_cached_keys()
    localcache.clear()


@pytest.fixture
def real_keys(monkeypatch):
    """For tests that need every pool's key material to differ (cross-pool signature checks)."""
    monkeypatch.setattr(keys, "generate_rsa_key", _real_generate)


@pytest.fixture(autouse=True)
def _fast_and_clean(settings):
    # argon2id still, at a cost that keeps the suite quick.
    settings.USERPOOLS_ARGON2 = {"memory_cost": 1024, "time_cost": 1, "parallelism": 1}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _texts_stay_in_memory(settings):
    # Local runs append texts to var/sms.jsonl; tests keep them in MemorySmsSender.outbox unless they choose a sender.
    settings.USERPOOLS_SMS_SENDER = "memory"
    MemorySmsSender.outbox.clear()
    yield
    MemorySmsSender.outbox.clear()


@pytest.fixture
def pool(db):
    return factories.create_pool()


@pytest.fixture
def client_app(pool):
    return factories.create_client(pool=pool)


@pytest.fixture
def user(pool):
    return factories.create_user(pool=pool, attributes={"email": "alice@example.com", "email_verified": "true"})


@pytest.fixture
def geoip_database(tmp_path, settings):
    """Configure a City database built for the test; call it (optionally with CIDR -> record) to get its path.

    geo.locate then reads it through the real geoip2 reader, as with an operator's GeoLite2 file.
    """
    def use(networks: dict | None = None):
        path = write_city_database(tmp_path / "City.mmdb", networks)
        geo._reader.cache_clear()
        settings.USERPOOLS_GEOIP_DATABASE = str(path)
        return path

    yield use
    geo._reader.cache_clear()
