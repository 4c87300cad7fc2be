"""Groups and memberships: every operation, its errors, idempotency, audit events, isolation."""
import pytest

from identity import events
from identity.context import RequestContext
from identity.errors import (
    GroupExistsException,
    InvalidParameterException,
    LimitExceededException,
    ResourceNotFoundException,
    UserNotFoundException,
)
from identity.models import AuditEvent, Group, GroupMembership, User
from identity.services import groups
from tests import factories

OPERATOR = RequestContext(actor="operator:root", ip_address="192.0.2.7", user_agent="tests")
ROLE = "arn:aws:iam::123456789012:role/admins"


def _state(pool):
    """Everything a group operation may write, to prove a refused call wrote nothing."""
    rows = Group.objects.filter(pool=pool).order_by("name")
    return (
        [(g.name, g.description, g.precedence, g.role_arn) for g in rows],
        sorted(GroupMembership.objects.filter(pool=pool).values_list("group__name", "user__username")),
        AuditEvent.objects.filter(pool=pool).count(),
    )


def _events(pool, kind):
    return list(AuditEvent.objects.filter(pool=pool, event_type=kind).order_by("id"))


def _walk(list_page, **arguments):
    seen, token = [], None
    while True:
        page = list_page(limit=2, next_token=token, **arguments)
        assert len(page[0]) <= 2
        seen += page[0]
        token = page[1]
        if token is None:
            return seen


def _group_names(**arguments):
    page = groups.list_groups(**arguments)
    return [g.name for g in page.groups], page.next_token


def test_create_and_get(pool):
    created = groups.create_group(pool=pool, name="admins", description="Admins", precedence=1, role_arn=ROLE, context=OPERATOR)
    fetched = groups.get_group(pool=pool, name="admins")
    assert fetched == created
    assert (fetched.pool_id, fetched.description, fetched.precedence, fetched.role_arn) == (pool.id, "Admins", 1, ROLE)
    [event] = _events(pool, "CreateGroup")
    assert (event.actor, event.ip_address, event.details) == ("operator:root", "192.0.2.7", {"group": "admins"})


def test_create_with_defaults(pool):
    group = groups.create_group(pool=pool, name="plain")
    assert (group.description, group.precedence, group.role_arn) == ("", None, "")
    assert _events(pool, "CreateGroup")[0].actor == "system"


@pytest.mark.parametrize("name", ["a", "x" * 128, "ä-группа", "a+b@c.d", "team_1", "🙂", "名前", "(ops)", "e\u0301"])
def test_names_cognito_accepts(pool, name):
    assert groups.create_group(pool=pool, name=name).name == name


def test_duplicate_changes_nothing(pool):
    groups.create_group(pool=pool, name="admins", description="first")
    before = _state(pool)
    with pytest.raises(GroupExistsException, match="already exists"):
        groups.create_group(pool=pool, name="admins", description="second")
    assert _state(pool) == before


def test_names_are_case_sensitive(pool):
    groups.create_group(pool=pool, name="Admins")
    groups.create_group(pool=pool, name="admins")
    with pytest.raises(ResourceNotFoundException):
        groups.get_group(pool=pool, name="ADMINS")
    assert Group.objects.filter(pool=pool).count() == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": " "},
        {"name": "has space"},
        {"name": "tab\there"},
        {"name": "line\nbreak"},
        {"name": "nul\x00"},
        {"name": "nbsp\u00a0x"},
        {"name": "x" * 129},
        {"name": None},
        {"name": 7},
        {"name": "ok", "precedence": -1},
        {"name": "ok", "precedence": 2**31},
        {"name": "ok", "precedence": "1"},
        {"name": "ok", "precedence": 1.5},
        {"name": "ok", "precedence": True},
        {"name": "ok", "description": "d" * 2049},
        {"name": "ok", "description": 5},
        {"name": "ok", "role_arn": "admins"},
        {"name": "ok", "role_arn": "arn:aws:iam::acct:role/x"},
        {"name": "ok", "role_arn": "arn:aws:iam::1:role/" + "r" * 2048},
        {"name": "ok", "role_arn": ["arn"]},
    ],
)
def test_bad_input_to_create_changes_nothing(pool, fields):
    before = _state(pool)
    with pytest.raises(InvalidParameterException):
        groups.create_group(pool=pool, **fields)
    assert _state(pool) == before


def test_a_pool_holds_a_limited_number_of_groups(pool, monkeypatch):
    monkeypatch.setattr(groups, "MAX_GROUPS_PER_POOL", 3)
    for name in ("a", "b", "c"):
        groups.create_group(pool=pool, name=name)
    before = _state(pool)
    with pytest.raises(LimitExceededException):
        groups.create_group(pool=pool, name="d")
    assert _state(pool) == before
    groups.create_group(pool=factories.create_pool(), name="d")  # the quota is per pool


