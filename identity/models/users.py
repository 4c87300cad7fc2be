"""Pool users, their group memberships, codes and password history."""
from __future__ import annotations

import uuid

from django.db import models

from identity.models.fields import SortableKeyField
from identity.models.pools import Group, UserPool

# Searchable copies of attributes are cut to this length so every value fits a btree entry.
INDEXED_LENGTH = 256


class User(models.Model):
    """A member of one pool. Not an operator: operators are Django's own auth.User."""

    class Status(models.TextChoices):
        UNCONFIRMED = "UNCONFIRMED"
        CONFIRMED = "CONFIRMED"
        FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
        RESET_REQUIRED = "RESET_REQUIRED"
        EXTERNAL_PROVIDER = "EXTERNAL_PROVIDER"

    # Indexed through (pool, …) composites below, which also serve lookups by pool alone.
    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="users", db_index=False)
    sub = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    username = models.CharField(max_length=128)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.UNCONFIRMED)
    enabled = models.BooleanField(default=True)
    # Every attribute but sub, as Cognito returns them: name -> string value.
    attributes = models.JSONField(default=dict, blank=True)
    # New email/phone values waiting for their code while the old value stays in force.
    pending_attributes = models.JSONField(default=dict, blank=True)
    password = models.CharField(max_length=256, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    # Cognito's SRP needs salt and verifier (g^x) of the password; encrypted under the key-encryption
    # key, because a verifier alone allows cheap offline guessing.
    srp_verifier = models.TextField(blank=True)
    temporary_password_expires_at = models.DateTimeField(null=True, blank=True)
    # Global sign-out: tokens issued before this instant are refused.
    tokens_valid_after = models.DateTimeField(null=True, blank=True)

    # Indexed copies that lookups and ListUsers filters read (see identity.services.directory).
    username_key = SortableKeyField(max_length=128)
    email_key = SortableKeyField(max_length=INDEXED_LENGTH, blank=True)
    phone_number_key = SortableKeyField(max_length=INDEXED_LENGTH, blank=True)
    name_key = SortableKeyField(max_length=INDEXED_LENGTH, blank=True)
    given_name_key = SortableKeyField(max_length=INDEXED_LENGTH, blank=True)
    family_name_key = SortableKeyField(max_length=INDEXED_LENGTH, blank=True)
    preferred_username_key = SortableKeyField(max_length=INDEXED_LENGTH, blank=True)
    # Identifiers a user signs in with besides the username; NULL when not one.
    # Unique per pool, so two accounts can never claim the same login.
    email_login = SortableKeyField(max_length=INDEXED_LENGTH, null=True, blank=True)
    phone_number_login = SortableKeyField(max_length=INDEXED_LENGTH, null=True, blank=True)
    preferred_username_login = SortableKeyField(max_length=INDEXED_LENGTH, null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    groups = models.ManyToManyField(Group, through="GroupMembership", related_name="users", blank=True)

    class Meta:
        ordering = ["pool_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "username_key"], name="user_username_unique_in_pool"),
            models.UniqueConstraint(fields=["pool", "email_login"], name="user_email_login_unique_in_pool"),
            models.UniqueConstraint(fields=["pool", "phone_number_login"], name="user_phone_login_unique_in_pool"),
            models.UniqueConstraint(fields=["pool", "preferred_username_login"], name="user_pref_login_unique_in_pool"),
        ]
        indexes = [
            models.Index(fields=["pool", "id"], name="user_pool_idx"),
            models.Index(fields=["pool", "email_key", "id"], name="user_email_idx"),
            models.Index(fields=["pool", "phone_number_key", "id"], name="user_phone_idx"),
            models.Index(fields=["pool", "name_key", "id"], name="user_name_idx"),
            models.Index(fields=["pool", "given_name_key", "id"], name="user_given_name_idx"),
            models.Index(fields=["pool", "family_name_key", "id"], name="user_family_name_idx"),
            models.Index(fields=["pool", "preferred_username_key", "id"], name="user_pref_username_idx"),
            models.Index(fields=["pool", "status", "id"], name="user_status_idx"),
            models.Index(fields=["pool", "enabled", "id"], name="user_enabled_idx"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def email(self) -> str:
        return self.attributes.get("email", "")

    @property
    def phone_number(self) -> str:
        return self.attributes.get("phone_number", "")

    def is_verified(self, attribute: str) -> bool:
        return self.attributes.get(f"{attribute}_verified") == "true"


class GroupMembership(models.Model):
    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class VerificationCode(models.Model):
    """A one-time code sent to a user; only its keyed digest is kept."""

    class Purpose(models.TextChoices):
        SIGN_UP = "SIGN_UP"
        FORGOT_PASSWORD = "FORGOT_PASSWORD"
        VERIFY_ATTRIBUTE = "VERIFY_ATTRIBUTE"

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="codes")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    attribute_name = models.CharField(max_length=32, blank=True)
    # Which attribute (email or phone_number) received it: proving receipt verifies that attribute.
    delivered_to = models.CharField(max_length=32, blank=True)
    code_digest = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "purpose", "attribute_name"], name="one_live_code_per_purpose")
        ]


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords, for the pool's reuse rule."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
