"""The few queries every token request makes, written as SQL.

Measured in bench/tokens.py: building these through the ORM cost more than running them
(about 0.6 ms of ~1 ms per query), on requests that must take a few milliseconds in all.
Each is portable SQL (PostgreSQL and SQLite) and returns model instances with the ORM's own
converters applied (RawQuerySet).
"""
from __future__ import annotations

import functools
import uuid

from django.db import DEFAULT_DB_ALIAS, connection, connections

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


def _db():
    """The thread's default connection itself: every attribute read through `django.db.connection`
    is a lookup in a thread-local, and a query built here reads dozens."""
    return connections[DEFAULT_DB_ALIAS]


@functools.cache
def _columns(model, alias: str) -> tuple:
    return tuple((field, f'{alias}."{field.column}"') for field in model._meta.concrete_fields)


def _build(model, fields, values, db=None):
    """A model instance from raw values, through the same converters the ORM's compiler applies."""
    db = db or _db()
    attnames, converters = _row_plan(model, fields, db.vendor)
    converted = list(values)
    for index, convert_all in converters:
        value = converted[index]
        for convert, column in convert_all:
            value = convert(value, column, db)
        converted[index] = value
    return model.from_db(db.alias, attnames, converted)


@functools.cache
def _row_plan(model, fields: tuple, vendor: str) -> tuple:
    # Which converters a column needs depends only on its field and the database: worked out once.
    db = _db()
    converters = []
    for index, (field, _) in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = [(convert, column) for convert in db.ops.get_db_converters(column) + field.get_db_converters(db)]
        if found:
            converters.append((index, found))
    return [field.attname for field, _ in fields], converters


def refresh_token_and_user_for_update(pool: UserPool, digest: str) -> tuple[RefreshToken, User] | None:
    """The refresh token with this digest in the pool and its user, in one statement; the token row locked where the database can."""
    token_columns, user_columns = _columns(RefreshToken, "rt"), _columns(User, "u")
    lock = " FOR UPDATE OF rt" if connection.features.has_select_for_update_of else ""
    select = ", ".join(sql for _, sql in token_columns + user_columns)
    sql = (f"SELECT {select} FROM identity_refreshtoken rt JOIN identity_user u ON u.id = rt.user_id"
           f" WHERE rt.token_digest = %s AND rt.pool_id = %s{lock}")
    return _token_and_user(pool, sql, [digest, pool.id], len(token_columns), token_columns, user_columns)


def _token_and_user(pool: UserPool, sql: str, params: list, split: int, token_columns, user_columns) -> tuple[RefreshToken, User] | None:
    """Run a query whose one row is a refresh token's columns then its user's; build both."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    record, user = _build(RefreshToken, token_columns, row[:split]), _build(User, user_columns, row[split:])
    user.pool = pool
    record.user = user
    return record, user


_GROUPS = ("FROM identity_group g JOIN identity_groupmembership m ON m.group_id = g.id WHERE m.user_id = %s"
           " ORDER BY g.precedence IS NULL, g.precedence, g.name")


def user_groups(user: User) -> list[Group]:
    """The user's groups, lowest precedence first (no precedence last), then by name."""
    db, columns = _db(), _columns(Group, "g")
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(sql for _, sql in columns)} {_GROUPS}", [user.pk])
        rows = cursor.fetchall()
    return [_build(Group, columns, row, db) for row in rows]


def insert_reading_groups(instance, user: User) -> list[Group]:
    """insert(instance), and the user's groups as user_groups() reads them: one statement on PostgreSQL."""
    db = _db()
    if db.vendor != "postgresql" or instance.pk is not None:
        insert(instance)
        return user_groups(user)
    fields, insert_sql = _insert_plan(type(instance), db.vendor, True)
    values = [field.get_db_prep_save(field.pre_save(instance, True), db) for field in fields]
    columns = _columns(Group, "g")
    # The INSERT runs whatever the SELECT finds; the LEFT JOIN returns its id even for a user in no group.
    statement = (f"WITH stored AS ({insert_sql}) SELECT stored.id, {', '.join(sql for _, sql in columns)} FROM stored"
                 f" LEFT JOIN (SELECT g.* {_GROUPS}) g ON true ORDER BY g.precedence IS NULL, g.precedence, g.name")
    with db.cursor() as cursor:
        cursor.execute(statement, [*values, user.pk])
        rows = cursor.fetchall()
    instance.pk = rows[0][0]
    instance._state.adding, instance._state.db = False, db.alias
    return [_build(Group, columns, row[1:], db) for row in rows if row[1] is not None]


def insert(instance) -> None:
    """INSERT one row (defaults and auto_now applied); the primary key the database gave is set on it."""
    db = _db()
    fields, sql = _insert_plan(type(instance), db.vendor, instance.pk is None)
    values = [field.get_db_prep_save(field.pre_save(instance, True), db) for field in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, values)
        if instance.pk is None:
            instance.pk = cursor.fetchone()[0]
    instance._state.adding, instance._state.db = False, db.alias


@functools.cache
def _insert_plan(model, vendor: str, generated_pk: bool) -> tuple:
    db, meta = _db(), model._meta
    fields = [field for field in meta.concrete_fields if not (field.primary_key and generated_pk)]
    quote = db.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
           f" VALUES ({', '.join(['%s'] * len(fields))})")
    if generated_pk:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return fields, sql


def mark_rotated(record: RefreshToken, when) -> None:
    field = RefreshToken._meta.get_field("rotated_at")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE identity_refreshtoken SET rotated_at = %s WHERE id = %s", [field.get_db_prep_save(when, connection), record.pk])


def rotate_in_one_statement(
    pool: UserPool, client_id: str, digest: str, *, new_digest: str, now, expires_at
) -> tuple[RefreshToken, User] | None:
    """PostgreSQL only: mark a live refresh token rotated and insert its successor in one statement.

    The common case of a refresh, in one round trip instead of five. Returns None when the token
    is not live and usable (unknown, other client, rotated, revoked, expired, user disabled or
    signed out): the caller then takes the slow path, which says which and detects reuse.
    """
    token_columns, user_columns = _columns(RefreshToken, "old"), _columns(User, "u")
    copied = ["pool_id", "client_id", "user_id", "family", "origin_jti", "scopes", "auth_time", "amr", "device_key"]
    prep = lambda name, value: RefreshToken._meta.get_field(name).get_db_prep_save(value, connection)  # noqa: E731
    moment, until = prep("created_at", now), prep("expires_at", expires_at)
    sql = (
        "WITH old AS ("
        " UPDATE identity_refreshtoken rt SET rotated_at = %s FROM identity_user u"
        " WHERE rt.token_digest = %s AND rt.pool_id = %s AND rt.client_id = %s"
        " AND rt.rotated_at IS NULL AND rt.revoked_at IS NULL AND rt.expires_at > %s"
        " AND u.id = rt.user_id AND u.enabled AND (u.tokens_valid_after IS NULL OR rt.created_at >= u.tokens_valid_after)"
        " RETURNING rt.*"
        "), fresh AS ("
        f" INSERT INTO identity_refreshtoken ({', '.join(copied)}, token_digest, created_at, expires_at)"
        f" SELECT {', '.join(copied)}, %s, %s, %s FROM old RETURNING id"
        f") SELECT {', '.join(sql for _, sql in token_columns + user_columns)}"
        " FROM old JOIN identity_user u ON u.id = old.user_id"
    )
    params = [moment, digest, pool.id, client_id, moment, new_digest, moment, until]
    return _token_and_user(pool, sql, params, len(token_columns), token_columns, user_columns)
