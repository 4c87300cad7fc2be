"""Self-service sign-up and confirmation (SignUp, ConfirmSignUp, ResendConfirmationCode, AdminConfirmSignUp)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from identity import events, messaging, triggers
from identity.context import SYSTEM, RequestContext
from identity.errors import (
    AliasExistsException,
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedException,
    UserNotFoundException,
    UsernameExistsException,
)
from identity.messaging import CodeDeliveryDetails, MessageKind
from identity.models import AuthEvent, User, UserPool, UserPoolClient
from identity.services import attributes as attribute_rules
from identity.services import codes, directory, passwords, risk

# Cognito sends the sign-up code by SMS when both email and phone are auto-verified.
_CONFIRMATION_ORDER = ("phone_number", "email")


@dataclass(frozen=True)
class SignUpResult:
    user: User
    user_confirmed: bool
    code_delivery: CodeDeliveryDetails | None

    @property
    def user_sub(self) -> str:
        return str(self.user.sub)


def sign_up(
    *,
    pool: UserPool,
    client: UserPoolClient,
    username: str,
    password: str,
    attributes: dict[str, str] | None = None,
    validation_data: dict | None = None,
    context: RequestContext = SYSTEM,
) -> SignUpResult:
    """Register an UNCONFIRMED user and send a confirmation code to an auto-verified attribute.

    The PreSignUp trigger runs before anything is written: it may refuse (its error, and no user),
    confirm the user (CONFIRMED, no code sent) and mark the email / phone verified.
    Raises NotAuthorizedException (admin-only pool), InvalidParameterException (username,
    schema, required attributes), InvalidPasswordException, UsernameExistsException, the trigger
    errors, and CodeDeliveryFailureException/LimitExceededException after the user is created (as
    Cognito). Cognito: SignUp.
    """
    if pool.allow_admin_create_user_only:
        raise NotAuthorizedException("SignUp is not permitted for this user pool.")
    values = dict(attributes or {})
    attribute_rules.check_writes(pool, values, creating=True, client=client)
    user = attribute_rules.new_user(pool, username, values)
    attribute_rules.check_required(pool, user.attributes)
    passwords.check_password_policy(pool=pool, password=password, user=user)
    _check_available(user)
    outcome = triggers.pre_sign_up(pool=pool, user=user, client=client, validation_data=validation_data, context=context)
    apply_pre_sign_up(user, outcome)
    with transaction.atomic():
        passwords.store_password(user, password, temporary=False)
        try:
            directory.save_user(user)
        except AliasExistsException as exc:  # lost a race for the same email/phone username
            raise UsernameExistsException(exc.message) from exc
        events.user_signed_up(user=user, context=context, details={"client_id": client.client_id})
        risk.record_account_event(user=user, event_type=AuthEvent.Type.SIGN_UP, context=context)
    confirmed = user.status == User.Status.CONFIRMED
    # Cognito sends no confirmation code to a user the trigger confirmed.
    delivery = None if confirmed else send_confirmation_code(user, source="SignUp", client=client, context=context)
    return SignUpResult(user=user, user_confirmed=confirmed, code_delivery=delivery)


def apply_pre_sign_up(user: User, outcome: triggers.PreSignUpOutcome, *, confirm: bool = True) -> None:
    """Make the PreSignUp answer true of the unsaved `user`: auto-confirm, auto-verify email / phone."""
    if confirm and outcome.auto_confirm:
        user.status = User.Status.CONFIRMED
    flags = {"email_verified": outcome.auto_verify_email, "phone_number_verified": outcome.auto_verify_phone}
    user.attributes = {**user.attributes, **{name: "true" for name, on in flags.items() if on}}


def _check_available(user: User) -> None:
    if directory.find_user(user.pool, user.username) is not None:
        raise UsernameExistsException("User already exists")
    for attribute, _other in attribute_rules.alias_conflicts(user):
        if attribute in user.pool.username_attributes:
            raise UsernameExistsException(f"An account with the given {attribute} already exists.")


def confirmation_target(user: User) -> str | None:
    for attribute in _CONFIRMATION_ORDER:
        if attribute in user.pool.auto_verified_attributes and user.attributes.get(attribute):
            return attribute
    return None


def send_confirmation_code(
    user: User, *, source: str = "SignUp", client: UserPoolClient | None = None, context: RequestContext = SYSTEM,
) -> CodeDeliveryDetails | None:
    """Send the sign-up code to the auto-verified attribute; None when the pool verifies nothing.

    `source` names the message for the triggers: SignUp, or ResendCode.
    """
    attribute = confirmation_target(user)
    if attribute is None:
        return None
    code = codes.issue_code(user=user, purpose=codes.Purpose.SIGN_UP, delivered_to=attribute)
    return messaging.deliver(
        user=user, kind=MessageKind.VERIFICATION, code=code, attribute=attribute, source=source, client=client, context=context,
    )


def _unconfirmed_user(pool: UserPool, client: UserPoolClient | None, username: str) -> User:
    user = directory.find_user(pool, username)
    if user is None:
        if client is not None and client.hides_user_existence:
            raise CodeMismatchException()
        raise UserNotFoundException("Username/client id combination not found.")
    if user.status != User.Status.UNCONFIRMED:
        raise NotAuthorizedException(f"User cannot be confirmed. Current status is {user.status}")
    return user


def confirm_sign_up(
    *,
    pool: UserPool,
    client: UserPoolClient,
    username: str,
    code: str,
    force_alias_creation: bool = False,
    context: RequestContext = SYSTEM,
) -> User:
    """Confirm a user with the emailed/texted code: CONFIRMED, and the attribute that got the code verified.

    Raises CodeMismatchException, ExpiredCodeException, LimitExceededException,
    NotAuthorizedException (already confirmed), UserNotFoundException (CodeMismatchException
    when the client hides existence), AliasExistsException (a verified alias held by another
    user, unless `force_alias_creation` moves it here). The PostConfirmation trigger runs once the
    confirmation is committed: its error reaches the caller, and the user stays confirmed, as
    Cognito. Cognito: ConfirmSignUp.
    """
    user = _unconfirmed_user(pool, client, username)
    pending = codes.pending_code(user=user, purpose=codes.Purpose.SIGN_UP)
    verified = pending.delivered_to if pending else ""
    if verified:
        user.attributes = {**user.attributes, f"{verified}_verified": "true"}
    try:
        conflicts, clash = attribute_rules.raise_on_conflict(user, force=force_alias_creation), None
    except AliasExistsException as exc:
        conflicts, clash = [], exc
    try:
        if clash is None:
            codes.consume_code(user=user, purpose=codes.Purpose.SIGN_UP, code=code)
        else:
            # Cognito tells of the clash only to whoever holds the right code (else signing up
            # with an address would reveal its owner), and the code stays good for a retry
            # with ForceAliasCreation.
            codes.check_code(user=user, purpose=codes.Purpose.SIGN_UP, code=code)
    except Exception as exc:
        events.confirmation_failed(user=user, context=context, details={"reason": type(exc).__name__})
        raise
    if clash is not None:
        events.confirmation_failed(user=user, context=context, details={"reason": type(clash).__name__})
        raise clash
    with transaction.atomic():
        for attribute, other in conflicts:
            attribute_rules.release_alias(other, attribute)
        user.status = User.Status.CONFIRMED
        directory.save_user(user, update_fields=["status", "attributes"])
        events.user_confirmed(user=user, context=context, details={"verified": verified})
    triggers.post_confirmation(pool=pool, user=user, client=client, context=context)
    return user


def resend_confirmation_code(
    *, pool: UserPool, client: UserPoolClient, username: str, context: RequestContext = SYSTEM
) -> CodeDeliveryDetails:
    """Send a new sign-up code (the old one stops working). Cognito: ResendConfirmationCode.

    Raises UserNotFoundException (a simulated delivery when the client hides existence),
    InvalidParameterException (already confirmed, or nothing auto-verified), LimitExceededException.
    """
    user = directory.find_user(pool, username)
    if user is None:
        if client.hides_user_existence:
            return passwords.simulated_delivery(pool, username)
        raise UserNotFoundException("Username/client id combination not found.")
    if user.status != User.Status.UNCONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    delivery = send_confirmation_code(user, source="ResendCode", client=client, context=context)
    if delivery is None:
        raise InvalidParameterException("Auto verification not turned on.")
    events.confirmation_code_resent(user=user, context=context)
    risk.record_account_event(user=user, event_type=AuthEvent.Type.RESEND_CODE, context=context)
    return delivery


def admin_confirm_sign_up(*, pool: UserPool, username: str, context: RequestContext = SYSTEM) -> User:
    """Confirm a user without a code; attributes stay unverified. Cognito: AdminConfirmSignUp.

    Raises UserNotFoundException, NotAuthorizedException (not UNCONFIRMED), and the
    PostConfirmation trigger's errors (after the confirmation is committed).
    """
    user = _unconfirmed_user(pool, None, username)
    with transaction.atomic():
        user.status = User.Status.CONFIRMED
        user.save(update_fields=["status", "updated_at"])
        events.user_confirmed_by_admin(user=user, context=context)
    triggers.post_confirmation(pool=pool, user=user, context=context)
    return user
