"""ListUsers: Cognito's filter grammar over indexed columns, with keyset pagination."""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core import signing
from django.db.models import F, Lookup, QuerySet

from identity import normalize
from identity.errors import InvalidParameterException
from identity.models import User, UserPool
from identity.models.users import INDEXED_LENGTH
from identity.services.directory import SEARCH_COLUMNS

MAX_LIMIT = 60
MAX_FILTER_LENGTH = 256
PARSE_ERROR = "Error while parsing filter."
# `name = "value"` or `name ^= "value"`; inside the quotes a backslash escapes the next character.
_FILTER = re.compile(r'\s*([\w:]+)\s*(\^=|=)\s*"((?:[^"\\]|\\.)*)"\s*', re.ASCII | re.DOTALL)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
# username_key holds the whole normalised username; the other copies are cut to INDEXED_LENGTH.
_KEY_COLUMNS = {"username": "username_key", **SEARCH_COLUMNS}
# Attributes with a fixed set of values: label -> stored value, and how labels compare.
_CHOICES: dict[str, tuple[str, dict[str, object], Callable[[str], str]]] = {
    "cognito:user_status": ("status", {s: s for s in User.Status.values}, str.upper),
    "status": ("enabled", {"Enabled": True, "Disabled": False}, str),
}
SEARCHABLE_ATTRIBUTES = (*_KEY_COLUMNS, *_CHOICES, "sub")


@dataclass(frozen=True)
class UserPage:
    """One page of ListUsers. Render each user's `Attributes` with `page.attributes(user)`."""

    users: list[User]
    pagination_token: str | None
    attributes_to_get: list[str] | None = None

    def attributes(self, user: User) -> list[dict]:
        return user_attribute_list(user, self.attributes_to_get)


class Pinned(Lookup):
    """`column = value` that PostgreSQL must answer from an index *led* by `column`.

    With `pool_id = 'x' ORDER BY id LIMIT 61`, PostgreSQL may walk the primary key and
    filter on pool_id, betting the pool's rows are spread evenly; when they are not (a young
    pool, recent UNCONFIRMED users) that reads most of the table. `pool_id = ANY(ARRAY['x'])`
    is estimated the same but is no equivalence-class constant, so `ORDER BY pool_id, id`
    keeps its first key and only the (pool_id, …, id) index yields rows in that order.
    """

    lookup_name = "pinned"

    def as_sql(self, compiler, connection, template: str = "%s = %s"):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return template % (lhs, rhs), [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        # Checked with EXPLAIN on PostgreSQL 15. A planner that folded a one-element ANY back
        # into `=` would only lose this guarantee, not correctness.
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY[%s])")


def pinned(column: str, value) -> Pinned:
    """A filter `column = value`; order by `column` first so the index led by it serves the query."""
    return Pinned(F(column), value)


@dataclass(frozen=True)
class _Query:
    rows: QuerySet
    # The keyset, a prefix of an index after `pool`: ("id",), ("username_key",) or (column, "id").
    order: tuple[str, ...] = ("id",)
    # Set when the value is longer than the indexed copy, which then only narrows the scan.
    check: Callable[[User], bool] | None = None


