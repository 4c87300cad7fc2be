"""Users as operators and users themselves manage them: create, attributes, verification, enable, delete."""
from __future__ import annotations

from django.db import transaction

from identity import clock, events, messaging, triggers
from identity.context import SYSTEM, RequestContext
from identity.errors import (
    AliasExistsException,
    InvalidParameterException,
    UnsupportedUserStateException,
    UsernameExistsException,
)
from identity.messaging import CodeDeliveryDetails, MessageKind
from identity.models import User, UserPool, UserPoolClient
from identity.schema import VERIFIABLE_ATTRIBUTES
from identity.services import attributes as attribute_rules
from identity.services import codes, directory, passwords

MESSAGE_ACTIONS = {"RESEND", "SUPPRESS"}
DELIVERY_MEDIUMS = {"EMAIL": "email", "SMS": "phone_number"}


def admin_get_user(*, pool: UserPool, username: str) -> User:
    """The user by username, alias or sub. Raises UserNotFoundException. Cognito: AdminGetUser."""
    return directory.get_user(pool, username)


def admin_create_user(
    *,
    pool: UserPool,
    username: str,
    attributes: dict[str, str] | None = None,
    temporary_password: str | None = None,
    message_action: str | None = None,
    desired_delivery_mediums: list[str] | None = None,
    force_alias_creation: bool = False,
    validation_data: dict | None = None,
    context: RequestContext = SYSTEM,
) -> User:
    """Create a FORCE_CHANGE_PASSWORD user with a temporary password and send the invitation.

    `message_action` "SUPPRESS" sends nothing; "RESEND" re-invites an existing
    FORCE_CHANGE_PASSWORD user with a fresh temporary password. PreSignUp_AdminCreateUser runs
    before the user is written (its refusal creates nothing; its auto-verify flags are kept; the
    user still has to change the temporary password). Raises UsernameExistsException,
    AliasExistsException, InvalidParameterException, InvalidPasswordException, the trigger errors,
    UserNotFoundException / UnsupportedUserStateException (RESEND). Cognito: AdminCreateUser.
    """
    if message_action not in (None, "", *MESSAGE_ACTIONS):
        raise InvalidParameterException("MessageAction must be RESEND or SUPPRESS.")
    mediums = _delivery_mediums(desired_delivery_mediums)
    if temporary_password:
        passwords.check_password_policy(pool=pool, password=temporary_password)
    password = temporary_password or passwords.generate_temporary_password(pool)
    if message_action == "RESEND":
        return _resend_invitation(pool=pool, username=username, password=password, mediums=mediums, context=context)
    values = dict(attributes or {})
    attribute_rules.check_writes(pool, values, creating=True, admin=True)
    # Required attributes may be missing: the user gives them when answering NEW_PASSWORD_REQUIRED.
    user = attribute_rules.new_user(pool, username, values)
    if directory.find_user(pool, user.username) is not None:
        raise UsernameExistsException("User account already exists")
    for attribute, _other in attribute_rules.alias_conflicts(user):
        if attribute in pool.username_attributes:  # an email/phone username is the username: as SignUp
            raise UsernameExistsException(f"An account with the given {attribute} already exists.")
    conflicts = attribute_rules.raise_on_conflict(user, force=force_alias_creation)
    from identity.services.signup import apply_pre_sign_up

    outcome = triggers.pre_sign_up(pool=pool, user=user, source="PreSignUp_AdminCreateUser", validation_data=validation_data, context=context)
    apply_pre_sign_up(user, outcome, confirm=False)
    with transaction.atomic():
        for attribute, other in conflicts:
            attribute_rules.release_alias(other, attribute)
        user.status = User.Status.FORCE_CHANGE_PASSWORD
        passwords.store_password(user, password, temporary=True)
        directory.save_user(user)
        events.user_created_by_admin(user=user, context=context)
    if message_action != "SUPPRESS":
        _send_invitation(user, password, mediums)
    return user


def _delivery_mediums(requested: list[str] | None) -> list[str] | None:
    if not requested:
        return None
    unknown = set(requested) - set(DELIVERY_MEDIUMS)
    if unknown:
        raise InvalidParameterException("DesiredDeliveryMediums may hold only EMAIL and SMS.")
    return list(requested)


def _send_invitation(user: User, password: str, mediums: list[str] | None) -> list[CodeDeliveryDetails]:
    # Without a choice: email when the user has one, else SMS.
    if mediums is None:
        mediums = ["EMAIL"] if user.email else ["SMS"]
    sent = []
    for medium in mediums:
        attribute = DELIVERY_MEDIUMS[medium]
        if user.attributes.get(attribute):
            sent.append(messaging.deliver(user=user, kind=MessageKind.INVITATION, code=password, attribute=attribute, source="AdminCreateUser"))
    return sent


