"""Every console page renders for a signed-in operator: changelist, add and change of every model."""
from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity import events
from identity.context import SYSTEM
from identity.models import AuditEvent, Group, ResourceServer, UserPoolDomain
from identity.services import groups, pools
from tests import factories
from tests.admin.conftest import admin_url


@pytest.fixture
def everything(pool, client_app, user, operator):
    group = groups.create_group(pool=pool, name="staff", context=SYSTEM)
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="staff", context=SYSTEM)
    server = pools.create_resource_server(pool=pool, identifier="https://api.example.com", name="API",
                                          scopes=[{"ScopeName": "read"}], context=SYSTEM)
    domain = pools.create_user_pool_domain(pool=pool, domain="auth.example.com", context=SYSTEM)
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=False)
    events.user_disabled(user=user, context=SYSTEM)
    return {
        "identity_userpool": pool.pk,
        "identity_userpoolclient": client_app.pk,
        "identity_user": user.pk,
        "identity_group": group.pk,
        "identity_resourceserver": server.pk,
        "identity_userpooldomain": domain.pk,
        "identity_auditevent": AuditEvent.objects.filter(pool=pool).first().pk,
        "identity_signingkey": pool.signing_keys.first().pk,
        "otp_totp_totpdevice": device.pk,
        "auth_user": operator.pk,
    }


def test_index_lists_the_console_models(console, everything):
    response = console.get(admin_url("index"))
    assert response.status_code == 200
    for name in ("User pools", "App clients", "Users", "Groups", "Resource servers", "Audit events", "TOTP devices"):
        assert name in response.content.decode()


@pytest.mark.parametrize("model", [
    "identity_userpool", "identity_userpoolclient", "identity_user", "identity_group", "identity_resourceserver",
    "identity_userpooldomain", "identity_auditevent", "identity_signingkey", "otp_totp_totpdevice", "auth_user",
])
def test_changelist_and_change_pages_load(console, everything, model):
    assert console.get(admin_url(f"{model}_changelist")).status_code == 200
    assert console.get(admin_url(f"{model}_change", everything[model])).status_code == 200


@pytest.mark.parametrize("model", [
    "identity_userpool", "identity_userpoolclient", "identity_group", "identity_resourceserver",
    "identity_userpooldomain", "otp_totp_totpdevice", "auth_user",
])
def test_add_pages_load(console, everything, model):
    assert console.get(admin_url(f"{model}_add")).status_code == 200


def test_user_add_page_asks_for_the_pool_then_shows_its_schema(console, pool):
    other = factories.create_pool(name="second")
    pools.add_custom_attributes(pool=other, custom_attributes=[{"Name": "plan"}], context=SYSTEM)
    chooser = console.get(admin_url("identity_user_add"))
    assert chooser.status_code == 200 and other.pk in chooser.content.decode()
    form = console.get(admin_url("identity_user_add") + f"?pool={other.pk}")
    assert form.status_code == 200
    assert "custom:plan" in form.content.decode()


def test_audit_events_cannot_be_added_changed_or_deleted(console, everything):
    assert console.get(admin_url("identity_auditevent_add")).status_code == 403
    event_id = everything["identity_auditevent"]
    assert console.post(admin_url("identity_auditevent_change", event_id), {"event_type": "Forged"}).status_code == 403
    assert console.post(admin_url("identity_auditevent_delete", event_id), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event_id).exists()


def test_related_models_exist(everything):
    assert Group.objects.exists() and ResourceServer.objects.exists() and UserPoolDomain.objects.exists()