def list_users(
    *,
    pool: UserPool,
    filter: str = "",
    limit: int | None = MAX_LIMIT,
    pagination_token: str | None = None,
    attributes_to_get: list[str] | None = None,
) -> UserPage:
    """A page of the pool's users matching one filter such as `email ^= "ana"`. Cognito: ListUsers.

    Each query is an index range scan with a LIMIT: no OFFSET, no COUNT. The pagination token is
    signed and bound to this pool and this exact filter. A page may be short (even empty) and still
    carry a token; no token means the end. `limit` 0 or None means 60, as Cognito's default.
    Raises InvalidParameterException for a malformed or unsupported filter, a limit outside 0-60,
    an attribute in `attributes_to_get` that the pool's schema lacks, or a foreign or altered token.
    """
    limit = check_limit(limit)
    check_attribute_names(pool, attributes_to_get)
    text = filter or ""
    query = _parse(pool, text)
    salt = f"identity.list_users:{pool.pk}:{text}"
    after = read_token(pagination_token, salt=salt, size=len(query.order))
    rows = _scan(query, after, limit + 1)
    page = rows[:limit]
    token = make_token([getattr(page[-1], column) for column in query.order], salt=salt) if len(rows) > limit else None
    users = [user for user in page if query.check is None or query.check(user)]
    for user in users:
        user.pool = pool  # saves a query per row for callers that read pool settings
    return UserPage(users=users, pagination_token=token, attributes_to_get=attributes_to_get)


def user_attribute_list(user: User, names: list[str] | None = None) -> list[dict]:
    """Cognito's `Attributes` list: `[{"Name": ..., "Value": ...}]`.

    Without `names`, every attribute with `sub` first. With `names` (ListUsers' AttributesToGet),
    exactly those the user has, in the order asked; `sub` only when named. Where Cognito fails the
    whole call because one user lacks a requested attribute, we leave that attribute out.
    """
    values = {"sub": str(user.sub), **user.attributes}
    wanted = values if names is None else {name: values[name] for name in names if name in values}
    return [{"Name": name, "Value": value} for name, value in wanted.items()]


def check_attribute_names(pool: UserPool, names: list[str] | None) -> None:
    """Raise InvalidParameterException unless every name is an attribute of the pool's schema."""
    if names is None:
        return
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise InvalidParameterException("AttributesToGet must be a list of attribute names.")
    known = {entry["Name"] for entry in pool.schema}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InvalidParameterException(f"Invalid attributes in AttributesToGet: {', '.join(unknown)}.")


def check_limit(limit: int | None) -> int:
    """The page size for a Cognito `Limit` of 0-60 (0 or None: 60); InvalidParameterException otherwise."""
    if limit is None:
        return MAX_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise InvalidParameterException(f"Limit must be a whole number from 0 to {MAX_LIMIT}.")
    return limit or MAX_LIMIT


def make_token(position: list, *, salt: str) -> str:
    """A page token holding the last row's keyset values: signed, not encrypted; callers treat it as opaque."""
    return signing.dumps(position, salt=salt, compress=True)


def read_token(token: str | None, *, salt: str, size: int) -> list | None:
    """The keyset position in a token made with the same salt; InvalidParameterException otherwise."""
    if not token:
        return None
    try:
        position = signing.loads(token, salt=salt)
    except (signing.BadSignature, TypeError, ValueError):
        raise InvalidParameterException("Invalid pagination token.") from None
    if not isinstance(position, list) or len(position) != size:
        raise InvalidParameterException("Invalid pagination token.")
    return position


def _parse(pool: UserPool, text: str) -> _Query:
    users = User.objects.filter(pinned("pool_id", pool.pk))
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidParameterException(f"Filter must be at most {MAX_FILTER_LENGTH} characters.")
    if not text.strip():
        return _Query(users)
    match = _FILTER.fullmatch(text)
    # PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
    if match is None or "\x00" in text:
        raise InvalidParameterException(PARSE_ERROR)
    name, op, value = match[1], match[2], _ESCAPED.sub(r"\1", match[3])
    if name in _KEY_COLUMNS:
        return _on_key_column(users, pool, name, op, value)
    if name in _CHOICES:
        return _on_choice(users, name, op, value)
    if name == "sub":
        return _on_sub(users, op, value)
    raise InvalidParameterException(f"Invalid search attribute: {name}. Searchable: {', '.join(SEARCHABLE_ATTRIBUTES)}.")


