"""The user directory's tables."""
from identity.models.events import AuditEvent
from identity.models.pools import Group, ResourceServer, UserPool, UserPoolClient, UserPoolDomain
from identity.models.tokens import AuthChallenge, AuthorizationCode, RefreshToken, RevokedOrigin, SigningKey
from identity.models.triggers import TriggerInvocation
from identity.models.users import GroupMembership, PasswordHistory, User, VerificationCode

__all__ = [
    "AuthChallenge",
    "AuthorizationCode",
    "AuditEvent",
    "Group",
    "GroupMembership",
    "PasswordHistory",
    "RefreshToken",
    "ResourceServer",
    "RevokedOrigin",
    "SigningKey",
    "TriggerInvocation",
    "User",
    "UserPool",
    "UserPoolClient",
    "UserPoolDomain",
    "VerificationCode",
]
