"""The pool console's first sign-in factors (Policies.SignInPolicy), saved through update_user_pool."""
from __future__ import annotations

from identity.models import AuditEvent
from tests.admin.conftest import admin_url, form_data


def test_first_factors_are_chosen_in_the_console(console, pool):
    page = console.get(admin_url("identity_userpool_change", pool.pk))
    assert form_data(page)["allowed_first_auth_factors"] == ["PASSWORD"]
    data = {**form_data(page), "allowed_first_auth_factors": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]}
    assert console.post(admin_url("identity_userpool_change", pool.pk), data).status_code == 302
    pool.refresh_from_db()
    assert pool.allowed_first_auth_factors == ["WEB_AUTHN", "EMAIL_OTP", "PASSWORD"]
    assert AuditEvent.objects.get(pool=pool, event_type="UpdateUserPool").details["fields"] == ["allowed_first_auth_factors"]


def test_the_password_factor_cannot_be_turned_off(console, pool):
    page = console.get(admin_url("identity_userpool_change", pool.pk))
    data = {**form_data(page), "allowed_first_auth_factors": ["EMAIL_OTP"]}
    response = console.post(admin_url("identity_userpool_change", pool.pk), data)
    assert response.status_code == 200 and "must include PASSWORD" in response.content.decode()
    pool.refresh_from_db()
    assert pool.allowed_first_auth_factors == ["PASSWORD"]
