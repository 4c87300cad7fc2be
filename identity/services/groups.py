"""Groups and memberships (CreateGroup, AdminAddUserToGroup, ListUsersInGroup, …)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.core import signing
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

MAX_GROUPS_PER_USER = 100
MAX_PAGE = 60
_NAME_RE = re.compile(r"^[^\s\x00-\x1f]{1,128}$")
_UNSET = object()


@dataclass(frozen=True)
class Page:
    items: list
    next_token: str | None


def _check_fields(name: str, precedence) -> None:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InvalidParameterException("GroupName must be 1 to 128 printable characters without spaces.")
    if precedence is not None and (not isinstance(precedence, int) or precedence < 0):
        raise InvalidParameterException("Precedence must be a whole number, 0 or more.")


def create_group(
    *, pool: UserPool, name: str, description: str = "", precedence: int | None = None, role_arn: str = "",
    context: RequestContext = SYSTEM,
) -> Group:
    """Create a group. Raises GroupExistsException, InvalidParameterException. Cognito: CreateGroup."""
    _check_fields(name, precedence)
    try:
        with transaction.atomic():
            group = Group.objects.create(pool=pool, name=name, description=description or "", precedence=precedence, role_arn=role_arn or "")
            events.group_created(pool=pool, context=context, details={"group": name})
    except IntegrityError:
        raise GroupExistsException("A group with the name already exists.") from None
    return group


def get_group(*, pool: UserPool, name: str) -> Group:
    """The pool's group by exact name. Raises ResourceNotFoundException. Cognito: GetGroup."""
    group = Group.objects.filter(pool=pool, name=name).first()
    if group is None:
        raise ResourceNotFoundException("Group not found.")
    return group


@transaction.atomic
def update_group(
    *, pool: UserPool, name: str, description=_UNSET, precedence=_UNSET, role_arn=_UNSET, context: RequestContext = SYSTEM
) -> Group:
    """Change the given fields only (precedence=None clears it). Cognito: UpdateGroup."""
    group = get_group(pool=pool, name=name)
    if precedence is not _UNSET:
        _check_fields(name, precedence)
        group.precedence = precedence
    if description is not _UNSET:
        group.description = description or ""
    if role_arn is not _UNSET:
        group.role_arn = role_arn or ""
    group.save()
    events.group_updated(pool=pool, context=context, details={"group": name})
    return group


@transaction.atomic
def delete_group(*, pool: UserPool, name: str, context: RequestContext = SYSTEM) -> None:
    """Delete a group and its memberships (the users stay). Cognito: DeleteGroup."""
    group = get_group(pool=pool, name=name)
    group.delete()
    events.group_deleted(pool=pool, context=context, details={"group": name})


def _page(queryset, *, salt: str, limit: int, next_token: str | None, key: str) -> Page:
    if not 0 <= limit <= MAX_PAGE:
        raise InvalidParameterException(f"Limit must be between 0 and {MAX_PAGE}.")
    limit = limit or MAX_PAGE
    if next_token:
        try:
            after = signing.loads(next_token, salt=salt)
        except signing.BadSignature:
            raise InvalidParameterException("Invalid pagination token.") from None
        queryset = queryset.filter(**{f"{key}__gt": after})
    rows = list(queryset.order_by(key)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    token = signing.dumps(_key_value(rows[-1], key), salt=salt) if more else None
    return Page(items=rows, next_token=token)


def _key_value(row, key: str):
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    return value


def list_groups(*, pool: UserPool, limit: int = MAX_PAGE, next_token: str | None = None) -> Page:
    """The pool's groups by name. Cognito: ListGroups."""
    return _page(Group.objects.filter(pool=pool), salt=f"groups:{pool.id}", limit=limit, next_token=next_token, key="name")


@transaction.atomic
def admin_add_user_to_group(*, pool: UserPool, username: str, group_name: str, context: RequestContext = SYSTEM) -> None:
    """Add a user to a group; adding twice is not an error. Raises UserNotFoundException,
    ResourceNotFoundException, LimitExceededException (100 groups). Cognito: AdminAddUserToGroup."""
    user = directory.get_user(pool, username)
    group = get_group(pool=pool, name=group_name)
    if GroupMembership.objects.filter(group=group, user=user).exists():
        return
    if GroupMembership.objects.filter(user=user).count() >= MAX_GROUPS_PER_USER:
        raise LimitExceededException(f"A user can be in at most {MAX_GROUPS_PER_USER} groups.")
    GroupMembership.objects.create(pool=pool, group=group, user=user)
    events.user_added_to_group(user=user, context=context, details={"group": group_name})


@transaction.atomic
def admin_remove_user_from_group(*, pool: UserPool, username: str, group_name: str, context: RequestContext = SYSTEM) -> None:
    """Remove a user from a group. Cognito: AdminRemoveUserFromGroup."""
    user = directory.get_user(pool, username)
    group = get_group(pool=pool, name=group_name)
    if GroupMembership.objects.filter(group=group, user=user).delete()[0]:
        events.user_removed_from_group(user=user, context=context, details={"group": group_name})


def admin_list_groups_for_user(*, pool: UserPool, username: str, limit: int = MAX_PAGE, next_token: str | None = None) -> Page:
    """The user's groups by name. Cognito: AdminListGroupsForUser."""
    user = directory.get_user(pool, username)
    return _page(
        Group.objects.filter(memberships__user=user), salt=f"user-groups:{user.pk}", limit=limit, next_token=next_token, key="name"
    )


def list_users_in_group(*, pool: UserPool, group_name: str, limit: int = MAX_PAGE, next_token: str | None = None) -> Page:
    """The group's users by id. Cognito: ListUsersInGroup."""
    group = get_group(pool=pool, name=group_name)
    users = User.objects.filter(memberships__group=group).select_related("pool")
    return _page(users, salt=f"group-users:{group.pk}", limit=limit, next_token=next_token, key="id")
