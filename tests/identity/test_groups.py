"""Groups and memberships: every operation, its errors, idempotency, audit events, isolation."""
import pytest

from identity.errors import (
    GroupExistsException,
    InvalidParameterException,
    LimitExceededException,
    ResourceNotFoundException,
    UserNotFoundException,
)
from identity.models import AuditEvent, Group, GroupMembership
from identity.services import groups
from tests import factories


def test_create_get_update_delete(pool):
    created = groups.create_group(pool=pool, name="admins", description="Admins", precedence=1, role_arn="arn:aws:iam::1:role/a")
    assert groups.get_group(pool=pool, name="admins") == created
    updated = groups.update_group(pool=pool, name="admins", description="All admins")
    assert (updated.description, updated.precedence, updated.role_arn) == ("All admins", 1, "arn:aws:iam::1:role/a")
    assert groups.update_group(pool=pool, name="admins", precedence=None).precedence is None
    groups.delete_group(pool=pool, name="admins")
    with pytest.raises(ResourceNotFoundException):
        groups.get_group(pool=pool, name="admins")
    kinds = list(AuditEvent.objects.filter(pool=pool, event_type__in=["CreateGroup", "UpdateGroup", "DeleteGroup"]).values_list("event_type", flat=True))
    assert sorted(kinds) == ["CreateGroup", "DeleteGroup", "UpdateGroup", "UpdateGroup"]


def test_duplicate_and_invalid_groups_change_nothing(pool):
    groups.create_group(pool=pool, name="admins")
    with pytest.raises(GroupExistsException):
        groups.create_group(pool=pool, name="admins")
    for bad in ("", "has space", "x" * 129):
        with pytest.raises(InvalidParameterException):
            groups.create_group(pool=pool, name=bad)
    with pytest.raises(InvalidParameterException):
        groups.create_group(pool=pool, name="ok", precedence=-1)
    assert list(Group.objects.filter(pool=pool).values_list("name", flat=True)) == ["admins"]


def test_names_are_case_sensitive(pool):
    groups.create_group(pool=pool, name="Admins")
    groups.create_group(pool=pool, name="admins")
    assert Group.objects.filter(pool=pool).count() == 2


def test_membership_is_idempotent_and_audited(pool, user):
    groups.create_group(pool=pool, name="staff")
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="staff")
    groups.admin_add_user_to_group(pool=pool, username=user.username.upper(), group_name="staff")
    assert GroupMembership.objects.filter(user=user).count() == 1
    assert [g.name for g in groups.admin_list_groups_for_user(pool=pool, username=user.username).items] == ["staff"]
    assert [u.pk for u in groups.list_users_in_group(pool=pool, group_name="staff").items] == [user.pk]
    groups.admin_remove_user_from_group(pool=pool, username=user.username, group_name="staff")
    groups.admin_remove_user_from_group(pool=pool, username=user.username, group_name="staff")
    assert not GroupMembership.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(user=user, event_type="AdminAddUserToGroup").count() == 1
    assert AuditEvent.objects.filter(user=user, event_type="AdminRemoveUserFromGroup").count() == 1


def test_membership_errors(pool, user):
    groups.create_group(pool=pool, name="staff")
    with pytest.raises(UserNotFoundException):
        groups.admin_add_user_to_group(pool=pool, username="ghost", group_name="staff")
    with pytest.raises(ResourceNotFoundException):
        groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="ghosts")


def test_a_user_is_in_at_most_100_groups(pool, user):
    Group.objects.bulk_create([Group(pool=pool, name=f"g{i}") for i in range(101)])
    for group in Group.objects.filter(pool=pool).order_by("name")[:100]:
        GroupMembership.objects.create(pool=pool, group=group, user=user)
    with pytest.raises(LimitExceededException):
        groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="g99")  # the one left out
    assert GroupMembership.objects.filter(user=user).count() == 100


def test_listing_pages(pool):
    for i in range(7):
        groups.create_group(pool=pool, name=f"team-{i}")
    seen, token = [], None
    while True:
        page = groups.list_groups(pool=pool, limit=3, next_token=token)
        seen += [g.name for g in page.items]
        token = page.next_token
        if not token:
            break
    assert seen == [f"team-{i}" for i in range(7)]
    with pytest.raises(InvalidParameterException):
        groups.list_groups(pool=pool, limit=61)
    with pytest.raises(InvalidParameterException):
        groups.list_groups(pool=pool, next_token="forged")


def test_pools_do_not_share_groups(pool, user):
    other = factories.create_pool()
    groups.create_group(pool=other, name="staff")
    with pytest.raises(ResourceNotFoundException):
        groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="staff")
    with pytest.raises(UserNotFoundException):
        groups.admin_add_user_to_group(pool=other, username=user.username, group_name="staff")
    groups.create_group(pool=other, name="visitors")
    token = groups.list_groups(pool=other, limit=1).next_token
    with pytest.raises(InvalidParameterException):
        groups.list_groups(pool=pool, limit=1, next_token=token)
