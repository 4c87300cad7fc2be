"""Groups and their members: CreateGroup … ListUsersInGroup, and the groups a token names."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from identity import events
from identity.context import SYSTEM, RequestContext
from identity.errors import (
    GroupExistsException,
    InvalidParameterException,
    LimitExceededException,
    ResourceNotFoundException,
)
from identity.models import Group, GroupMembership, User, UserPool
from identity.services import directory
from identity.services.listing import check_limit, make_token, pinned, read_token

# Cognito's quotas and shapes (GroupType, PrecedenceType, ArnType; reference §5.6, §10.2).
MAX_GROUPS_PER_USER = 100
MAX_GROUPS_PER_POOL = 10_000
MAX_NAME_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 2048
MAX_PRECEDENCE = 2**31 - 1
_ARN = re.compile(r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:[\w+=/,.@-]*:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+){0,2}", re.ASCII)
# GroupNameType is [\p{L}\p{M}\p{S}\p{N}\p{P}]+: letters, marks, symbols, numbers, punctuation.
_NAME_CATEGORIES = frozenset("LMSNP")


@dataclass(frozen=True)
class GroupPage:
    """A page of ListGroups or AdminListGroupsForUser; no `next_token` means the end."""

    groups: list[Group]
    next_token: str | None


@dataclass(frozen=True)
class MemberPage:
    """A page of ListUsersInGroup; no `next_token` means the end."""

    users: list[User]
    next_token: str | None


def create_group(
    *,
    pool: UserPool,
    name: str,
    description: str = "",
    precedence: int | None = None,
    role_arn: str = "",
    context: RequestContext = SYSTEM,
) -> Group:
    """Create a group. Cognito: CreateGroup.

    Raises InvalidParameterException (name, description, precedence or role ARN out of shape),
    GroupExistsException (the pool has a group of that name; names are case sensitive),
    LimitExceededException (the pool has 10,000 groups).
    """
    _check_name(name)
    _check_fields(description=description, precedence=precedence, role_arn=role_arn)
    description, role_arn = description or "", role_arn or ""
    try:
        with transaction.atomic():
            if Group.objects.filter(pool=pool, name=name).exists():
                raise GroupExistsException()
            if Group.objects.filter(pool=pool)[:MAX_GROUPS_PER_POOL].count() >= MAX_GROUPS_PER_POOL:
                raise LimitExceededException(f"A user pool can have at most {MAX_GROUPS_PER_POOL} groups.")
            group = Group.objects.create(pool=pool, name=name, description=description, precedence=precedence, role_arn=role_arn)
            events.group_created(pool=pool, context=context, details={"group": name})
    except IntegrityError:  # a concurrent create of the same name won the unique constraint
        raise GroupExistsException() from None
    return group


def get_group(*, pool: UserPool, name: str) -> Group:
    """The pool's group with exactly this name. Raises ResourceNotFoundException. Cognito: GetGroup."""
    group = Group.objects.filter(pool=pool, name=name).first()
    if group is None:
        raise ResourceNotFoundException("Group not found.")
    return group


def update_group(
    *,
    pool: UserPool,
    name: str,
    description: str | None = None,
    precedence: int | None = None,
    role_arn: str | None = None,
    clear_precedence: bool = False,
    context: RequestContext = SYSTEM,
) -> Group:
    """Change the fields given; None leaves a field as it is. Cognito: UpdateGroup.

    `description=""` and `role_arn=""` clear those; `clear_precedence=True` removes the
    precedence (Cognito's API cannot, but the console needs to). Raises ResourceNotFoundException,
    InvalidParameterException (nothing is changed then).
    """
    if clear_precedence and precedence is not None:
        raise InvalidParameterException("Give a precedence or clear it, not both.")
    _check_fields(description=description, precedence=precedence, role_arn=role_arn)
    changes = {"description": description, "precedence": precedence, "role_arn": role_arn}
    changes = {field: value for field, value in changes.items() if value is not None}
    if clear_precedence:
        changes["precedence"] = None
    with transaction.atomic():
        group = get_group(pool=pool, name=name)
        for field, value in changes.items():
            setattr(group, field, value)
        group.save(update_fields=[*changes, "updated_at"])
        events.group_updated(pool=pool, context=context, details={"group": name, "changed": sorted(changes)})
    return group


def delete_group(*, pool: UserPool, name: str, context: RequestContext = SYSTEM) -> None:
    """Delete a group and its memberships; the users stay. Raises ResourceNotFoundException. Cognito: DeleteGroup."""
    with transaction.atomic():
        group = get_group(pool=pool, name=name)
        group.delete()
        events.group_deleted(pool=pool, context=context, details={"group": name})


def list_groups(*, pool: UserPool, limit: int | None = 60, next_token: str | None = None) -> GroupPage:
    """The pool's groups by name, a page at a time. Raises InvalidParameterException (limit, token). Cognito: ListGroups."""
    rows = Group.objects.filter(pinned("pool_id", pool.pk))
    salt = f"identity.list_groups:{pool.pk}"
    groups, token = _page(rows, order=("pool_id", "name"), salt=salt, limit=limit, next_token=next_token)
    return GroupPage(groups=groups, next_token=token)


