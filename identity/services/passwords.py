"""Passwords of pool users: policy, hashing, history, forgot/reset, change and admin set/reset."""
from __future__ import annotations

import datetime
import secrets
import string

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from identity import clock, crypto, events, messaging, ratelimit, triggers
from identity.context import SYSTEM, RequestContext
from identity.errors import (
    CodeMismatchException,
    InvalidParameterException,
    InvalidPasswordException,
    LimitExceededException,
    NotAuthorizedException,
    PasswordHistoryPolicyViolationException,
    UserNotFoundException,
)
from identity.messaging import CodeDeliveryDetails, MessageKind
from identity.models import AuthEvent, PasswordHistory, User, UserPool, UserPoolClient
from identity.services import breached, codes, directory, risk, srp

MAX_PASSWORD_LENGTH = 256
# Cognito's symbol set for RequireSymbols (Basic Latin only), space included.
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
PASSWORD_CHANGES_PER_HOUR = 5
_HASHER = "argon2"


def check_password_policy(*, pool: UserPool, password: str, user: User | None = None) -> None:
    """Raise InvalidPasswordException naming the first rule of the pool's policy the password breaks.

    With `user` (whose password it will be): also refused when it is or contains the username or
    email, and checked against the breached-password corpus under the pool's threat protection.
    """
    if not isinstance(password, str) or not password:
        raise InvalidPasswordException("Password does not conform to policy: Password not long enough")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidPasswordException(f"Password does not conform to policy: Password longer than {MAX_PASSWORD_LENGTH} characters")
    if password != password.strip():
        raise InvalidPasswordException("Password does not conform to policy: Password must not begin or end with whitespace")
    if len(password) < pool.password_minimum_length:
        raise InvalidPasswordException("Password does not conform to policy: Password not long enough")
    rules = [
        (pool.password_require_uppercase, set(string.ascii_uppercase), "uppercase"),
        (pool.password_require_lowercase, set(string.ascii_lowercase), "lowercase"),
        (pool.password_require_numbers, set(string.digits), "numeric"),
        (pool.password_require_symbols, SYMBOLS, "symbol"),
    ]
    for required, alphabet, label in rules:
        if required and not alphabet.intersection(password):
            raise InvalidPasswordException(f"Password does not conform to policy: Password must have {label} characters")
    if user is not None:
        _check_not_personal(user, password)
        breached.check_compromised_password(pool=pool, user=user, password=password)


def _check_not_personal(user: User, password: str) -> None:
    folded = password.casefold()
    for identifier in (user.username, user.attributes.get("email", "")):
        value = (identifier or "").casefold()
        # A short name is inside too many good passwords ("Al" in "Kalamata-9"): only equality counts.
        if value and (folded == value or (len(value) >= 4 and value in folded)):
            raise InvalidPasswordException("Password does not conform to policy: Password must not contain the username or email")


def generate_temporary_password(pool: UserPool) -> str:
    """A random password that satisfies the pool's policy (at least 16 characters)."""
    pools_of = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "!@#%^&*-_=+"]
    length = max(pool.password_minimum_length, 16)
    chars = [secrets.choice(alphabet) for alphabet in pools_of]
    everything = "".join(pools_of)
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def password_matches(user: User, password: str) -> bool:
    """Check a password against the stored argon2id hash; re-hashes when the cost settings changed."""

    def upgrade(raw: str) -> None:
        user.password = make_password(raw, hasher=_HASHER)
        user.save(update_fields=["password"])

    return bool(user.password) and check_password(password, user.password, setter=upgrade)


def _check_history(user: User, password: str) -> None:
    size = user.pool.password_history_size
    if not size:
        return
    # The current password counts as the first of the N remembered ones.
    previous = [user.password] + list(user.password_history.values_list("password", flat=True)[: size - 1])
    if any(encoded and check_password(password, encoded) for encoded in previous):
        raise PasswordHistoryPolicyViolationException()


