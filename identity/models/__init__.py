"""The user directory's tables."""
from identity.models.events import AuditEvent
from identity.models.pools import Group, ResourceServer, UserPool, UserPoolClient
from identity.models.users import GroupMembership, PasswordHistory, User, VerificationCode

__all__ = [
    "AuditEvent",
    "Group",
    "GroupMembership",
    "PasswordHistory",
    "ResourceServer",
    "User",
    "UserPool",
    "UserPoolClient",
    "VerificationCode",
]