def admin_add_user_to_group(*, pool: UserPool, username: str, group_name: str, context: RequestContext = SYSTEM) -> None:
    """Add a user to a group; adding a member again changes nothing. Cognito: AdminAddUserToGroup.

    `username` is a username, alias or sub, as directory.get_user reads it. Raises
    ResourceNotFoundException (group), UserNotFoundException, LimitExceededException (the user
    is already in 100 groups).
    """
    with transaction.atomic():
        group, user = _group_and_locked_user(pool, group_name, username)
        if GroupMembership.objects.filter(group=group, user=user).exists():
            return
        if GroupMembership.objects.filter(user=user)[:MAX_GROUPS_PER_USER].count() >= MAX_GROUPS_PER_USER:
            raise LimitExceededException(f"A user can be in at most {MAX_GROUPS_PER_USER} groups.")
        GroupMembership.objects.create(pool=pool, group=group, user=user)
        events.user_added_to_group(user=user, context=context, details={"group": group.name})


def admin_remove_user_from_group(*, pool: UserPool, username: str, group_name: str, context: RequestContext = SYSTEM) -> None:
    """Remove a user from a group; removing a non-member changes nothing. Cognito: AdminRemoveUserFromGroup.

    Raises ResourceNotFoundException (group), UserNotFoundException.
    """
    with transaction.atomic():
        group, user = _group_and_locked_user(pool, group_name, username)
        if GroupMembership.objects.filter(group=group, user=user).delete()[0]:
            events.user_removed_from_group(user=user, context=context, details={"group": group.name})


def admin_list_groups_for_user(
    *, pool: UserPool, username: str, limit: int | None = 60, next_token: str | None = None
) -> GroupPage:
    """The user's groups by name. Raises UserNotFoundException, InvalidParameterException. Cognito: AdminListGroupsForUser."""
    user = directory.get_user(pool, username)
    rows = Group.objects.filter(pool=pool, memberships__user=user)
    salt = f"identity.admin_list_groups_for_user:{pool.pk}:{user.pk}"
    groups, token = _page(rows, order=("name",), salt=salt, limit=limit, next_token=next_token)
    return GroupPage(groups=groups, next_token=token)


def list_users_in_group(
    *, pool: UserPool, group_name: str, limit: int | None = 60, next_token: str | None = None
) -> MemberPage:
    """The group's users in the order they joined the pool. Raises ResourceNotFoundException,
    InvalidParameterException. Cognito: ListUsersInGroup."""
    group = get_group(pool=pool, name=group_name)
    # Walk the (group, user) unique index and fetch each user by primary key, in the same query.
    rows = GroupMembership.objects.filter(pinned("group_id", group.pk), user__pool=pool).select_related("user")
    salt = f"identity.list_users_in_group:{pool.pk}:{group.pk}"
    memberships, token = _page(rows, order=("group_id", "user_id"), salt=salt, limit=limit, next_token=next_token)
    users = [membership.user for membership in memberships]
    for user in users:
        user.pool = pool
    return MemberPage(users=users, next_token=token)


def groups_for_token(user: User) -> list[Group]:
    """The user's groups as tokens list them: by precedence, lowest first, groups without one last; then by name.

    One query, in SQL on the token hot path (identity.services.hotpath).
    """
    from identity.services import hotpath

    return hotpath.user_groups(user)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidParameterException(f"GroupName must be 1 to {MAX_NAME_LENGTH} characters.")
    if any(unicodedata.category(char)[0] not in _NAME_CATEGORIES for char in name):
        raise InvalidParameterException("GroupName may hold letters, marks, symbols, numbers and punctuation only: no spaces.")


def _check_fields(*, description: str | None, precedence: int | None, role_arn: str | None) -> None:
    if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION_LENGTH):
        raise InvalidParameterException(f"Description must be text of at most {MAX_DESCRIPTION_LENGTH} characters.")
    if precedence is not None and (
        isinstance(precedence, bool) or not isinstance(precedence, int) or not 0 <= precedence <= MAX_PRECEDENCE
    ):
        raise InvalidParameterException(f"Precedence must be a whole number from 0 to {MAX_PRECEDENCE}.")
    if role_arn is not None and not isinstance(role_arn, str):
        raise InvalidParameterException("RoleArn must be text.")
    if role_arn and (not 20 <= len(role_arn) <= 2048 or not _ARN.fullmatch(role_arn)):
        raise InvalidParameterException("RoleArn must be an ARN such as arn:aws:iam::123456789012:role/name.")


def _group_and_locked_user(pool: UserPool, group_name: str, username: str) -> tuple[Group, User]:
    group = get_group(pool=pool, name=group_name)
    user = directory.get_user(pool, username)
    # Lock the user so that concurrent adds cannot both pass the 100-group check.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
    return group, user


def _page(rows, *, order: tuple[str, ...], salt: str, limit: int | None, next_token: str | None) -> tuple[list, str | None]:
    # Keyset pagination on the last column of `order`, unique within the listing (a group name,
    # a user id); the columns before it are pinned to one value. No OFFSET.
    key = order[-1]
    size = check_limit(limit)
    after = read_token(next_token, salt=salt, size=1)
    if after is not None:
        rows = rows.filter(**{f"{key}__gt": after[0]})
    found = list(rows.order_by(*order)[: size + 1])
    token = make_token([getattr(found[size - 1], key)], salt=salt) if len(found) > size else None
    return found[:size], token
