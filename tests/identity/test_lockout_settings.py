"""The pool's lockout settings: Cognito's values by default, bounded, edited in the console."""
from __future__ import annotations

import pytest

from identity.errors import InvalidParameterException
from identity.models import AuditEvent
from identity.services import pools
from tests import factories
from tests.admin.conftest import _two_factor_optional, admin_url, console, form_data, operator  # noqa: F401 (fixtures)


def test_a_new_pool_has_cognitos_lockout(pool):
    assert (pool.lockout_threshold, pool.lockout_base_delay_seconds, pool.lockout_max_delay_seconds, pool.lockout_reset_seconds) == (5, 1, 900, 900)


@pytest.mark.parametrize("field, value", [
    ("lockout_threshold", 101), ("lockout_base_delay_seconds", 0), ("lockout_max_delay_seconds", 86_401), ("lockout_reset_seconds", 0),
])
def test_settings_outside_their_bounds_are_refused(db, field, value):
    with pytest.raises(InvalidParameterException, match=field):
        factories.create_pool(**{field: value})
    pool = factories.create_pool()
    with pytest.raises(InvalidParameterException, match=field):
        pools.update_user_pool(pool=pool, **{field: value})
    pool.refresh_from_db()
    assert getattr(pool, field) == getattr(factories.create_pool(), field)


def test_the_console_edits_the_lockout(console, pool):
    page = console.get(admin_url("identity_userpool_change", pool.pk))
    assert "Sign-in lockout" in page.content.decode()
    data = {**form_data(page), "lockout_threshold": 10, "lockout_base_delay_seconds": 5, "lockout_max_delay_seconds": 3600, "lockout_reset_seconds": 1800}
    response = console.post(admin_url("identity_userpool_change", pool.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    pool.refresh_from_db()
    assert (pool.lockout_threshold, pool.lockout_base_delay_seconds, pool.lockout_max_delay_seconds, pool.lockout_reset_seconds) == (10, 5, 3600, 1800)
    event = AuditEvent.objects.get(pool=pool, event_type="UpdateUserPool")
    assert event.details["fields"] == ["lockout_base_delay_seconds", "lockout_max_delay_seconds", "lockout_reset_seconds", "lockout_threshold"]


def test_the_console_shows_a_bad_value_and_changes_nothing(console, pool):
    page = console.get(admin_url("identity_userpool_change", pool.pk))
    response = console.post(admin_url("identity_userpool_change", pool.pk), {**form_data(page), "lockout_threshold": 500})
    assert response.status_code == 200 and "lockout_threshold must be between 0 and 100" in response.content.decode()
    pool.refresh_from_db()
    assert pool.lockout_threshold == 5
