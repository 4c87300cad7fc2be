"""The few queries every token request makes, written as SQL.

Measured in bench/tokens.py: building these through the ORM cost more than running them
(about 0.6 ms of ~1 ms per query), on requests that must take a few milliseconds in all.
Each is portable SQL (PostgreSQL and SQLite) and returns model instances with the ORM's own
converters applied (RawQuerySet).
"""
from __future__ import annotations

import uuid

from django.db import connection

from identity.models import Group, RefreshToken, User, UserPool


def _uuid(model, field: str, value: uuid.UUID):
    return model._meta.get_field(field).get_db_prep_value(value, connection)


def token_user(pool: UserPool, *, sub: uuid.UUID, origin_jti: uuid.UUID) -> User | None:
    """The pool's user with this sub, annotated `origin_revoked` (their sign-in was revoked)."""
    rows = User.objects.raw(
        "SELECT u.*, EXISTS (SELECT 1 FROM identity_revokedorigin r WHERE r.origin_jti = %s) AS origin_revoked"
        " FROM identity_user u WHERE u.pool_id = %s AND u.sub = %s",
        [_uuid(User, "sub", origin_jti), pool.id, _uuid(User, "sub", sub)],
    )
    found = next(iter(rows), None)
    if found is not None:
        found.pool = pool
    return found


def refresh_token_for_update(pool: UserPool, digest: str) -> RefreshToken | None:
    """The refresh token with this digest in the pool, row-locked where the database can."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    rows = RefreshToken.objects.raw(
        f"SELECT * FROM identity_refreshtoken WHERE token_digest = %s AND pool_id = %s{lock}", [digest, pool.id]
    )
    return next(iter(rows), None)


def user_by_id(pool: UserPool, user_id: int) -> User:
    user = next(iter(User.objects.raw("SELECT * FROM identity_user WHERE id = %s", [user_id])))
    user.pool = pool
    return user


def user_groups(user: User) -> list[Group]:
    """The user's groups, lowest precedence first (no precedence last), then by name."""
    return list(
        Group.objects.raw(
            "SELECT g.* FROM identity_group g JOIN identity_groupmembership m ON m.group_id = g.id"
            " WHERE m.user_id = %s ORDER BY g.precedence IS NULL, g.precedence, g.name",
            [user.pk],
        )
    )


def insert(instance) -> None:
    """INSERT one row (defaults and auto_now applied, primary key left to the database)."""
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({placeholders})", values)


def mark_rotated(record: RefreshToken, when) -> None:
    field = RefreshToken._meta.get_field("rotated_at")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE identity_refreshtoken SET rotated_at = %s WHERE id = %s", [field.get_db_prep_save(when, connection), record.pk])