def store_password(user: User, password: str, *, temporary: bool) -> None:
    """Hash and keep a new password (history, temporary expiry). Caller saves `user` and owns the transaction."""
    size = user.pool.password_history_size
    if size and user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.values_list("pk", flat=True)[max(size - 1, 0):]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()
    user.password = make_password(password, hasher=_HASHER)
    salt, verifier = srp.make_verifier(pool_id=user.pool_id, username=user.username, password=password)
    user.srp_verifier = crypto.encrypt(f"{salt}:{verifier:x}")
    user.password_changed_at = clock.now()
    user.temporary_password_expires_at = (
        clock.now() + datetime.timedelta(days=user.pool.temporary_password_validity_days) if temporary else None
    )


_PASSWORD_FIELDS = ["password", "srp_verifier", "password_changed_at", "temporary_password_expires_at", "status"]


def srp_verifier(user: User) -> tuple[str, int] | None:
    """The user's SRP salt and verifier, if they have a password set since SRP support."""
    if not user.srp_verifier:
        return None
    salt, verifier = crypto.decrypt(user.srp_verifier).split(":")
    return salt, int(verifier, 16)


def _set_new_password(user: User, password: str, *, temporary: bool = False) -> None:
    check_password_policy(pool=user.pool, password=password, user=user)
    _check_history(user, password)
    store_password(user, password, temporary=temporary)


def recovery_destination(user: User) -> str | None:
    """Where a reset code goes: a verified email first, then a verified phone (Cognito's default recovery order)."""
    for attribute in ("email", "phone_number"):
        if user.attributes.get(attribute) and user.is_verified(attribute):
            return attribute
    return None


def simulated_delivery(pool: UserPool, username: str) -> CodeDeliveryDetails:
    """What an unknown user seems to get when the client hides user existence."""
    medium = "phone_number" if pool.username_attributes == ["phone_number"] else "email"
    target = username if (medium == "email" and "@" in username) or (medium != "email" and username.startswith("+")) else (
        "unknown@example.com" if medium == "email" else "+10000000000"
    )
    return messaging.details_for(medium, target)