def test_a_write_and_its_audit_event_commit_together(pool, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(events, "group_created", broken)
    with pytest.raises(RuntimeError):
        groups.create_group(pool=pool, name="admins")
    assert not Group.objects.filter(pool=pool).exists()


def test_get_reports_a_missing_group(pool):
    with pytest.raises(ResourceNotFoundException, match="Group not found."):
        groups.get_group(pool=pool, name="ghosts")


def test_update_changes_only_the_given_fields(pool):
    groups.create_group(pool=pool, name="admins", description="Admins", precedence=1, role_arn=ROLE)
    updated = groups.update_group(pool=pool, name="admins", description="All admins", context=OPERATOR)
    assert (updated.description, updated.precedence, updated.role_arn) == ("All admins", 1, ROLE)
    updated = groups.update_group(pool=pool, name="admins", precedence=0)
    assert (updated.description, updated.precedence, updated.role_arn) == ("All admins", 0, ROLE)
    updated = groups.update_group(pool=pool, name="admins", role_arn="")
    assert (updated.description, updated.precedence, updated.role_arn) == ("All admins", 0, "")
    groups.update_group(pool=pool, name="admins")
    stored = Group.objects.get(pool=pool, name="admins")
    assert (stored.description, stored.precedence, stored.role_arn) == ("All admins", 0, "")
    details = [e.details for e in _events(pool, "UpdateGroup")]
    assert details == [
        {"group": "admins", "changed": ["description"]},
        {"group": "admins", "changed": ["precedence"]},
        {"group": "admins", "changed": ["role_arn"]},
        {"group": "admins", "changed": []},
    ]
    assert _events(pool, "UpdateGroup")[0].actor == "operator:root"


def test_update_clears_precedence_only_when_asked(pool):
    groups.create_group(pool=pool, name="admins", precedence=3)
    assert groups.update_group(pool=pool, name="admins", precedence=None).precedence == 3
    assert groups.update_group(pool=pool, name="admins", clear_precedence=True).precedence is None
    assert Group.objects.get(pool=pool, name="admins").precedence is None


@pytest.mark.parametrize(
    "fields",
    [
        {"precedence": -1},
        {"precedence": "2"},
        {"description": "d" * 2049},
        {"role_arn": "not-an-arn"},
        {"precedence": 2, "clear_precedence": True},
    ],
)
def test_bad_input_to_update_changes_nothing(pool, fields):
    groups.create_group(pool=pool, name="admins", description="Admins", precedence=1, role_arn=ROLE)
    before = _state(pool)
    with pytest.raises(InvalidParameterException):
        groups.update_group(pool=pool, name="admins", **{"role_arn": "", **fields})
    assert _state(pool) == before


def test_update_of_a_missing_group(pool):
    with pytest.raises(ResourceNotFoundException):
        groups.update_group(pool=pool, name="ghosts", description="x")
    assert not _events(pool, "UpdateGroup")


def test_delete_removes_memberships_but_not_users(pool, user):
    groups.create_group(pool=pool, name="staff")
    groups.create_group(pool=pool, name="other")
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="staff")
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="other")
    groups.delete_group(pool=pool, name="staff", context=OPERATOR)
    assert not Group.objects.filter(pool=pool, name="staff").exists()
    assert list(GroupMembership.objects.filter(user=user).values_list("group__name", flat=True)) == ["other"]
    assert User.objects.filter(pk=user.pk).exists()
    [event] = _events(pool, "DeleteGroup")
    assert (event.details, event.actor) == ({"group": "staff"}, "operator:root")
    before = _state(pool)
    with pytest.raises(ResourceNotFoundException):
        groups.delete_group(pool=pool, name="staff")
    assert _state(pool) == before


def test_list_groups_pages_by_name(pool):
    for name in ["team-4", "team-0", "Team-9", "team-2", "team-1", "team-3", "team-5"]:
        groups.create_group(pool=pool, name=name)
    groups.create_group(pool=factories.create_pool(), name="elsewhere")
    seen = _walk(_group_names, pool=pool)
    assert seen == sorted(Group.objects.filter(pool=pool).values_list("name", flat=True).order_by("name"))
    assert len(seen) == 7 and "elsewhere" not in seen
    names, token = _group_names(pool=pool, limit=7)
    assert len(names) == 7 and token is None
    names, token = _group_names(pool=pool, limit=0)
    assert len(names) == 7 and token is None
    assert _group_names(pool=factories.create_pool()) == ([], None)


