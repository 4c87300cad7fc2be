"""Rules for writing user attributes: schema, mutability, client permissions, sign-in identifiers."""
from __future__ import annotations

import uuid

from identity import normalize, schema
from identity.errors import AliasExistsException, InvalidParameterException, NotAuthorizedException
from identity.models import User, UserPool, UserPoolClient
from identity.services import directory

VERIFIED_FLAGS = {"email_verified", "phone_number_verified"}


def check_writes(
    pool: UserPool, values: dict, *, creating: bool, client: UserPoolClient | None = None, admin: bool = False
) -> None:
    """Raise unless every (name, value) may be written by this caller.

    InvalidParameterException: unknown attribute, sub, immutable after creation, bad value.
    NotAuthorizedException: outside the client's write attributes, or a verification flag
    written by anyone but an operator.
    """
    if not isinstance(values, dict):
        raise InvalidParameterException("Attributes must be name/value pairs.")
    rules = schema.rules_for(pool.schema)
    for name, value in values.items():
        rule = rules.get(name)
        if rule is None or name == "sub":
            raise InvalidParameterException(f"Attributes did not conform to the schema: {name}: Attribute does not exist in the schema.")
        if not creating and not rule.mutable:
            raise InvalidParameterException(f"Attribute cannot be updated: {name} is immutable.")
        if not admin and name in VERIFIED_FLAGS:
            raise NotAuthorizedException(f"A client attempted to write unauthorized attribute {name}.")
        if not admin and client is not None and client.write_attributes and name not in client.write_attributes:
            raise NotAuthorizedException(f"A client attempted to write unauthorized attribute {name}.")
        schema.check_value(rule, value)


def check_required(pool: UserPool, values: dict) -> None:
    for name, rule in schema.rules_for(pool.schema).items():
        if rule.required and name != "sub" and not values.get(name):
            raise InvalidParameterException(f"Attributes did not conform to the schema: {name}: The attribute is required")


def check_deletable(pool: UserPool, names: list[str], *, client: UserPoolClient | None = None, admin: bool = False) -> None:
    rules = schema.rules_for(pool.schema)
    for name in names:
        rule = rules.get(name)
        if rule is None or name == "sub":
            raise InvalidParameterException(f"Attribute {name} does not exist in the schema.")
        if rule.required:
            raise InvalidParameterException(f"Attribute {name} is required and cannot be deleted.")
        if not rule.mutable:
            raise InvalidParameterException(f"Attribute {name} is immutable and cannot be deleted.")
        if name in pool.username_attributes:
            raise InvalidParameterException(f"Attribute {name} is the user's sign-in identifier and cannot be deleted.")
        if not admin and name in VERIFIED_FLAGS:  # deleting a flag writes it: operators only, as check_writes
            raise NotAuthorizedException(f"A client attempted to write unauthorized attribute {name}.")
        if not admin and client is not None and client.write_attributes and name not in client.write_attributes:
            raise NotAuthorizedException(f"A client attempted to write unauthorized attribute {name}.")


def new_user(pool: UserPool, username: str, attributes: dict) -> User:
    """An unsaved user for `username`, resolving email/phone usernames as Cognito does.

    In a pool whose UsernameAttributes are email/phone, the given "username" is an email or phone
    number that becomes that attribute, and the real username is the user's sub (a UUID). In a pool
    with an email or phone alias, a username may not look like one.
    """
    normalize.check_username(username)
    attributes = dict(attributes)
    if not pool.username_attributes:
        if "email" in pool.alias_attributes and schema.EMAIL_RE.match(username):
            raise InvalidParameterException("Username cannot be of email format, since user pool is configured for email alias.")
        if "phone_number" in pool.alias_attributes and schema.PHONE_RE.match(username):
            raise InvalidParameterException("Username cannot be of phone format, since user pool is configured for phone_number alias.")
        return User(pool=pool, username=username, attributes=attributes)
    attribute = _username_attribute(pool, username)
    if attributes.get(attribute, username) != username:
        raise InvalidParameterException(f"The {attribute} attribute must equal the username.")
    attributes[attribute] = username
    sub = uuid.uuid4()
    return User(pool=pool, sub=sub, username=str(sub), attributes=attributes)


def _username_attribute(pool: UserPool, username: str) -> str:
    if "email" in pool.username_attributes and schema.EMAIL_RE.match(username):
        return "email"
    if "phone_number" in pool.username_attributes and schema.PHONE_RE.match(username):
        return "phone_number"
    wanted = " or ".join("an email" if a == "email" else "a phone number" for a in pool.username_attributes)
    raise InvalidParameterException(f"Username should be {wanted}.")


def alias_conflicts(user: User) -> list[tuple[str, User]]:
    """Other users who already sign in with a value this user's attributes would claim."""
    conflicts = []
    for attribute in directory.LOGIN_ATTRIBUTES:
        value = user.attributes.get(attribute)
        if value and directory.is_login_attribute(user.pool, attribute, user.attributes):
            other = directory.claimant_of(user.pool, attribute, value, excluding=user)
            if other is not None:
                conflicts.append((attribute, other))
    return conflicts


def raise_on_conflict(user: User, *, force: bool = False) -> list[tuple[str, User]]:
    """AliasExistsException when a login value is taken, unless `force` (ForceAliasCreation) moves it."""
    conflicts = alias_conflicts(user)
    # A username attribute (email/phone used instead of a username) can never be moved.
    movable = all(attribute not in user.pool.username_attributes for attribute, _ in conflicts)
    if conflicts and not (force and movable):
        if user.pool.username_attributes:
            raise AliasExistsException(f"An account with the given {conflicts[0][0]} already exists.")
        raise AliasExistsException()
    return conflicts


def release_alias(other: User, attribute: str) -> None:
    """Take a verified alias away from `other` (ForceAliasCreation): it stays as an unverified attribute."""
    other.attributes = {**other.attributes, f"{attribute}_verified": "false"}
    directory.save_user(other, update_fields=["attributes"])
