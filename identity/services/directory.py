"""Selectors and low-level writes of the directory: find pools, clients and users; keep index columns true."""
from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from identity import localcache, normalize
from identity.errors import (
    AliasExistsException,
    ResourceNotFoundException,
    UserNotFoundException,
    UsernameExistsException,
)
from identity.models import User, UserPool, UserPoolClient
from identity.models.users import INDEXED_LENGTH
from identity.services import hotpath_signin

# Attributes that ListUsers can filter on, and the column holding each one's indexed copy.
SEARCH_COLUMNS = {
    "email": "email_key",
    "phone_number": "phone_number_key",
    "name": "name_key",
    "given_name": "given_name_key",
    "family_name": "family_name_key",
    "preferred_username": "preferred_username_key",
}
LOGIN_ATTRIBUTES = ("email", "phone_number", "preferred_username")


def get_pool(pool_id: str) -> UserPool:
    """The pool with this id, or ResourceNotFoundException."""
    pool = UserPool.objects.filter(pk=pool_id).first()
    if pool is None:
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.")
    return pool


def get_pool_cached(pool_id: str) -> UserPool:
    """get_pool for the request path: each process reuses the row for a few seconds (identity.localcache)."""
    return localcache.get_or_load(("pool", pool_id), lambda: get_pool(pool_id))


def find_client_cached(pool: UserPool, client_id: str) -> UserPoolClient | None:
    """The pool's client for the request path (identity.localcache), its `pool` set to `pool`."""

    def load():
        client = UserPoolClient.objects.filter(pool=pool, client_id=client_id).first()
        if client is not None:
            client.pool = pool
        return client

    return localcache.get_or_load(("client", pool.id, client_id), load)


def get_client(pool: UserPool, client_id: str) -> UserPoolClient:
    """The pool's app client with this id, or ResourceNotFoundException (another pool's client is unknown here)."""
    client = UserPoolClient.objects.filter(pool=pool, client_id=client_id).first()
    if client is None:
        raise ResourceNotFoundException("User pool client %s does not exist." % client_id)
    return client


def search_key(attribute: str, value: str) -> str:
    """The indexed form of an attribute value: emails compare case-insensitively, the rest exactly."""
    value = normalize.email_key(value) if attribute == "email" else value
    return value[:INDEXED_LENGTH]


def find_user(pool: UserPool, identifier: str) -> User | None:
    """The user a sign-in identifier names: username, a login alias (email, phone, preferred_username) or sub.

    One query over the unique indexes, in SQL (every sign-in starts here); when several users match,
    a username wins over an alias, an alias over a sub.
    """
    if not identifier:
        return None
    username = normalize.username_key(identifier, case_sensitive=pool.case_sensitive)
    logins = {f"{attribute}_login": login_key(pool, attribute, identifier) for attribute in LOGIN_ATTRIBUTES}
    try:
        sub = uuid.UUID(identifier)
    except ValueError:
        sub = None
    candidates = hotpath_signin.users_named(pool, username_key=username, logins=logins, sub=sub)
    if not candidates:
        return None

    def rank(user: User) -> int:
        if user.username_key == username:
            return 0
        if any(getattr(user, column) == value for column, value in logins.items()):
            return 1
        return 2

    found = min(candidates, key=rank)
    found.pool = pool
    return found


def get_user(pool: UserPool, identifier: str) -> User:
    """Like find_user, but raises UserNotFoundException."""
    user = find_user(pool, identifier)
    if user is None:
        raise UserNotFoundException("User does not exist.")
    return user


def login_key(pool: UserPool, attribute: str, value: str) -> str:
    if attribute == "preferred_username":
        return normalize.username_key(value, case_sensitive=pool.case_sensitive)[:INDEXED_LENGTH]
    return search_key(attribute, value)


def is_login_attribute(pool: UserPool, attribute: str, attributes: dict) -> bool:
    """Whether this attribute's value signs the user in (so must be unique in the pool).

    Username attributes always do; aliases only once verified (preferred_username needs no
    verification), as Cognito.
    """
    if attribute in pool.username_attributes:
        return True
    if attribute not in pool.alias_attributes:
        return False
    return attribute == "preferred_username" or attributes.get(f"{attribute}_verified") == "true"


def refresh_index_columns(user: User) -> None:
    """Recompute every indexed copy of the user's identifiers from `username` and `attributes`."""
    pool, attributes = user.pool, user.attributes
    user.username_key = normalize.username_key(user.username, case_sensitive=pool.case_sensitive)
    for attribute, column in SEARCH_COLUMNS.items():
        if attribute == "preferred_username":
            value = login_key(pool, attribute, attributes.get(attribute, ""))
        else:
            value = search_key(attribute, attributes.get(attribute, ""))
        setattr(user, column, value)
    for attribute in LOGIN_ATTRIBUTES:
        value = attributes.get(attribute, "")
        login = login_key(pool, attribute, value) if value and is_login_attribute(pool, attribute, attributes) else None
        setattr(user, f"{attribute}_login", login)


def claimant_of(pool: UserPool, attribute: str, value: str, *, excluding: User | None = None) -> User | None:
    """Another user who already signs in with this value, if any."""
    matches = User.objects.filter(pool=pool, **{f"{attribute}_login": login_key(pool, attribute, value)})
    if excluding is not None and excluding.pk:
        matches = matches.exclude(pk=excluding.pk)
    return matches.first()


def save_user(user: User, *, update_fields: list[str] | None = None) -> None:
    """Save after refreshing index columns; a lost race for a unique login becomes Cognito's error."""
    refresh_index_columns(user)
    if update_fields is not None:
        update_fields = sorted(set(update_fields) | _INDEX_FIELDS | {"updated_at"})
    try:
        with transaction.atomic():  # a savepoint, so a caller's transaction survives the error
            user.save(update_fields=update_fields)
    except IntegrityError as exc:
        text = str(exc).lower()
        if "username" in text and "login" not in text:
            raise UsernameExistsException("User already exists") from exc
        raise AliasExistsException() from exc


_INDEX_FIELDS = {"username_key", *SEARCH_COLUMNS.values(), *(f"{a}_login" for a in LOGIN_ATTRIBUTES)}
