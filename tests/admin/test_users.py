"""Users in the console: actions, the password page, adding, and attributes edited from the pool's schema."""
from __future__ import annotations

import pytest

from identity.context import SYSTEM
from identity.models import AuditEvent, User
from identity.services import passwords, pools
from tests import factories
from tests.admin.conftest import admin_url, form_data, messages_of

CHANGELIST = "identity_user_changelist"


def act(console, action: str, *users, **extra):
    data = {"action": action, "_selected_action": [u.pk for u in users], **extra}
    return console.post(admin_url(CHANGELIST), data, follow=True)


def audited(user: User, event_type: str) -> bool:
    return AuditEvent.objects.filter(username=user.username, event_type=event_type, actor="operator:ops").exists()


@pytest.mark.parametrize(("action", "status", "enabled", "event"), [
    ("confirm_users", "CONFIRMED", True, "AdminConfirmSignUp"),
    ("disable_users", "UNCONFIRMED", False, "AdminDisableUser"),
    ("reset_passwords", "RESET_REQUIRED", True, "AdminResetUserPassword"),
])
def test_actions_call_the_services_and_are_audited(console, pool, action, status, enabled, event):
    user = factories.create_user(pool=pool, status="UNCONFIRMED", attributes={"email": "u@example.com", "email_verified": "true"})
    act(console, action, user)
    user.refresh_from_db()
    assert (user.status, user.enabled) == (status, enabled) and audited(user, event)


def test_enable_action(console, pool):
    user = factories.create_user(pool=pool, enabled=False)
    act(console, "enable_users", user)
    user.refresh_from_db()
    assert user.enabled and audited(user, "AdminEnableUser")


def test_an_action_the_service_refuses_is_shown_and_changes_nothing(console, user):
    response = act(console, "confirm_users", user)
    assert any(user.username in m and "confirmed" in m.lower() for m in messages_of(response))
    user.refresh_from_db()
    assert user.status == "CONFIRMED" and not audited(user, "AdminConfirmSignUp")


def test_delete_action_asks_first_then_calls_admin_delete_user(console, pool):
    doomed = [factories.create_user(pool=pool) for _ in range(2)]
    confirm = act(console, "delete_users", *doomed)
    assert confirm.status_code == 200 and all(u.username in confirm.content.decode() for u in doomed)
    assert User.objects.filter(pk__in=[u.pk for u in doomed]).count() == 2
    act(console, "delete_users", *doomed, confirmed="yes")
    assert not User.objects.filter(pk__in=[u.pk for u in doomed]).exists()
    assert all(AuditEvent.objects.filter(username=u.username, event_type="AdminDeleteUser").exists() for u in doomed)


def test_djangos_bulk_delete_is_not_offered(console, user):
    actions = console.get(admin_url(CHANGELIST)).context["action_form"].fields["action"].choices
    assert "delete_selected" not in [name for name, _ in actions]


def test_set_password_action_opens_the_password_page(console, user):
    response = act(console, "set_password", user)
    assert response.redirect_chain[-1][0] == admin_url("identity_user_password", user.pk)


def test_password_page_applies_the_pool_policy(console, user):
    url = admin_url("identity_user_password", user.pk)
    weak = console.post(url, {"password": "short"})
    assert weak.status_code == 200 and "does not conform to policy" in weak.content.decode()
    user.refresh_from_db()
    assert passwords.password_matches(user, factories.DEFAULT_PASSWORD)
    assert console.post(url, {"password": "Brand-New-Pass-1", "permanent": "on"}).status_code == 302
    user.refresh_from_db()
    assert passwords.password_matches(user, "Brand-New-Pass-1") and user.status == "CONFIRMED"
    console.post(url, {"password": "Temporary-Pass-2"})
    user.refresh_from_db()
    assert user.status == "FORCE_CHANGE_PASSWORD" and audited(user, "AdminSetUserPassword")


def test_buttons_on_the_user_page(console, pool):
    user = factories.create_user(pool=pool, status="UNCONFIRMED")
    tools = {t.label: t for t in console.get(admin_url("identity_user_change", user.pk)).context["console_tools"]}
    assert {"Set password", "Confirm", "Disable", "Reset password"} <= set(tools)
    console.post(tools["Confirm"].url)
    console.post(tools["Disable"].url)
    user.refresh_from_db()
    assert (user.status, user.enabled) == ("CONFIRMED", False)
    tools = {t.label: t for t in console.get(admin_url("identity_user_change", user.pk)).context["console_tools"]}
    assert "Enable" in tools and "Confirm" not in tools
    assert console.get(tools["Enable"].url).status_code == 302  # a GET changes nothing
    assert not User.objects.get(pk=user.pk).enabled


def test_adding_a_user_calls_admin_create_user(console, pool, mailoutbox):
    url = admin_url("identity_user_add") + f"?pool={pool.pk}"
    response = console.post(url, {"username": "newbie", "attr_email": "n@example.com", "attr_given_name": "New"})
    assert response.status_code == 302
    user = User.objects.get(pool=pool, username="newbie")
    assert user.status == "FORCE_CHANGE_PASSWORD" and user.attributes["given_name"] == "New"
    assert "newbie" in mailoutbox[0].body and audited(user, "AdminCreateUser")
    again = console.post(url, {"username": "NEWBIE"})
    assert again.status_code == 200 and "already exists" in again.content.decode()