def forgot_password(*, pool: UserPool, client: UserPoolClient, username: str, context: RequestContext = SYSTEM) -> CodeDeliveryDetails:
    """Send a reset code to the user's verified email or phone. Cognito: ForgotPassword.

    An unknown username goes to the UserMigration trigger first (UserMigration_ForgotPassword):
    a migrated user is created RESET_REQUIRED and sent the code. Raises UserNotFoundException
    (unless the client hides existence, which answers as if sent), NotAuthorizedException
    (disabled user), InvalidParameterException (nothing verified to send to),
    LimitExceededException, the triggers' errors.
    """
    user = directory.find_user(pool, username)
    if user is None:
        from identity.services.migration import FORGOT_PASSWORD, migrate_user

        user = migrate_user(pool=pool, client=client, username=username, source=FORGOT_PASSWORD, context=context)
    if user is None:
        if client.hides_user_existence:
            return simulated_delivery(pool, username)
        raise UserNotFoundException("Username/client id combination not found.")
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    attribute = recovery_destination(user)
    if attribute is None:
        raise InvalidParameterException(
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    code = codes.issue_code(user=user, purpose=codes.Purpose.FORGOT_PASSWORD, delivered_to=attribute)
    details = messaging.deliver(user=user, kind=MessageKind.RESET, code=code, attribute=attribute, client=client, context=context)
    events.forgot_password_requested(user=user, context=context, details={"delivery": details.delivery_medium})
    risk.record_account_event(user=user, event_type=AuthEvent.Type.FORGOT_PASSWORD, context=context)
    return details


def confirm_forgot_password(
    *, pool: UserPool, client: UserPoolClient, username: str, code: str, password: str, context: RequestContext = SYSTEM
) -> User:
    """Set a new password with a reset code; the user ends CONFIRMED. Cognito: ConfirmForgotPassword.

    Raises CodeMismatchException, ExpiredCodeException, LimitExceededException,
    InvalidPasswordException, PasswordHistoryPolicyViolationException, UserNotFoundException
    (CodeMismatchException instead when the client hides user existence), and the PostConfirmation
    trigger's errors (PostConfirmation_ConfirmForgotPassword, once the new password is committed).
    """
    user = directory.find_user(pool, username)
    if user is None:
        if client.hides_user_existence:
            raise CodeMismatchException()
        raise UserNotFoundException("Username/client id combination not found.")
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    # Policy first: a bad new password must not burn the code.
    check_password_policy(pool=pool, password=password, user=user)
    _check_history(user, password)
    try:
        codes.consume_code(user=user, purpose=codes.Purpose.FORGOT_PASSWORD, code=code)
    except Exception as exc:
        events.password_reset_failed(user=user, context=context, details={"reason": type(exc).__name__})
        raise
    with transaction.atomic():
        store_password(user, password, temporary=False)
        user.status = User.Status.CONFIRMED
        user.save(update_fields=_PASSWORD_FIELDS + ["updated_at"])
        events.password_reset_confirmed(user=user, context=context)
        risk.record_account_event(user=user, event_type=AuthEvent.Type.PASSWORD_CHANGE, context=context)
    triggers.post_confirmation(pool=pool, user=user, client=client, source="PostConfirmation_ConfirmForgotPassword", context=context)
    return user


def change_password(*, user: User, previous_password: str, proposed_password: str, context: RequestContext = SYSTEM) -> None:
    """Change a signed-in user's password. Cognito: ChangePassword.

    Raises NotAuthorizedException (wrong previous password), LimitExceededException (5 an hour),
    InvalidPasswordException, PasswordHistoryPolicyViolationException.
    """
    if not ratelimit.hit(f"change-password:{user.pk}", limit=PASSWORD_CHANGES_PER_HOUR, window_seconds=3600):
        raise LimitExceededException()
    if not password_matches(user, previous_password or ""):
        events.password_change_failed(user=user, context=context)
        risk.record_account_event(user=user, event_type=AuthEvent.Type.PASSWORD_CHANGE, context=context, response=AuthEvent.Response.FAIL)
        raise NotAuthorizedException("Incorrect username or password.")
    with transaction.atomic():
        _set_new_password(user, proposed_password)
        user.save(update_fields=_PASSWORD_FIELDS + ["updated_at"])
        events.password_changed(user=user, context=context)
        risk.record_account_event(user=user, event_type=AuthEvent.Type.PASSWORD_CHANGE, context=context)


def admin_set_user_password(
    *, pool: UserPool, username: str, password: str, permanent: bool, context: RequestContext = SYSTEM
) -> User:
    """Set a password as an operator: permanent → CONFIRMED, else FORCE_CHANGE_PASSWORD. Cognito: AdminSetUserPassword.

    Raises UserNotFoundException, InvalidPasswordException, PasswordHistoryPolicyViolationException.
    """
    user = directory.get_user(pool, username)
    with transaction.atomic():
        _set_new_password(user, password, temporary=not permanent)
        user.status = User.Status.CONFIRMED if permanent else User.Status.FORCE_CHANGE_PASSWORD
        user.save(update_fields=_PASSWORD_FIELDS + ["updated_at"])
        events.password_set_by_admin(user=user, context=context, details={"permanent": permanent})
    return user


def admin_reset_user_password(*, pool: UserPool, username: str, context: RequestContext = SYSTEM) -> User:
    """Require a reset: status RESET_REQUIRED and a reset code sent when there is a verified destination.

    The old password no longer signs in. Cognito: AdminResetUserPassword.
    Raises UserNotFoundException, NotAuthorizedException (disabled user), LimitExceededException.
    """
    user = directory.get_user(pool, username)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    attribute = recovery_destination(user)
    with transaction.atomic():
        user.status = User.Status.RESET_REQUIRED
        user.save(update_fields=["status", "updated_at"])
        events.password_reset_by_admin(user=user, context=context)
    if attribute:
        code = codes.issue_code(user=user, purpose=codes.Purpose.FORGOT_PASSWORD, delivered_to=attribute)
        messaging.deliver(user=user, kind=MessageKind.RESET, code=code, attribute=attribute)
    return user
