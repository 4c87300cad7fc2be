"""Pools in the console: created, changed, extended and deleted through identity.services.pools."""
from __future__ import annotations

import re

import pytest

from identity.context import SYSTEM
from identity.models import AuditEvent, SigningKey, UserPool
from identity.services import pools
from tests import factories
from tests.admin.conftest import admin_url, form_data, messages_of

NEW_POOL = {
    "name": "Console pool", "username_attributes": ["email"], "auto_verified_attributes": ["email"],
    "required_attributes": ["given_name"], "mfa_configuration": "OPTIONAL", "password_minimum_length": 10,
    "password_require_uppercase": "on", "password_require_lowercase": "on", "password_require_numbers": "on",
    "temporary_password_validity_days": 7, "password_history_size": 0,
}


def test_adding_a_pool_calls_create_user_pool(console):
    response = console.post(admin_url("identity_userpool_add"), NEW_POOL)
    assert response.status_code == 302
    pool = UserPool.objects.get(name="Console pool")
    assert re.fullmatch(r"local_[A-Za-z0-9]{9}", pool.id)
    assert (pool.username_attributes, pool.mfa_configuration, pool.password_minimum_length) == (["email"], "OPTIONAL", 10)
    assert pool.password_require_symbols is False
    assert next(e for e in pool.schema if e["Name"] == "given_name")["Required"] is True
    assert pool.signing_keys.filter(state=SigningKey.State.CURRENT).exists()
    assert AuditEvent.objects.filter(pool=pool, event_type="CreateUserPool", actor="operator:ops").exists()


def test_a_rule_the_service_enforces_is_a_form_error_and_nothing_is_created(console):
    both = {**NEW_POOL, "alias_attributes": ["preferred_username"]}
    response = console.post(admin_url("identity_userpool_add"), both)
    assert response.status_code == 200
    assert "either UsernameAttributes or AliasAttributes" in response.content.decode()
    assert not UserPool.objects.filter(name="Console pool").exists()


def test_changing_settings_calls_update_user_pool_with_the_changed_fields(console, pool):
    page = console.get(admin_url("identity_userpool_change", pool.pk))
    data = {**form_data(page), "password_minimum_length": 12, "mfa_configuration": "OPTIONAL"}
    assert console.post(admin_url("identity_userpool_change", pool.pk), data).status_code == 302
    pool.refresh_from_db()
    assert (pool.password_minimum_length, pool.mfa_configuration) == (12, "OPTIONAL")
    event = AuditEvent.objects.get(pool=pool, event_type="UpdateUserPool")
    assert event.details["fields"] == ["mfa_configuration", "password_minimum_length"] and event.actor == "operator:ops"


def test_an_invalid_setting_is_shown_and_changes_nothing(console, pool):
    page = console.get(admin_url("identity_userpool_change", pool.pk))
    data = {**form_data(page), "password_minimum_length": 3, "name": "Renamed"}
    response = console.post(admin_url("identity_userpool_change", pool.pk), data)
    assert response.status_code == 200 and "password_minimum_length must be between" in response.content.decode()
    pool.refresh_from_db()
    assert (pool.password_minimum_length, pool.name) == (8, pool.name) and pool.name != "Renamed"
    assert not AuditEvent.objects.filter(pool=pool, event_type="UpdateUserPool").exists()


def test_sign_in_identifiers_and_schema_are_shown_but_not_editable(console, pool):
    page = console.get(admin_url("identity_userpool_change", pool.pk)).content.decode()
    assert 'name="username_attributes"' not in page and 'name="schema"' not in page
    assert "<code>given_name</code>" in page and pools.issuer_for(pool) in page


def test_custom_attribute_added_through_add_custom_attributes(console, pool):
    url = admin_url("identity_userpool_add_attribute", pool.pk)
    assert console.get(url).status_code == 200
    response = console.post(url, {"name": "plan", "data_type": "String", "mutable": "on", "max_length": 32})
    assert response.status_code == 302
    pool.refresh_from_db()
    entry = next(e for e in pool.schema if e["Name"] == "custom:plan")
    assert entry["StringAttributeConstraints"]["MaxLength"] == "32"
    assert AuditEvent.objects.filter(pool=pool, event_type="UpdateUserPool", actor="operator:ops").exists()
    again = console.post(url, {"name": "plan", "data_type": "Number"})
    assert again.status_code == 200 and "custom:plan already exists" in again.content.decode()


def test_deleting_a_pool_calls_delete_user_pool(console, pool):
    for _ in range(3):
        factories.create_user(pool=pool)
    confirm = console.get(admin_url("identity_userpool_delete", pool.pk))
    assert confirm.status_code == 200 and "with all its users" in confirm.content.decode()
    response = console.post(admin_url("identity_userpool_delete", pool.pk), {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert not UserPool.objects.filter(pk=pool.pk).exists()
    assert AuditEvent.objects.filter(event_type="DeleteUserPool", actor="operator:ops", details__pool_id=pool.pk).exists()


def test_deletion_protection_is_respected_and_explained(console):
    protected = factories.create_pool(deletion_protection=True)
    response = console.post(admin_url("identity_userpool_delete", protected.pk), {"post": "yes"}, follow=True)
    assert "deletion protection is active" in " ".join(messages_of(response))
    assert UserPool.objects.filter(pk=protected.pk).exists()


def test_delete_confirmation_does_not_walk_the_pools_users(console, pool, django_assert_max_num_queries):
    for _ in range(40):
        factories.create_user(pool=pool)
    with django_assert_max_num_queries(8):
        assert console.get(admin_url("identity_userpool_delete", pool.pk)).status_code == 200


def test_rotate_signing_keys_action(console, pool):
    before = SigningKey.objects.get(pool=pool, state="current").kid
    console.post(admin_url("identity_userpool_changelist"), {"action": "rotate_signing_keys", "_selected_action": [pool.pk]})
    assert SigningKey.objects.get(pool=pool, state="current").kid != before


@pytest.mark.parametrize("pool_id", ["local_AB12cdEFg", "local_5Fxyzxyzx"])
def test_pool_ids_that_look_like_admin_escapes_still_work(console, monkeypatch, pool_id):
    # The admin reads "_AB" in a URL as an escaped byte; its links must quote the id.
    monkeypatch.setattr(pools, "new_pool_id", lambda: pool_id)
    pool = pools.create_user_pool(name="escaped", context=SYSTEM)
    page = console.get(admin_url("identity_userpool_change", pool.pk))
    assert page.status_code == 200 and page.context["original"].pk == pool_id
    tools = page.context["console_tools"]
    assert console.get(tools[0].url).status_code == 200
