"""Auth events: each sign-in's outcome, risk, context and the user's feedback (Cognito's AuthEventType)."""
from __future__ import annotations

import uuid

from django.db import models

from identity.models.pools import UserPool
from identity.models.users import User


class AuthEvent(models.Model):
    """One authentication event of a user. Written by identity.services.risk; only feedback changes later."""

    class Type(models.TextChoices):
        SIGN_IN = "SignIn"
        SIGN_UP = "SignUp"
        FORGOT_PASSWORD = "ForgotPassword"
        PASSWORD_CHANGE = "PasswordChange"
        RESEND_CODE = "ResendCode"

    class Response(models.TextChoices):
        PASS = "Pass"
        FAIL = "Fail"
        IN_PROGRESS = "InProgress"

    class Decision(models.TextChoices):
        NO_RISK = "NoRisk"
        ACCOUNT_TAKEOVER = "AccountTakeover"
        BLOCK = "Block"

    class Level(models.TextChoices):
        LOW = "Low"
        MEDIUM = "Medium"
        HIGH = "High"

    class Feedback(models.TextChoices):
        VALID = "Valid"
        INVALID = "Invalid"

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_events", db_index=False)
    event_type = models.CharField(max_length=16, choices=Type.choices, default=Type.SIGN_IN)
    response = models.CharField(max_length=10, choices=Response.choices)
    risk_decision = models.CharField(max_length=15, choices=Decision.choices, default=Decision.NO_RISK)
    risk_level = models.CharField(max_length=6, choices=Level.choices, blank=True)
    risk_score = models.PositiveSmallIntegerField(default=0)
    # Which signals made the score (new_device, new_network, ...): for operators, not in Cognito's shape.
    risk_reasons = models.JSONField(default=list, blank=True)
    compromised_credentials = models.BooleanField(default=False)
    # Cognito's ChallengeResponses: [{"ChallengeName": "Password"|"Mfa", "ChallengeResponse": "Success"|"Failure"}]
    challenges = models.JSONField(default=list, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    network = models.CharField(max_length=64, blank=True, help_text="The address's /24 (IPv4) or /64 (IPv6).")
    device_key = models.CharField(max_length=64, blank=True, help_text="A digest of the device id or user agent.")
    device_name = models.CharField(max_length=256, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    city = models.CharField(max_length=128, blank=True)
    country = models.CharField(max_length=64, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    feedback_value = models.CharField(max_length=7, choices=Feedback.choices, blank=True)
    feedback_provider = models.CharField(max_length=16, blank=True, help_text="Admin or User, as Cognito's Provider.")
    feedback_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="auth_event_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.response} ({self.event_id})"
