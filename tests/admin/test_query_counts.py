"""List pages run a fixed number of queries, however many rows they show."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity import events
from identity.context import SYSTEM
from identity.services import groups, pools
from tests import factories
from tests.admin.conftest import admin_url

LIST_PAGES = [
    "identity_userpool", "identity_userpoolclient", "identity_user", "identity_group", "identity_resourceserver",
    "identity_auditevent", "identity_signingkey", "identity_userpooldomain", "otp_totp_totpdevice",
]


def fill(rows: int, operator, start: int = 0) -> None:
    for i in range(start, start + rows):
        pool = factories.create_pool()
        factories.create_client(pool=pool)
        user = factories.create_user(pool=pool, attributes={"email": f"u{i}@example.com", "phone_number": f"+1206555{i:04d}"})
        groups.create_group(pool=pool, name=f"g{i}", context=SYSTEM)
        pools.create_resource_server(pool=pool, identifier=f"api{i}", name="API", context=SYSTEM)
        pools.create_user_pool_domain(pool=pool, domain=f"auth{i}.example.com", context=SYSTEM)
        events.user_disabled(user=user, context=SYSTEM)
        TOTPDevice.objects.create(user=operator, name=f"d{i}", confirmed=False)


def queries_for(console, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert console.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("model", LIST_PAGES)
def test_list_pages_do_not_query_per_row(console, operator, model, django_assert_max_num_queries):
    fill(3, operator)
    url = admin_url(f"{model}_changelist")
    few = queries_for(console, url)
    fill(32, operator, start=3)
    with django_assert_max_num_queries(few):
        response = console.get(url)
    assert len(response.context["cl"].result_list) >= 35


def test_user_search_and_filters_stay_bounded(console, operator, django_assert_max_num_queries):
    fill(35, operator)
    with django_assert_max_num_queries(12):
        console.get(admin_url("identity_user_changelist"), {"q": "u1", "status__exact": "CONFIRMED", "enabled__exact": "1"})
