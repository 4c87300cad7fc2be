"""The pool console: pages load, changes go through the services, errors show and change nothing."""
import re

import pytest
from django.urls import reverse

from identity.models import AuditEvent, Group, ResourceServer, User, UserPool, UserPoolClient
from identity.services import passwords
from tests import factories


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


@pytest.fixture
def populated(pool):
    client = factories.create_client(pool=pool, secret=True)
    user = factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true", "phone_number": "+12065550100"}, groups=["staff"])
    server = ResourceServer.objects.create(pool=pool, identifier="api", name="API", scopes=[{"ScopeName": "read", "ScopeDescription": "read"}])
    return {"client": client, "user": user, "group": Group.objects.get(pool=pool, name="staff"), "server": server}


@pytest.mark.parametrize("model", ["userpool", "userpoolclient", "user", "group", "resourceserver", "auditevent", "signingkey", "userpooldomain"])
def test_every_changelist_loads(admin_client, populated, model):
    assert admin_client.get(url(f"identity_{model}_changelist")).status_code == 200


def test_change_and_add_pages_load(admin_client, pool, populated):
    for name, pk in [("userpool", pool.pk), ("userpoolclient", populated["client"].pk), ("user", populated["user"].pk),
                     ("group", populated["group"].pk), ("resourceserver", populated["server"].pk)]:
        assert admin_client.get(url(f"identity_{name}_change", pk)).status_code == 200, name
    for name in ("userpool", "userpoolclient", "user", "group", "resourceserver", "userpooldomain"):
        assert admin_client.get(url(f"identity_{name}_add")).status_code == 200, name


def test_adding_a_pool_goes_through_the_service(admin_client, db):
    response = admin_client.post(url("identity_userpool_add"), {
        "name": "Console pool", "username_attributes": ["email"], "auto_verified_attributes": ["email"],
        "password_minimum_length": 10, "password_require_uppercase": "on", "password_require_lowercase": "on",
        "password_require_numbers": "on", "temporary_password_validity_days": 7, "password_history_size": 0,
        "mfa_configuration": "OFF", "verification_email_subject": "Code", "verification_email_message": "Code {####}",
        "verification_sms_message": "Code {####}", "invitation_email_subject": "Hi", "invitation_email_message": "{username} {####}",
        "invitation_sms_message": "{username} {####}", "reset_email_subject": "Reset", "reset_email_message": "Reset {####}",
        "reset_sms_message": "Reset {####}", "default_access_token_validity": 3600, "default_id_token_validity": 3600,
        "default_refresh_token_validity": 2592000, "new_custom_attribute": "team", "new_custom_attribute_type": "String",
        "new_custom_attribute_mutable": "on",
    })
    assert response.status_code == 302, response.content[:2000]
    pool = UserPool.objects.get(name="Console pool")
    assert re.match(r"^local_[A-Za-z0-9]{9}$", pool.id) and pool.username_attributes == ["email"]
    assert pool.signing_keys.filter(state="current").exists()
    assert "custom:team" in {e["Name"] for e in pool.schema}
    assert AuditEvent.objects.filter(pool=pool, event_type="CreateUserPool", actor="operator:admin").exists()


def test_client_secret_is_shown_once(admin_client, pool):
    response = admin_client.post(url("identity_userpoolclient_add"), {
        "pool": pool.pk, "name": "web", "generate_secret": "on", "explicit_auth_flows": ["ALLOW_USER_SRP_AUTH"],
        "allowed_oauth_flows": ["code"], "allowed_oauth_scopes": "openid email", "callback_urls": "https://app.example.com/cb",
        "logout_urls": "", "read_attributes": "", "write_attributes": "", "access_token_validity": 60, "id_token_validity": 60,
        "refresh_token_validity": 30, "token_validity_units": '{"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}',
        "auth_session_validity": 3, "prevent_user_existence_errors": "ENABLED", "enable_token_revocation": "on",
        "refresh_token_rotation": "on", "default_redirect_uri": "",
    }, follow=True)
    client = UserPoolClient.objects.get(pool=pool, name="web")
    shown = re.search(rf"Client secret for {client.client_id}: ([a-z0-9]+)", response.content.decode())
    assert shown and passwords is not None
    from identity.services import pools

    assert pools.check_client_secret(client, shown.group(1))
    page = admin_client.get(url("identity_userpoolclient_change", client.pk)).content.decode()
    assert shown.group(1) not in page and client.secret_encrypted not in page


