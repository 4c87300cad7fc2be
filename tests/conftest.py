"""Fixtures shared by every suite."""
from __future__ import annotations

import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _fast_and_clean(settings):
    # argon2id still, at a cost that keeps the suite quick.
    settings.USERPOOLS_ARGON2 = {"memory_cost": 1024, "time_cost": 1, "parallelism": 1}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pool(db):
    return factories.create_pool()


@pytest.fixture
def client_app(pool):
    return factories.create_client(pool=pool)


@pytest.fixture
def user(pool):
    return factories.create_user(pool=pool, attributes={"email": "alice@example.com", "email_verified": "true"})
