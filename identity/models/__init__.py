"""The user directory's tables."""
from identity.models.devices import Device
from identity.models.events import AuditEvent
from identity.models.mfa import MfaPreference, RecoveryCode, TotpDevice
from identity.models.pools import Group, ResourceServer, UserPool, UserPoolClient, UserPoolDomain
from identity.models.threats import AuthEvent
from identity.models.tokens import AuthChallenge, AuthorizationCode, RefreshToken, RevokedOrigin, SigningKey
from identity.models.triggers import TriggerInvocation
from identity.models.users import GroupMembership, PasswordHistory, User, VerificationCode
from identity.models.webauthn import WebAuthnCredential, WebAuthnRegistration

__all__ = [
    "AuthChallenge",
    "AuthEvent",
    "AuthorizationCode",
    "AuditEvent",
    "Device",
    "Group",
    "GroupMembership",
    "MfaPreference",
    "PasswordHistory",
    "RecoveryCode",
    "RefreshToken",
    "ResourceServer",
    "RevokedOrigin",
    "SigningKey",
    "TotpDevice",
    "TriggerInvocation",
    "User",
    "UserPool",
    "UserPoolClient",
    "UserPoolDomain",
    "VerificationCode",
    "WebAuthnCredential",
    "WebAuthnRegistration",
]