def test_bad_client_settings_are_form_errors_and_change_nothing(admin_client, pool, populated):
    client = populated["client"]
    before = UserPoolClient.objects.get(pk=client.pk).callback_urls
    response = admin_client.post(url("identity_userpoolclient_change", client.pk), {
        "name": client.name, "explicit_auth_flows": ["ALLOW_USER_SRP_AUTH"], "allowed_oauth_flows": ["code"],
        "allowed_oauth_scopes": "openid", "callback_urls": "http://evil.example.com/cb", "logout_urls": "",
        "read_attributes": "", "write_attributes": "", "access_token_validity": 60, "id_token_validity": 60,
        "refresh_token_validity": 30, "token_validity_units": '{"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}',
        "auth_session_validity": 3, "prevent_user_existence_errors": "ENABLED", "default_redirect_uri": "",
    })
    assert response.status_code == 200 and "Invalid callback URL" in response.content.decode()
    assert UserPoolClient.objects.get(pk=client.pk).callback_urls == before


def test_rotate_client_secret_action(admin_client, populated):
    client = populated["client"]
    old_digest = client.secret_digest
    response = admin_client.post(url("identity_userpoolclient_changelist"), {"action": "rotate_secret", "_selected_action": [client.pk]}, follow=True)
    assert "New secret for" in response.content.decode()
    client.refresh_from_db()
    assert client.secret_digest != old_digest


@pytest.mark.parametrize(("action", "check"), [
    ("disable", lambda u: u.enabled is False),
    ("reset_password", lambda u: u.status == "RESET_REQUIRED"),
])
def test_user_actions(admin_client, populated, action, check):
    user = populated["user"]
    admin_client.post(url("identity_user_changelist"), {"action": action, "_selected_action": [user.pk]})
    user.refresh_from_db()
    assert check(user)
    assert AuditEvent.objects.filter(user=user, actor="operator:admin").exists()


