"""ListUsers: Cognito's filter grammar over indexed columns, with keyset pagination."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q, QuerySet

from identity import normalize
from identity.errors import InvalidParameterException
from identity.models import User, UserPool

MAX_LIMIT = 60
MAX_FILTER_LENGTH = 256
# `name = "value"` or `name ^= "value"`; a quote inside the value is escaped with a backslash.
_FILTER_RE = re.compile(r'^\s*(?P<name>[\w:]+)\s*(?P<op>\^=|=)\s*"(?P<value>(?:[^"\\]|\\.)*)"\s*$')
_KEY_COLUMNS = {
    "username": "username_key",
    "email": "email_key",
    "phone_number": "phone_number_key",
    "name": "name_key",
    "given_name": "given_name_key",
    "family_name": "family_name_key",
    "preferred_username": "preferred_username_key",
}
_LAST_CHARACTER = "\U0010ffff"


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    pagination_token: str | None


@dataclass(frozen=True)
class _Filter:
    queryset: QuerySet
    order_column: str | None  # keyset on (column, id) when the filter is on a key column


def list_users(
    *,
    pool: UserPool,
    filter: str = "",
    limit: int | None = MAX_LIMIT,
    pagination_token: str | None = None,
    attributes_to_get: list[str] | None = None,
) -> UserPage:
    """A page of the pool's users matching one Cognito filter (`email ^= "ana"`). Cognito: ListUsers.

    Every query is an index range scan with a LIMIT (no OFFSET, no COUNT). Raises
    InvalidParameterException for a malformed or unsupported filter, a limit outside 0-60, an
    unknown attribute in `attributes_to_get`, or a pagination token from another query.
    """
    limit = _check_limit(limit)
    check_attribute_names(pool, attributes_to_get)
    parsed = _parse(pool, filter or "")
    salt = f"list-users:{pool.id}:{filter or ''}"
    queryset = _after(parsed, pagination_token, salt)
    order = [parsed.order_column, "id"] if parsed.order_column else ["id"]
    rows = list(queryset.order_by(*order)[: limit + 1])
    users = rows[:limit]
    for user in users:
        user.pool = pool
    token = None
    if len(rows) > limit:
        last = users[-1]
        key = getattr(last, parsed.order_column) if parsed.order_column else None
        token = signing.dumps({"k": key, "i": last.pk}, salt=salt, compress=True)
    return UserPage(users=users, pagination_token=token)


def _check_limit(limit: int | None) -> int:
    if limit is None:
        return MAX_LIMIT
    if not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise InvalidParameterException(f"Limit must be between 0 and {MAX_LIMIT}.")
    return limit or MAX_LIMIT


def check_attribute_names(pool: UserPool, names: list[str] | None) -> None:
    if names is None:
        return
    known = {entry["Name"] for entry in pool.schema}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InvalidParameterException(f"Invalid AttributesToGet: {', '.join(unknown)} not in the pool's schema.")


def _parse(pool: UserPool, text: str) -> _Filter:
    users = User.objects.filter(pool=pool)
    if not text.strip():
        return _Filter(users, None)
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidParameterException(f"Filter must be at most {MAX_FILTER_LENGTH} characters.")
    match = _FILTER_RE.match(text)
    if match is None:
        raise InvalidParameterException('Error while parsing filter: use attribute = "value" or attribute ^= "value".')
    name, op = match["name"], match["op"]
    value = re.sub(r"\\(.)", r"\1", match["value"])
    if name in _KEY_COLUMNS:
        return _Filter(_on_key_column(users, pool, name, op, value), _KEY_COLUMNS[name])
    if name == "cognito:user_status":
        return _Filter(_on_status(users, op, value), None)
    if name == "status":
        return _Filter(_on_enabled(users, op, value), None)
    if name == "sub":
        return _Filter(_on_sub(users, op, value), None)
    raise InvalidParameterException(f"Invalid search attribute: {name}")


def _key_for(pool: UserPool, name: str, value: str) -> str:
    if name in ("username", "preferred_username"):
        return normalize.username_key(value, case_sensitive=pool.case_sensitive)
    if name == "email":
        return normalize.email_key(value)
    return value


def _on_key_column(users: QuerySet, pool: UserPool, name: str, op: str, value: str) -> QuerySet:
    column, key = _KEY_COLUMNS[name], _key_for(pool, name, value)
    if op == "^=":
        # A range on a byte-order collated column: an index range scan on every database.
        return users.filter(**{f"{column}__gte": key, f"{column}__lt": key + _LAST_CHARACTER})
    # A filter is at most 256 characters, so its value always fits the indexed copy.
    return users.filter(**{column: key})


def _on_status(users: QuerySet, op: str, value: str) -> QuerySet:
    wanted = value.upper()
    statuses = [s for s in User.Status.values if (s.startswith(wanted) if op == "^=" else s == wanted)]
    return users.filter(status__in=statuses)


def _on_enabled(users: QuerySet, op: str, value: str) -> QuerySet:
    if op != "=" or value not in ("Enabled", "Disabled"):
        raise InvalidParameterException('The status filter takes = "Enabled" or = "Disabled".')
    return users.filter(enabled=value == "Enabled")


def _on_sub(users: QuerySet, op: str, value: str) -> QuerySet:
    if op != "=":
        raise InvalidParameterException("The sub filter supports = only.")
    try:
        return users.filter(sub=uuid.UUID(value))
    except ValueError:
        return users.none()


def _after(parsed: _Filter, token: str | None, salt: str) -> QuerySet:
    if not token:
        return parsed.queryset
    try:
        position = signing.loads(token, salt=salt)
        last_key, last_id = position["k"], int(position["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidParameterException("Invalid pagination token.") from None
    if parsed.order_column is None:
        return parsed.queryset.filter(id__gt=last_id)
    column = parsed.order_column
    # The redundant >= bound keeps the scan a range on (pool, column, id).
    return parsed.queryset.filter(**{f"{column}__gte": last_key}).filter(
        Q(**{f"{column}__gt": last_key}) | Q(id__gt=last_id)
    )


def user_attribute_list(user: User, names: list[str] | None = None) -> list[dict]:
    """Cognito's `Attributes`: sub first, then the user's attributes; only `names` when given."""
    values = {"sub": str(user.sub), **user.attributes}
    wanted = values if names is None else {name: values[name] for name in names if name in values}
    return [{"Name": name, "Value": value} for name, value in wanted.items()]


__all__ = ["UserPage", "check_attribute_names", "list_users", "user_attribute_list"]