@pytest.mark.parametrize("limit", [-1, 61, "5", True])
def test_list_limits(pool, user, limit):
    groups.create_group(pool=pool, name="staff")
    with pytest.raises(InvalidParameterException, match="Limit"):
        groups.list_groups(pool=pool, limit=limit)
    with pytest.raises(InvalidParameterException, match="Limit"):
        groups.admin_list_groups_for_user(pool=pool, username=user.username, limit=limit)
    with pytest.raises(InvalidParameterException, match="Limit"):
        groups.list_users_in_group(pool=pool, group_name="staff", limit=limit)


def test_list_tokens_are_bound_to_their_listing(pool, user):
    other_pool = factories.create_pool()
    other_user = factories.create_user(pool=pool, username="other")
    for name in ("a", "b", "c"):
        groups.create_group(pool=pool, name=name)
        groups.create_group(pool=other_pool, name=name)
        groups.admin_add_user_to_group(pool=pool, username=user.username, group_name=name)
        groups.admin_add_user_to_group(pool=pool, username="other", group_name=name)
    token = groups.list_groups(pool=pool, limit=1).next_token
    user_token = groups.admin_list_groups_for_user(pool=pool, username=user.username, limit=1).next_token
    member_token = groups.list_users_in_group(pool=pool, group_name="a", limit=1).next_token
    assert token and user_token and member_token
    refused = [
        lambda: groups.list_groups(pool=other_pool, next_token=token),
        lambda: groups.list_groups(pool=pool, next_token=token[:-1] + ("A" if token[-1] != "A" else "B")),
        lambda: groups.list_groups(pool=pool, next_token="forged"),
        lambda: groups.list_groups(pool=pool, next_token=user_token),
        lambda: groups.admin_list_groups_for_user(pool=pool, username=other_user.username, next_token=user_token),
        lambda: groups.admin_list_groups_for_user(pool=pool, username=user.username, next_token=token),
        lambda: groups.list_users_in_group(pool=pool, group_name="b", next_token=member_token),
        lambda: groups.list_users_in_group(pool=pool, group_name="a", next_token=token),
    ]
    for call in refused:
        with pytest.raises(InvalidParameterException, match="Invalid pagination token."):
            call()


def test_add_is_idempotent_and_audited_once(pool, user):
    groups.create_group(pool=pool, name="staff")
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="staff", context=OPERATOR)
    groups.admin_add_user_to_group(pool=pool, username=user.username.upper(), group_name="staff")
    groups.admin_add_user_to_group(pool=pool, username=str(user.sub), group_name="staff")
    [membership] = GroupMembership.objects.filter(user=user)
    assert (membership.pool_id, membership.group.name) == (pool.id, "staff")
    [event] = _events(pool, "AdminAddUserToGroup")
    assert (event.user_id, event.username, event.details, event.actor) == (user.pk, user.username, {"group": "staff"}, "operator:root")


def test_remove_is_idempotent_and_audited_once(pool, user):
    groups.create_group(pool=pool, name="staff")
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="staff")
    groups.admin_remove_user_from_group(pool=pool, username=user.username, group_name="staff", context=OPERATOR)
    groups.admin_remove_user_from_group(pool=pool, username=user.username, group_name="staff")
    assert not GroupMembership.objects.filter(user=user).exists()
    [event] = _events(pool, "AdminRemoveUserFromGroup")
    assert (event.user_id, event.details, event.actor) == (user.pk, {"group": "staff"}, "operator:root")


@pytest.mark.parametrize("operation", [groups.admin_add_user_to_group, groups.admin_remove_user_from_group])
def test_membership_errors_change_nothing(pool, user, operation):
    groups.create_group(pool=pool, name="staff")
    groups.create_group(pool=pool, name="crew")
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="crew")
    before = _state(pool)
    with pytest.raises(UserNotFoundException):
        operation(pool=pool, username="ghost", group_name="staff")
    with pytest.raises(ResourceNotFoundException, match="Group not found."):
        operation(pool=pool, username=user.username, group_name="ghosts")
    assert _state(pool) == before


def test_a_user_is_in_at_most_100_groups(pool, user):
    Group.objects.bulk_create([Group(pool=pool, name=f"g{i:03d}") for i in range(101)])
    GroupMembership.objects.bulk_create(
        [GroupMembership(pool=pool, group=g, user=user) for g in Group.objects.filter(pool=pool).order_by("name")[:100]]
    )
    before = _state(pool)
    with pytest.raises(LimitExceededException, match="100"):
        groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="g100")
    assert _state(pool) == before
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="g099")  # already a member: fine
    groups.admin_remove_user_from_group(pool=pool, username=user.username, group_name="g000")
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="g100")
    assert GroupMembership.objects.filter(user=user).count() == 100


