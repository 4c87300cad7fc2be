"""Searching users by username, email, phone and sub, on indexed columns only."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.admin.conftest import admin_url


@pytest.fixture
def people(pool):
    return {
        "ana": factories.create_user(pool=pool, username="Ana", attributes={"email": "Ana.Silva@Example.com", "phone_number": "+12065550100"}),
        "bob": factories.create_user(pool=pool, username="bob", attributes={"email": "bob@example.org", "phone_number": "+442071234567"}),
        "eve": factories.create_user(pool=factories.create_pool(), username="eve", attributes={"email": "eve@example.com"}),
    }


def found(console, term: str) -> set[str]:
    response = console.get(admin_url("identity_user_changelist"), {"q": term})
    assert response.status_code == 200
    return {user.username for user in response.context["cl"].result_list}


@pytest.mark.parametrize(("term", "expected"), [
    ("ana", {"Ana"}),                       # username, case-insensitively
    ("AN", {"Ana"}),                        # username prefix
    ("ana.silva@example.com", {"Ana"}),     # email, case-insensitively
    ("bob@ex", {"bob"}),                    # email prefix
    ("+1206555", {"Ana"}),                  # phone prefix
    ("44207", {"bob"}),                     # phone without the +
    ("example.com", set()),                 # no infix matching
    ("e", {"eve"}),                         # every pool is searched
])
def test_search_terms(console, people, term, expected):
    assert found(console, term) == expected


def test_search_by_sub(console, people):
    assert found(console, str(people["bob"].sub)) == {"bob"}
    assert found(console, str(people["bob"].sub).upper()) == {"bob"}


def test_search_within_a_filtered_pool(console, people, pool):
    response = console.get(admin_url("identity_user_changelist"), {"q": "e", "pool__id__exact": pool.pk})
    assert {u.username for u in response.context["cl"].result_list} == set()


def test_search_sql_uses_prefixes_and_equality_only(console, people):
    with CaptureQueriesContext(connection) as queries:
        console.get(admin_url("identity_user_changelist"), {"q": "ana"})
    listing = [q["sql"] for q in queries.captured_queries if '"identity_user"' in q["sql"] and "LIKE" in q["sql"].upper()]
    assert listing, "the search did not reach the users table"
    for sql in listing:
        assert "LIKE '%" not in sql.upper() and "UPPER(" not in sql.upper()
        assert "pool_id" in sql  # the indexes on (pool, column) are bound by their leading column