def _resend_invitation(*, pool: UserPool, username: str, password: str, mediums, context: RequestContext) -> User:
    user = directory.get_user(pool, username)
    if user.status != User.Status.FORCE_CHANGE_PASSWORD:
        raise UnsupportedUserStateException(f"User cannot be re-invited. Current status is {user.status}")
    with transaction.atomic():
        passwords.store_password(user, password, temporary=True)
        user.save(update_fields=["password", "srp_verifier", "password_changed_at", "temporary_password_expires_at", "updated_at"])
        events.user_invitation_resent(user=user, context=context)
    _send_invitation(user, password, mediums)
    return user


def update_user_attributes(
    *, user: User, client: UserPoolClient | None, attributes: dict[str, str], context: RequestContext = SYSTEM
) -> list[CodeDeliveryDetails]:
    """A signed-in user changes their attributes; a new email/phone is sent a code.

    When the pool keeps original values until verification (AttributesRequireVerificationBeforeUpdate)
    and the old value is verified, the new value waits in `pending_attributes` and the old one keeps
    signing in. Raises InvalidParameterException, NotAuthorizedException, AliasExistsException.
    Cognito: UpdateUserAttributes.
    """
    pool = user.pool
    attribute_rules.check_writes(pool, attributes, creating=False, client=client)
    previous = user.attributes, user.pending_attributes
    to_verify = _apply_changes(user, attributes, admin=False)
    try:
        attribute_rules.raise_on_conflict(user)
    except AliasExistsException:
        user.attributes, user.pending_attributes = previous  # the caller's object must not claim what was refused
        raise
    with transaction.atomic():
        directory.save_user(user, update_fields=["attributes", "pending_attributes"])
        events.attributes_updated(user=user, context=context, details={"names": sorted(attributes)})
    return [_send_verification(user, name, client=client, context=context) for name in to_verify]


def _apply_changes(user: User, changes: dict, *, admin: bool) -> list[str]:
    """Write `changes` onto the user in memory; returns the attributes that now need a code."""
    pool = user.pool
    current, pending = dict(user.attributes), dict(user.pending_attributes)
    to_verify = []
    for name, value in changes.items():
        if name not in VERIFIABLE_ATTRIBUTES or value == current.get(name):
            current[name] = value
            pending.pop(name, None)  # back to the value in force: a change waiting for its code is dropped
            continue
        verified_flag = f"{name}_verified"
        auto = name in pool.auto_verified_attributes
        keep_old = auto and name in pool.attributes_require_verification_before_update and user.is_verified(name)
        if admin and changes.get(verified_flag) == "true":
            current[name] = value
            pending.pop(name, None)
            continue
        if keep_old:
            pending[name] = value
        else:
            current[name], current[verified_flag] = value, "false"
            pending.pop(name, None)
        if auto:
            to_verify.append(name)
    user.attributes, user.pending_attributes = current, pending
    return to_verify


def _send_verification(
    user: User, attribute: str, *, source: str = "UpdateUserAttribute", client: UserPoolClient | None = None,
    context: RequestContext = SYSTEM,
) -> CodeDeliveryDetails:
    destination = user.pending_attributes.get(attribute) or user.attributes.get(attribute, "")
    code = codes.issue_code(
        user=user, purpose=codes.Purpose.VERIFY_ATTRIBUTE, attribute_name=attribute, delivered_to=attribute
    )
    return messaging.deliver(
        user=user, kind=MessageKind.VERIFICATION, code=code, attribute=attribute, destination=destination,
        source=source, client=client, context=context,
    )


def admin_update_user_attributes(
    *, pool: UserPool, username: str, attributes: dict[str, str], context: RequestContext = SYSTEM
) -> User:
    """An operator sets attributes, verification flags included; a changed email/phone not marked
    verified is sent a code when the pool auto-verifies it. Cognito: AdminUpdateUserAttributes.

    Raises UserNotFoundException, InvalidParameterException, AliasExistsException.
    """
    user = directory.get_user(pool, username)
    attribute_rules.check_writes(pool, attributes, creating=False, admin=True)
    to_verify = _apply_changes(user, attributes, admin=True)
    attribute_rules.raise_on_conflict(user)
    with transaction.atomic():
        directory.save_user(user, update_fields=["attributes", "pending_attributes"])
        events.attributes_updated(user=user, context=context, details={"names": sorted(attributes), "admin": True})
    for name in to_verify:
        _send_verification(user, name, context=context)
    return user


def _delete_attributes(user: User, names: list[str], context: RequestContext, *, admin: bool) -> User:
    with transaction.atomic():
        current, pending = dict(user.attributes), dict(user.pending_attributes)
        for name in names:
            current.pop(name, None)
            pending.pop(name, None)
            if name in VERIFIABLE_ATTRIBUTES:
                current.pop(f"{name}_verified", None)
        user.attributes, user.pending_attributes = current, pending
        directory.save_user(user, update_fields=["attributes", "pending_attributes"])
        events.attributes_deleted(user=user, context=context, details={"names": sorted(names), "admin": admin})
    return user


