"""Groups in the console: created, updated, deleted and given members through identity.services.groups."""
from __future__ import annotations

from identity.context import SYSTEM
from identity.models import AuditEvent, Group, GroupMembership
from identity.services import groups
from tests import factories
from tests.admin.conftest import admin_url, form_data, messages_of


def test_adding_a_group_calls_create_group(console, pool):
    data = {"pool": pool.pk, "name": "ops", "description": "Operators", "precedence": 2, "role_arn": ""}
    assert console.post(admin_url("identity_group_add"), data).status_code == 302
    assert Group.objects.get(pool=pool, name="ops").precedence == 2
    assert AuditEvent.objects.filter(event_type="CreateGroup", actor="operator:ops", details__group="ops").exists()
    duplicate = console.post(admin_url("identity_group_add"), {**data, "precedence": ""})
    assert duplicate.status_code == 200 and "already exists" in duplicate.content.decode()
    assert Group.objects.filter(pool=pool, name="ops").count() == 1


def test_changing_a_group_calls_update_group(console, pool):
    group = groups.create_group(pool=pool, name="ops", context=SYSTEM)
    page = console.get(admin_url("identity_group_change", group.pk))
    assert "name" not in page.context["adminform"].form.fields  # a group's name is its key
    console.post(admin_url("identity_group_change", group.pk), {**form_data(page), "precedence": 5, "description": "On call"})
    group.refresh_from_db()
    assert (group.precedence, group.description) == (5, "On call")
    assert AuditEvent.objects.filter(event_type="UpdateGroup", actor="operator:ops").exists()


def test_members_added_and_removed_through_the_services(console, pool):
    group = groups.create_group(pool=pool, name="ops", context=SYSTEM)
    staying, leaving = factories.create_user(pool=pool), factories.create_user(pool=pool)
    for user in (staying, leaving):
        groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="ops", context=SYSTEM)
    joining = factories.create_user(pool=pool)
    page = console.get(admin_url("identity_group_change", group.pk))
    formset = page.context["inline_admin_formsets"][0].formset
    data = form_data(page)
    leaving_row = next(i for i, form in enumerate(formset.forms) if form.instance.user_id == leaving.pk)
    data.update({f"{formset.prefix}-{leaving_row}-DELETE": "on", f"{formset.prefix}-2-user": joining.pk, f"{formset.prefix}-TOTAL_FORMS": "3"})
    assert console.post(admin_url("identity_group_change", group.pk), data).status_code == 302
    assert set(group.users.values_list("pk", flat=True)) == {staying.pk, joining.pk}
    assert AuditEvent.objects.filter(username=joining.username, event_type="AdminAddUserToGroup").exists()
    assert AuditEvent.objects.filter(username=leaving.username, event_type="AdminRemoveUserFromGroup").exists()


def test_a_user_from_another_pool_cannot_be_added(console, pool):
    group = groups.create_group(pool=pool, name="ops", context=SYSTEM)
    stranger = factories.create_user(pool=factories.create_pool())
    page = console.get(admin_url("identity_group_change", group.pk))
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data = {**form_data(page), f"{prefix}-0-user": stranger.pk, f"{prefix}-TOTAL_FORMS": "1"}
    assert console.post(admin_url("identity_group_change", group.pk), data).status_code == 200
    assert not GroupMembership.objects.filter(group=group).exists()


def test_the_member_list_links_to_the_filtered_user_list(console, pool):
    group = groups.create_group(pool=pool, name="ops", context=SYSTEM)
    member, _ = factories.create_user(pool=pool), factories.create_user(pool=pool)
    groups.admin_add_user_to_group(pool=pool, username=member.username, group_name="ops", context=SYSTEM)
    listed = console.get(admin_url("identity_user_changelist"), {"group": group.pk}).context["cl"].result_list
    assert [user.pk for user in listed] == [member.pk]
    page = console.get(admin_url("identity_group_change", group.pk)).content.decode()
    assert f"?group={group.pk}" in page


def test_deleting_a_group_calls_delete_group_and_keeps_its_users(console, pool):
    user = factories.create_user(pool=pool, groups=["ops"])
    group = Group.objects.get(pool=pool, name="ops")
    response = console.post(admin_url("identity_group_delete", group.pk), {"post": "yes"}, follow=True)
    assert "Deleted group" in " ".join(messages_of(response))
    assert not Group.objects.filter(pk=group.pk).exists() and user.__class__.objects.filter(pk=user.pk).exists()
    assert AuditEvent.objects.filter(event_type="DeleteGroup", actor="operator:ops").exists()
