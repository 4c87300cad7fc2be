"""Lazy migration from a legacy user store: the UserMigration trigger creates the user on first contact.

Sign-in (UserMigration_Authentication, with the password the user typed) and forgot-password
(UserMigration_ForgotPassword) call `migrate_user` for a username the pool does not know; when the
trigger answers with the user's attributes, the user is created here and the flow carries on as if
they had always been ours. No trigger, or an answer without attributes, leaves the flow's usual
not-found behaviour. Cognito: the Migrate user Lambda trigger.
"""
from __future__ import annotations

from django.db import transaction

from identity import events, triggers
from identity.context import SYSTEM, RequestContext
from identity.errors import (
    IdentityError,
    InvalidLambdaResponseException,
    UnexpectedLambdaException,
    UserLambdaValidationException,
    UserNotFoundException,
)
from identity.models import User, UserPool, UserPoolClient
from identity.services import attributes as attribute_rules
from identity.services import directory, passwords

AUTHENTICATION, FORGOT_PASSWORD = "UserMigration_Authentication", "UserMigration_ForgotPassword"
# Attributes a legacy store cannot hand over: the pool assigns them.
_NOT_MIGRATED = {"sub", "username", "cognito:user_status", "cognito:mfa_enabled"}


def migrate_user(
    *, pool: UserPool, client: UserPoolClient | None, username: str, source: str, password: str | None = None,
    context: RequestContext = SYSTEM,
) -> User | None:
    """The migrated user, created from the trigger's answer; None when there is nothing to migrate.

    `source` UserMigration_Authentication stores `password` (the legacy store vouched for it) and
    ends in the answer's finalUserStatus (CONFIRMED, or RESET_REQUIRED); UserMigration_ForgotPassword ends RESET_REQUIRED without
    a password. No welcome message is sent (as messageAction SUPPRESS). A trigger that fails (the
    usual way a legacy store says "wrong password") is the flow's not-found: UserNotFoundException
    ("Exception migrating user in app client …", Cognito's words), or None for a client that hides
    user existence. Raises AliasExistsException (an alias another user holds, unless forceAliasCreation).
    """
    try:
        outcome = triggers.user_migration(pool=pool, username=username, source=source, client=client, password=password, context=context)
    except (UserLambdaValidationException, InvalidLambdaResponseException, UnexpectedLambdaException):
        outcome = None if client is None or client.hides_user_existence else _failed(client)
    if outcome is None:
        return None
    values = {name: value for name, value in outcome.attributes.items() if name not in _NOT_MIGRATED}
    try:
        attribute_rules.check_writes(pool, values, creating=True, admin=True)
        user = attribute_rules.new_user(pool, username, values)
    except IdentityError as exc:  # the legacy store's attributes do not fit the pool
        raise InvalidLambdaResponseException(f"Invalid lambda response: {exc.message}") from None
    conflicts = attribute_rules.raise_on_conflict(user, force=outcome.force_alias_creation)
    with transaction.atomic():
        for attribute, other in conflicts:
            attribute_rules.release_alias(other, attribute)
        user.status = outcome.final_user_status
        if source == AUTHENTICATION:  # RESET_REQUIRED keeps it too, so sign-in says "reset" rather than "wrong password"
            passwords.store_password(user, password or "", temporary=False)
        directory.save_user(user)
        events.record("UserMigrated", context=context, user=user, details={"trigger_source": source, "status": user.status})
    return user


def _failed(client: UserPoolClient):
    raise UserNotFoundException(f"Exception migrating user in app client {client.client_id}")