def delete_user_attributes(
    *, user: User, client: UserPoolClient | None, names: list[str], context: RequestContext = SYSTEM
) -> User:
    """A signed-in user removes attributes. Raises InvalidParameterException (unknown, required,
    immutable, sign-in identifier), NotAuthorizedException. Cognito: DeleteUserAttributes."""
    attribute_rules.check_deletable(user.pool, names, client=client)
    return _delete_attributes(user, names, context, admin=False)


def admin_delete_user_attributes(*, pool: UserPool, username: str, names: list[str], context: RequestContext = SYSTEM) -> User:
    """An operator removes attributes. Cognito: AdminDeleteUserAttributes."""
    user = directory.get_user(pool, username)
    attribute_rules.check_deletable(pool, names, admin=True)
    return _delete_attributes(user, names, context, admin=True)


def get_user_attribute_verification_code(
    *, user: User, client: UserPoolClient | None, attribute_name: str, context: RequestContext = SYSTEM
) -> CodeDeliveryDetails:
    """Send a code for the user's email or phone (the pending new value when there is one).

    Raises InvalidParameterException (not email/phone, or no value), LimitExceededException.
    Cognito: GetUserAttributeVerificationCode.
    """
    _check_verifiable(user, attribute_name)
    details = _send_verification(user, attribute_name, source="VerifyUserAttribute", client=client, context=context)
    events.attribute_verification_sent(user=user, context=context, details={"attribute": attribute_name})
    return details


def _check_verifiable(user: User, attribute_name: str) -> str:
    if attribute_name not in VERIFIABLE_ATTRIBUTES:
        raise InvalidParameterException("Only email and phone_number can be verified.")
    value = user.pending_attributes.get(attribute_name) or user.attributes.get(attribute_name)
    if not value:
        raise InvalidParameterException(f"The user has no {attribute_name} to verify.")
    return value


def verify_user_attribute(*, user: User, attribute_name: str, code: str, context: RequestContext = SYSTEM) -> User:
    """Verify the user's email or phone with its code; a pending new value replaces the old one.

    Raises InvalidParameterException, CodeMismatchException, ExpiredCodeException,
    LimitExceededException, AliasExistsException. Cognito: VerifyUserAttribute.
    """
    value = _check_verifiable(user, attribute_name)
    # The code first: a clash with another user's alias is told only to whoever holds it.
    codes.consume_code(user=user, purpose=codes.Purpose.VERIFY_ATTRIBUTE, code=code, attribute_name=attribute_name)
    previous = user.attributes
    user.attributes = {**previous, attribute_name: value, f"{attribute_name}_verified": "true"}
    try:
        attribute_rules.raise_on_conflict(user)
    except AliasExistsException:
        user.attributes = previous  # the caller's object must not claim what was refused
        raise
    with transaction.atomic():
        user.pending_attributes = {k: v for k, v in user.pending_attributes.items() if k != attribute_name}
        directory.save_user(user, update_fields=["attributes", "pending_attributes"])
        events.attribute_verified(user=user, context=context, details={"attribute": attribute_name})
    return user


def _set_enabled(pool: UserPool, username: str, enabled: bool, context: RequestContext) -> User:
    user = directory.get_user(pool, username)
    with transaction.atomic():
        user.enabled = enabled
        user.save(update_fields=["enabled", "updated_at"])
        (events.user_enabled if enabled else events.user_disabled)(user=user, context=context)
    return user


def admin_disable_user(*, pool: UserPool, username: str, context: RequestContext = SYSTEM) -> User:
    """Stop the user signing in (they stay listed, Enabled false). Cognito: AdminDisableUser."""
    return _set_enabled(pool, username, False, context)


def admin_enable_user(*, pool: UserPool, username: str, context: RequestContext = SYSTEM) -> User:
    """Let a disabled user sign in again. Cognito: AdminEnableUser."""
    return _set_enabled(pool, username, True, context)


def _delete(user: User, context: RequestContext, event) -> None:
    with transaction.atomic():
        event(user=user, context=context, details={"sub": str(user.sub), "deleted_at": clock.now().isoformat()})
        user.delete()


def delete_user(*, user: User, context: RequestContext = SYSTEM) -> None:
    """A signed-in user deletes their own account. Cognito: DeleteUser."""
    _delete(user, context, events.user_deleted)


def admin_delete_user(*, pool: UserPool, username: str, context: RequestContext = SYSTEM) -> None:
    """An operator deletes a user; the sub is never reused. Raises UserNotFoundException. Cognito: AdminDeleteUser."""
    _delete(directory.get_user(pool, username), context, events.user_deleted_by_admin)