def test_adding_a_user_with_a_temporary_password_and_no_message(console, pool, mailoutbox):
    url = admin_url("identity_user_add") + f"?pool={pool.pk}"
    response = console.post(url, {"username": "quiet", "temporary_password": "Temp-Pass-123", "suppress_message": "on"})
    assert response.status_code == 302 and mailoutbox == []
    assert passwords.password_matches(User.objects.get(username="quiet"), "Temp-Pass-123")


def test_a_generated_password_nobody_received_is_pointed_out(console, pool):
    url = admin_url("identity_user_add") + f"?pool={pool.pk}"
    response = console.post(url, {"username": "lost", "suppress_message": "on"}, follow=True)
    assert any("set one for the user" in m for m in messages_of(response))


def test_adding_to_an_email_username_pool(console):
    pool = factories.create_pool(username_attributes=["email"])
    page = console.get(admin_url("identity_user_add") + f"?pool={pool.pk}").content.decode()
    assert "signs in with: email" in page
    console.post(admin_url("identity_user_add") + f"?pool={pool.pk}", {"username": "eve@example.com"})
    user = User.objects.get(pool=pool)
    assert user.email == "eve@example.com" and user.username == str(user.sub)


def test_the_change_form_has_a_field_per_schema_attribute(console, pool, user):
    pools.add_custom_attributes(pool=pool, custom_attributes=[
        {"Name": "tier", "AttributeDataType": "Number", "Mutable": False}, {"Name": "vip", "AttributeDataType": "Boolean"},
    ], context=SYSTEM)
    form = console.get(admin_url("identity_user_change", user.pk)).context["adminform"].form
    assert {"attr_given_name", "attr_email_verified", "attr_custom:tier", "attr_custom:vip"} <= set(form.fields)
    assert "attr_sub" not in form.fields and form.fields["attr_custom:tier"].disabled
    assert form.fields["attr_custom:tier"].__class__.__name__ == "IntegerField"
    assert form.fields["attr_email"].initial == "alice@example.com"
    assert not {"status", "password", "sub", "enabled"} & set(form.fields)


def test_attributes_are_saved_through_update_and_delete_services(console, pool):
    user = factories.create_user(pool=pool, attributes={"email": "ana@example.com", "email_verified": "true", "phone_number": "+12065550100"})
    page = console.get(admin_url("identity_user_change", user.pk))
    data = {**form_data(page), "attr_given_name": "Ana", "attr_phone_number": ""}
    assert console.post(admin_url("identity_user_change", user.pk), data).status_code == 302
    user.refresh_from_db()
    assert user.attributes["given_name"] == "Ana" and "phone_number" not in user.attributes
    assert audited(user, "UpdateUserAttributes") and audited(user, "DeleteUserAttributes")


def test_an_invalid_attribute_is_shown_and_nothing_changes(console, pool):
    user = factories.create_user(pool=pool, attributes={"email": "ana@example.com", "phone_number": "+12065550100"})
    page = console.get(admin_url("identity_user_change", user.pk))
    data = {**form_data(page), "attr_phone_number": "", "attr_email": "not-an-email"}
    response = console.post(admin_url("identity_user_change", user.pk), data)
    assert response.status_code == 200 and "Invalid email address format" in response.content.decode()
    user.refresh_from_db()
    assert user.attributes == {"email": "ana@example.com", "phone_number": "+12065550100"}
    assert not AuditEvent.objects.filter(username=user.username).exists()


def test_a_changed_address_keeps_a_verified_flag_left_at_true(console, pool, mailoutbox):
    user = factories.create_user(pool=pool, attributes={"email": "ana@example.com", "email_verified": "true"})
    page = console.get(admin_url("identity_user_change", user.pk))
    console.post(admin_url("identity_user_change", user.pk), {**form_data(page), "attr_email": "ana@new.example.com"})
    user.refresh_from_db()
    assert user.attributes["email"] == "ana@new.example.com" and user.is_verified("email")


def test_group_memberships_are_added_and_removed_through_group_services(console, pool):
    from identity.services import groups

    user = factories.create_user(pool=pool, groups=["staff"])
    ops = groups.create_group(pool=pool, name="ops", context=SYSTEM)
    other_pool_group = groups.create_group(pool=factories.create_pool(), name="elsewhere", context=SYSTEM)
    page = console.get(admin_url("identity_user_change", user.pk))
    inline_form = page.context["inline_admin_formsets"][0].formset.empty_form
    assert list(inline_form.fields["group"].queryset) == list(pool.groups.all())
    assert other_pool_group not in inline_form.fields["group"].queryset
    data = form_data(page)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data.update({f"{prefix}-0-DELETE": "on", f"{prefix}-1-group": ops.pk, f"{prefix}-TOTAL_FORMS": "2"})
    assert console.post(admin_url("identity_user_change", user.pk), data).status_code == 302
    assert list(user.groups.values_list("name", flat=True)) == ["ops"]
    assert audited(user, "AdminAddUserToGroup") and audited(user, "AdminRemoveUserFromGroup")