def test_confirm_enable_and_delete_actions(admin_client, pool):
    pending = factories.create_user(pool=pool, username="pending", status="UNCONFIRMED", enabled=False)
    admin_client.post(url("identity_user_changelist"), {"action": "confirm", "_selected_action": [pending.pk]})
    admin_client.post(url("identity_user_changelist"), {"action": "enable", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert (pending.status, pending.enabled) == ("CONFIRMED", True)
    admin_client.post(url("identity_user_changelist"), {"action": "delete_users", "_selected_action": [pending.pk]})
    assert not User.objects.filter(pk=pending.pk).exists()
    assert AuditEvent.objects.filter(username="pending", event_type="DeleteUser").exists()


def test_action_error_is_shown_and_changes_nothing(admin_client, populated):
    user = populated["user"]
    response = admin_client.post(url("identity_user_changelist"), {"action": "confirm", "_selected_action": [user.pk]}, follow=True)
    assert "cannot be confirmed" in response.content.decode()


def test_set_password_action(admin_client, populated):
    user = populated["user"]
    form = admin_client.post(url("identity_user_changelist"), {"action": "set_password", "_selected_action": [user.pk]})
    assert form.status_code == 200 and b"Set a password" in form.content
    weak = admin_client.post(url("identity_user_changelist"), {"action": "set_password", "_selected_action": [user.pk], "apply": "1", "password": "short"}, follow=True)
    assert "conform to policy" in weak.content.decode()
    admin_client.post(url("identity_user_changelist"), {"action": "set_password", "_selected_action": [user.pk], "apply": "1", "password": "Brand-New-Pass-1", "permanent": "on"})
    user.refresh_from_db()
    assert passwords.password_matches(user, "Brand-New-Pass-1") and user.status == "CONFIRMED"


def test_add_user_through_the_service(admin_client, pool, mailoutbox):
    response = admin_client.post(url("identity_user_add"), {"pool": pool.pk, "username": "newbie", "email": "n@example.com", "temporary_password": ""})
    assert response.status_code == 302, response.content[:1500]
    user = User.objects.get(pool=pool, username="newbie")
    assert user.status == "FORCE_CHANGE_PASSWORD" and "newbie" in mailoutbox[0].body
    again = admin_client.post(url("identity_user_add"), {"pool": pool.pk, "username": "NEWBIE"})
    assert again.status_code == 200 and "already exists" in again.content.decode()


def test_edit_attributes_and_groups_through_the_services(admin_client, pool, populated):
    user = populated["user"]
    Group.objects.create(pool=pool, name="ops")
    ops = Group.objects.get(pool=pool, name="ops")
    page = admin_client.get(url("identity_user_change", user.pk)).content.decode()
    assert 'name="given_name"' in page and 'name="email_verified"' in page
    response = admin_client.post(url("identity_user_change", user.pk), {
        "email": "ana@example.com", "email_verified": "true", "phone_number": "", "given_name": "Ana", "add_to_group": ops.pk,
        "remove_from_groups": ["staff"],
    })
    assert response.status_code == 302, response.content[:3000]
    user.refresh_from_db()
    assert user.attributes.get("given_name") == "Ana" and "phone_number" not in user.attributes
    assert list(user.groups.values_list("name", flat=True)) == ["ops"]
    bad = admin_client.post(url("identity_user_change", user.pk), {"email": "not-an-email", "email_verified": "true"})
    assert bad.status_code == 200 and "Invalid email" in bad.content.decode()
    user.refresh_from_db()
    assert user.attributes["email"] == "ana@example.com"


@pytest.mark.parametrize("term", ["ANA", "ana@exa", "+12065550100"])
def test_search_by_username_email_phone_and_sub(admin_client, pool, populated, term):
    factories.create_user(pool=pool, username="zed", attributes={"email": "zed@example.com"})
    page = admin_client.get(url("identity_user_changelist"), {"q": term}).content.decode()
    assert ">ana<" in page and ">zed<" not in page
    by_sub = admin_client.get(url("identity_user_changelist"), {"q": str(populated["user"].sub)}).content.decode()
    assert ">ana<" in by_sub


def test_list_pages_do_not_query_per_row(admin_client, pool, django_assert_max_num_queries):
    for i in range(40):
        factories.create_user(pool=pool, username=f"bulk{i}", attributes={"email": f"b{i}@example.com"})
        factories.create_client(pool=pool)
    for name in ("user", "userpoolclient", "auditevent", "group"):
        with django_assert_max_num_queries(12):
            assert admin_client.get(url(f"identity_{name}_changelist")).status_code == 200


def test_group_and_resource_server_through_services(admin_client, pool):
    admin_client.post(url("identity_group_add"), {"pool": pool.pk, "name": "ops", "description": "", "precedence": 2, "role_arn": ""})
    assert Group.objects.get(pool=pool, name="ops").precedence == 2
    dup = admin_client.post(url("identity_group_add"), {"pool": pool.pk, "name": "ops", "description": "", "precedence": "", "role_arn": ""})
    assert dup.status_code == 200 and "already exists" in dup.content.decode()
    admin_client.post(url("identity_resourceserver_add"), {"pool": pool.pk, "identifier": "api", "name": "API", "scope_lines": "read: Read things\nwrite"})
    assert ResourceServer.objects.get(pool=pool, identifier="api").full_scope_names() == ["api/read", "api/write"]


def test_pool_with_deletion_protection_cannot_be_deleted(admin_client, db):
    protected = factories.create_pool(deletion_protection=True)
    assert admin_client.get(url("identity_userpool_delete", protected.pk)).status_code == 403
    assert UserPool.objects.filter(pk=protected.pk).exists()
