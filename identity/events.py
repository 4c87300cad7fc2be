"""Audit events: one constructor per kind of event, called by the services (never by faces)."""
from __future__ import annotations

from identity.context import RequestContext
from identity.models import AuditEvent, User, UserPool, UserPoolClient
from identity.models.pools import ResourceServer
from identity.services import hotpath


def record(
    event_type: str,
    *,
    context: RequestContext,
    pool: UserPool | None = None,
    user: User | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Write one audit row. Secrets, passwords and codes never go into `details`."""
    event = AuditEvent(
        pool=pool if pool is not None else (user.pool if user is not None else None),
        user=user if user is not None and user.pk else None,
        username=user.username if user is not None else "",
        event_type=event_type,
        actor=context.actor,
        ip_address=context.ip_address,
        user_agent=context.user_agent[:512],
        details=details or {},
    )
    hotpath.insert(event)  # in SQL: every sign-in writes one (bench/signin.py)
    return event


def _user_event(event_type: str):
    def constructor(*, user: User, context: RequestContext, details: dict | None = None) -> AuditEvent:
        return record(event_type, context=context, user=user, details=details)

    constructor.__name__ = event_type.lower()
    constructor.__doc__ = f"Record {event_type} for a user."
    return constructor


def _pool_event(event_type: str):
    def constructor(*, pool: UserPool, context: RequestContext, details: dict | None = None) -> AuditEvent:
        return record(event_type, context=context, pool=pool, details=details)

    constructor.__name__ = event_type.lower()
    constructor.__doc__ = f"Record {event_type} for a pool."
    return constructor


user_signed_up = _user_event("SignUp")
user_created_by_admin = _user_event("AdminCreateUser")
user_invitation_resent = _user_event("AdminCreateUserResend")
user_confirmed = _user_event("ConfirmSignUp")
user_confirmed_by_admin = _user_event("AdminConfirmSignUp")
confirmation_code_resent = _user_event("ResendCode")
confirmation_failed = _user_event("ConfirmSignUpFailure")
forgot_password_requested = _user_event("ForgotPassword")
password_reset_confirmed = _user_event("ConfirmForgotPassword")
password_reset_failed = _user_event("ConfirmForgotPasswordFailure")
password_changed = _user_event("PasswordChange")
password_change_failed = _user_event("PasswordChangeFailure")
password_set_by_admin = _user_event("AdminSetUserPassword")
password_reset_by_admin = _user_event("AdminResetUserPassword")
attributes_updated = _user_event("UpdateUserAttributes")
attributes_deleted = _user_event("DeleteUserAttributes")
attribute_verification_sent = _user_event("GetUserAttributeVerificationCode")
attribute_verified = _user_event("VerifyUserAttribute")
user_disabled = _user_event("AdminDisableUser")
user_enabled = _user_event("AdminEnableUser")
user_deleted = _user_event("DeleteUser")
user_deleted_by_admin = _user_event("AdminDeleteUser")
signed_in = _user_event("SignIn")
sign_in_failed = _user_event("SignInFailure")
signed_out = _user_event("SignOut")
# A code or invitation that the email or SMS transport did not take (masked destination, the reason).
code_delivery_failed = _user_event("CodeDeliveryFailure")
user_added_to_group = _user_event("AdminAddUserToGroup")
user_removed_from_group = _user_event("AdminRemoveUserFromGroup")

pool_created = _pool_event("CreateUserPool")
pool_updated = _pool_event("UpdateUserPool")
mfa_changed = _user_event("SetUserMFAPreference")
group_created = _pool_event("CreateGroup")
group_updated = _pool_event("UpdateGroup")
group_deleted = _pool_event("DeleteGroup")


def client_created(*, client: UserPoolClient, context: RequestContext) -> AuditEvent:
    return record("CreateUserPoolClient", context=context, pool=client.pool, details={"client_id": client.client_id})


def client_secret_rotated(*, client: UserPoolClient, context: RequestContext) -> AuditEvent:
    return record("RotateClientSecret", context=context, pool=client.pool, details={"client_id": client.client_id})


def resource_server_created(*, server: ResourceServer, context: RequestContext) -> AuditEvent:
    return record("CreateResourceServer", context=context, pool=server.pool, details={"identifier": server.identifier})


def pool_deleted(*, pool: UserPool, context: RequestContext) -> AuditEvent:
    # Not tied to the pool row, which the deletion removes along with its trail.
    return record("DeleteUserPool", context=context, details={"pool_id": pool.id, "name": pool.name})