def test_an_invalid_inline_undoes_the_attribute_change(console, pool):
    user = factories.create_user(pool=pool, groups=["staff"])
    page = console.get(admin_url("identity_user_change", user.pk))
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data = {**form_data(page), "attr_given_name": "Changed", f"{prefix}-1-group": user.groups.get().pk, f"{prefix}-TOTAL_FORMS": "2"}
    response = console.post(admin_url("identity_user_change", user.pk), data)
    assert response.status_code == 200  # the duplicate membership is refused by the inline
    user.refresh_from_db()
    assert "given_name" not in user.attributes
    assert not AuditEvent.objects.filter(username=user.username, event_type="UpdateUserAttributes").exists()


def test_deleting_from_the_user_page_calls_admin_delete_user(console, user):
    assert console.get(admin_url("identity_user_delete", user.pk)).status_code == 200
    console.post(admin_url("identity_user_delete", user.pk), {"post": "yes"})
    assert not User.objects.filter(pk=user.pk).exists() and audited(user, "AdminDeleteUser")


def test_a_view_only_operator_cannot_act_on_users(client, user, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="Viewer-password-42", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user", content_type__app_label="identity"))
    client.force_login(viewer)
    listing = client.get(admin_url(CHANGELIST))
    assert listing.status_code == 200 and listing.context["action_form"] is None
    assert client.get(admin_url("identity_user_change", user.pk)).context["console_tools"] == []
    assert client.post(admin_url("identity_user_operate", user.pk, "disable")).status_code == 403
    assert client.post(admin_url("identity_user_password", user.pk), {"password": "Brand-New-Pass-1"}).status_code == 403
    assert client.post(admin_url(CHANGELIST), {"action": "disable_users", "_selected_action": [user.pk]}).status_code in (200, 302)
    user.refresh_from_db()
    assert user.enabled


def test_devices_are_listed_on_the_user_page_and_forgotten_through_the_service(console, pool):
    from identity.models import Device, RefreshToken
    from identity.services import devices

    user = factories.create_user(pool=pool)
    kept, forgotten = (devices.register_new_device(user=user) for _ in range(2))
    unconfirmed = devices.register_new_device(user=user)
    Device.objects.filter(pk__in=[kept.pk, forgotten.pk]).update(confirmed=True, device_name="Laptop", remembered_status="remembered")
    client = factories.create_client(pool=pool)
    from identity.services import tokens
    from identity import clock
    tokens.issue_token_set(pool=pool, client=client, user=user, scopes=["openid"], auth_time=clock.now(), device_key=forgotten.device_key)
    page = console.get(admin_url("identity_user_change", user.pk))
    formset = next(f.formset for f in page.context["inline_admin_formsets"] if f.formset.model is Device)
    assert [form.instance.device_key for form in formset.forms] == [forgotten.device_key, kept.device_key]  # confirmed only
    assert kept.device_key in page.content.decode() and unconfirmed.device_key not in page.content.decode()
    index = [form.instance.pk for form in formset.forms].index(forgotten.pk)
    data = {**form_data(page), f"{formset.prefix}-{index}-DELETE": "on"}
    assert console.post(admin_url("identity_user_change", user.pk), data).status_code == 302
    assert list(Device.objects.filter(user=user, confirmed=True).values_list("pk", flat=True)) == [kept.pk]
    assert audited(user, "ForgetDevice")
    assert RefreshToken.objects.filter(device_key=forgotten.device_key, revoked_at__isnull=False).exists()


def test_recovery_codes_are_invalidated_from_the_user_page_never_shown(console, pool):
    from identity.services import mfa

    user = factories.create_user(pool=pool)
    page = console.get(admin_url("identity_user_change", user.pk))
    assert not any("recovery" in tool.label.lower() for tool in page.context["console_tools"])  # none to invalidate
    codes = mfa.generate_recovery_codes(user=user)
    page = console.get(admin_url("identity_user_change", user.pk))
    assert "Invalidate recovery codes (10 unused)" in [tool.label for tool in page.context["console_tools"]]
    assert not any(code in page.content.decode() for code in codes)  # operators never see a user's codes
    # A GET changes nothing; the POST calls the service and is audited.
    console.get(admin_url("identity_user_operate", user.pk, "invalidate-recovery-codes"))
    assert mfa.unused_recovery_codes(user) == 10
    done = console.post(admin_url("identity_user_operate", user.pk, "invalidate-recovery-codes"), follow=True)
    assert f"Invalidated the recovery codes of {user.username}." in messages_of(done)
    assert mfa.unused_recovery_codes(user) == 0 and not mfa.use_recovery_code(user=user, code=codes[0])
    event = AuditEvent.objects.filter(username=user.username, event_type="SetUserMFAPreference", actor="operator:ops").last()
    assert event is not None and event.details == {"action": "recovery_codes_invalidated", "unused": 10}
