"""The sign-in path's queries written as SQL, as hotpath.py writes the token path's.

Measured in bench/signin.py: building a query through the ORM cost ~0.7 ms of CPU and running it
~0.1 ms, on a sign-in that must take a few milliseconds in all. Portable SQL (PostgreSQL and
SQLite); rows come back as model instances through the ORM's own converters (hotpath._build).
The rules stay in signin.py and directory.py: these only read and write rows.
"""
from __future__ import annotations

import datetime
import uuid

from identity.models import AuthChallenge, User, UserPool, UserPoolClient
from identity.services.hotpath import _build, _columns, _db


def _prep(model, name: str, value, db):
    return model._meta.get_field(name).get_db_prep_value(value, db)


def users_named(pool: UserPool, *, username_key: str, logins: dict[str, str], sub: uuid.UUID | None) -> list[User]:
    """Up to 5 of the pool's users whose username_key, one of the `logins` columns (column: value) or sub matches."""
    db, columns = _db(), _columns(User, "u")
    matches = ["u.username_key = %s", *(f'u."{column}" = %s' for column in logins)]
    params = [pool.pk, username_key, *logins.values()]
    if sub is not None:
        matches.append("u.sub = %s")
        params.append(_prep(User, "sub", sub, db))
    sql = (f"SELECT {', '.join(sql for _, sql in columns)} FROM identity_user u"
           f" WHERE u.pool_id = %s AND ({' OR '.join(matches)}) LIMIT 5")
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_build(User, columns, row, db) for row in rows]


def claim_challenge(
    *, pool: UserPool, client: UserPoolClient, digest: str, challenge_name: str, now: datetime.datetime
) -> AuthChallenge | None:
    """Mark the live step with this session digest consumed, in one statement; the row with its user.

    Live: this pool's and client's, of this name, not consumed, not expired at `now`. None when no
    row is: a second answer to the same step, parallel or replayed, finds nothing. The returned
    row reads as before the claim (consumed_at None), so the caller can give the step back with
    row.save() when the answer does not use it up.
    """
    db, step_columns, user_columns = _db(), _columns(AuthChallenge, "c"), _columns(User, "u")
    moment = _prep(AuthChallenge, "consumed_at", now, db)
    update = (
        "UPDATE identity_authchallenge SET consumed_at = %s"
        " WHERE session_digest = %s AND pool_id = %s AND client_id = %s AND challenge_name = %s"
        " AND consumed_at IS NULL AND expires_at > %s"
    )
    params = [moment, digest, pool.pk, client.pk, challenge_name, moment]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            # The claim and the user in one round trip (a data-modifying CTE).
            cursor.execute(
                f"WITH c AS ({update} RETURNING *) SELECT {', '.join(sql for _, sql in step_columns + user_columns)}"
                " FROM c LEFT JOIN identity_user u ON u.id = c.user_id",
                params,
            )
            found = cursor.fetchone()
            step_values, user_values = (found[:len(step_columns)], found[len(step_columns):]) if found else (None, None)
        else:
            cursor.execute(f"{update} RETURNING {', '.join(sql.removeprefix('c.') for _, sql in step_columns)}", params)
            step_values, user_values = cursor.fetchone(), None
            if step_values is not None:
                user_id = step_values[[field.attname for field, _ in step_columns].index("user_id")]
                if user_id is not None:
                    cursor.execute(f"SELECT {', '.join(sql for _, sql in user_columns)} FROM identity_user u WHERE u.id = %s", [user_id])
                    user_values = cursor.fetchone()
    if step_values is None:
        return None
    row = _build(AuthChallenge, step_columns, step_values, db)
    row.consumed_at = None
    row.pool = pool
    user = _build(User, user_columns, user_values, db) if user_values is not None and user_values[0] is not None else None
    if user is not None:
        user.pool = pool
    row.user = user
    return row
