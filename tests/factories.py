"""Keyword-only factories for test data, unique through generated ids."""
from __future__ import annotations

import itertools

from identity.models import Group, User, UserPool, UserPoolClient
from identity.services import directory, passwords, pools

_sequence = itertools.count(1)
DEFAULT_PASSWORD = "Correct-Horse-9"


def create_pool(**overrides) -> UserPool:
    overrides.setdefault("name", f"pool-{next(_sequence)}")
    return pools.create_user_pool(**overrides)


def create_client(*, pool: UserPool, secret: bool = False, **overrides) -> UserPoolClient:
    overrides.setdefault("name", f"client-{next(_sequence)}")
    overrides.setdefault(
        "explicit_auth_flows", ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    created = pools.create_user_pool_client(pool=pool, generate_secret=secret, **overrides)
    created.client.plain_secret = created.secret
    return created.client


def create_user(
    *,
    pool: UserPool,
    username: str | None = None,
    password: str | None = DEFAULT_PASSWORD,
    status: str = User.Status.CONFIRMED,
    enabled: bool = True,
    attributes: dict | None = None,
    groups: list[str] = (),
) -> User:
    """A user written straight to the database (no messages, no policy), for arranging tests."""
    username = username or f"user{next(_sequence)}"
    user = User(pool=pool, username=username, status=status, enabled=enabled, attributes=dict(attributes or {}))
    if password:
        passwords.store_password(user, password, temporary=False)  # argon2id hash and SRP verifier
    directory.save_user(user)
    for name in groups:
        group, _ = Group.objects.get_or_create(pool=pool, name=name)
        user.memberships.create(pool=pool, group=group)
    return user