def _full_key(pool: UserPool, name: str, value: str) -> str:
    # The same normalisation as directory.refresh_index_columns, before the cut to INDEXED_LENGTH.
    if name in ("username", "preferred_username"):
        return normalize.username_key(value, case_sensitive=pool.case_sensitive)
    if name == "email":
        return normalize.email_key(value)
    return value


def _on_key_column(users: QuerySet, pool: UserPool, name: str, op: str, value: str) -> _Query:
    column, key = _KEY_COLUMNS[name], _full_key(pool, name, value)
    cut = name != "username"
    indexed = key[:INDEXED_LENGTH] if cut else key

    def full_value(user: User) -> str:
        return _full_key(pool, name, user.attributes.get(name, ""))

    if op == "=":
        if not key:  # a user without the attribute has no value to equal ""
            return _Query(users.none())
        # A copy of INDEXED_LENGTH characters may be cut from a longer value: compare the whole one too.
        check = (lambda user: full_value(user) == key) if cut and len(key) >= INDEXED_LENGTH else None
        return _Query(users.filter(**{column: indexed}), ("id",), check)
    rows = users.filter(**{f"{column}__gte": indexed} if indexed else {f"{column}__gt": ""})
    end = _prefix_end(indexed)
    if end is not None:
        rows = rows.filter(**{f"{column}__lt": end})
    check = (lambda user: full_value(user).startswith(key)) if cut and len(key) > INDEXED_LENGTH else None
    # Usernames are unique in a pool, so the column alone orders them.
    return _Query(rows, (column,) if name == "username" else (column, "id"), check)


def _prefix_end(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix`, in code point order.

    Byte-order collation (identity.models.fields) makes that the order of the index, so
    `prefix <= col < end` is an exact prefix match served by a range scan.
    """
    chars = list(prefix)
    while chars:
        following = ord(chars.pop()) + 1
        following = 0xE000 if following == 0xD800 else following  # surrogates cannot be stored
        if following <= 0x10FFFF:
            return "".join(chars) + chr(following)
    return None


def _on_choice(users: QuerySet, name: str, op: str, value: str) -> _Query:
    field, choices, fold = _CHOICES[name]
    wanted = fold(value)
    matched = [v for label, v in choices.items() if (fold(label).startswith(wanted) if op == "^=" else fold(label) == wanted)]
    if len(matched) == len(choices):
        return _Query(users)
    if len(matched) == 1:  # the usual case: one value, one range of the (pool, field, id) index
        return _Query(users.filter(**{field: matched[0]}))
    return _Query(users.filter(**{f"{field}__in": matched}))


def _on_sub(users: QuerySet, op: str, value: str) -> _Query:
    # Only equality: sub's index is not per pool, so a prefix range would scan every pool's users.
    if op != "=":
        raise InvalidParameterException('sub can only be searched with "=": sub = "<the whole sub>".')
    try:
        sub = uuid.UUID(value)
    except ValueError:
        return _Query(users.none())
    return _Query(users.filter(sub=sub))


def _scan(query: _Query, after: list | None, count: int) -> list[User]:
    rows, order = query.rows, query.order
    if after is None:
        return list(rows.order_by("pool_id", *order)[:count])
    if len(order) == 1:
        return list(rows.filter(**{f"{order[0]}__gt": after[0]}).order_by("pool_id", *order)[:count])
    # `(column, id) > (value, id)` as two range scans, since the ORM has no row comparison:
    # the rest of the rows that tie on the last value, then the values after it.
    column, (value, last_id) = order[0], after
    found = list(rows.filter(**{column: value, "id__gt": last_id}).order_by("pool_id", "id")[:count])
    if len(found) < count:
        found += rows.filter(**{f"{column}__gt": value}).order_by("pool_id", *order)[: count - len(found)]
    return found


__all__ = [
    "SEARCHABLE_ATTRIBUTES",
    "UserPage",
    "check_attribute_names",
    "check_limit",
    "list_users",
    "make_token",
    "pinned",
    "read_token",
    "user_attribute_list",
]