def test_admin_list_groups_for_user(pool, user):
    for name in ("delta", "alpha", "charlie", "bravo", "echo"):
        groups.create_group(pool=pool, name=name)
    for name in ("delta", "alpha", "echo", "bravo"):
        groups.admin_add_user_to_group(pool=pool, username=user.username, group_name=name)
    factories.create_user(pool=pool, username="bystander", groups=["charlie"])

    def page(**arguments):
        found = groups.admin_list_groups_for_user(pool=pool, username=user.username, **arguments)
        return [g.name for g in found.groups], found.next_token

    assert _walk(page) == ["alpha", "bravo", "delta", "echo"]
    with pytest.raises(UserNotFoundException):
        groups.admin_list_groups_for_user(pool=pool, username="ghost")


def test_list_users_in_group(pool, django_assert_max_num_queries):
    groups.create_group(pool=pool, name="staff")
    members = [factories.create_user(pool=pool, username=f"m{i}", password=None) for i in range(5)]
    factories.create_user(pool=pool, username="outsider", password=None)
    for member in reversed(members):
        groups.admin_add_user_to_group(pool=pool, username=member.username, group_name="staff")

    def page(**arguments):
        found = groups.list_users_in_group(pool=pool, group_name="staff", **arguments)
        return [u.username for u in found.users], found.next_token

    assert _walk(page) == [m.username for m in members]
    with django_assert_max_num_queries(2):
        found = groups.list_users_in_group(pool=pool, group_name="staff")
        assert [u.pool.id for u in found.users] == [pool.id] * 5
    groups.create_group(pool=pool, name="empty")
    assert groups.list_users_in_group(pool=pool, group_name="empty").users == []
    with pytest.raises(ResourceNotFoundException):
        groups.list_users_in_group(pool=pool, group_name="ghosts")


def test_groups_for_token_orders_by_precedence_then_name_in_one_query(pool, user, django_assert_num_queries):
    for name, precedence in [("zeta", None), ("beta", 5), ("alpha", 5), ("omega", 0), ("gamma", None), ("unused", 1)]:
        groups.create_group(pool=pool, name=name, precedence=precedence)
        if name != "unused":
            groups.admin_add_user_to_group(pool=pool, username=user.username, group_name=name)
    with django_assert_num_queries(1):
        found = groups.groups_for_token(user)
    assert [g.name for g in found] == ["omega", "alpha", "beta", "gamma", "zeta"]
    assert groups.groups_for_token(factories.create_user(pool=pool)) == []


def test_pools_do_not_share_groups_or_users(pool, user):
    other = factories.create_pool()
    theirs = factories.create_user(pool=other, username="theirs")
    groups.create_group(pool=other, name="staff", precedence=1)
    groups.create_group(pool=pool, name="crew")
    before_other = _state(other)
    with pytest.raises(ResourceNotFoundException):
        groups.get_group(pool=pool, name="staff")
    with pytest.raises(ResourceNotFoundException):
        groups.update_group(pool=pool, name="staff", precedence=9)
    with pytest.raises(ResourceNotFoundException):
        groups.delete_group(pool=pool, name="staff")
    with pytest.raises(ResourceNotFoundException):
        groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="staff")
    with pytest.raises(UserNotFoundException):
        groups.admin_add_user_to_group(pool=pool, username="theirs", group_name="crew")
    with pytest.raises(UserNotFoundException):
        groups.admin_add_user_to_group(pool=pool, username=str(theirs.sub), group_name="crew")
    with pytest.raises(UserNotFoundException):
        groups.admin_list_groups_for_user(pool=pool, username="theirs")
    with pytest.raises(ResourceNotFoundException):
        groups.list_users_in_group(pool=pool, group_name="staff")
    assert _state(other) == before_other
    # The same name in two pools is two groups.
    groups.create_group(pool=pool, name="staff")
    groups.admin_add_user_to_group(pool=pool, username=user.username, group_name="staff")
    groups.admin_add_user_to_group(pool=other, username="theirs", group_name="staff")
    assert [u.username for u in groups.list_users_in_group(pool=pool, group_name="staff").users] == [user.username]
    assert [u.username for u in groups.list_users_in_group(pool=other, group_name="staff").users] == ["theirs"]
    groups.delete_group(pool=pool, name="staff")
    assert groups.get_group(pool=other, name="staff").precedence == 1
    assert GroupMembership.objects.filter(user=theirs).count() == 1
