"""Second factors of pool users: TOTP authenticators, recovery codes, and the user's MFA choices."""
from __future__ import annotations

from django.db import models

from identity.models.pools import UserPool
from identity.models.users import User


class MfaPreference(models.Model):
    """Which factors a user has turned on and which one is preferred (SetUserMFAPreference)."""

    class Factor(models.TextChoices):
        SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
        SMS_MFA = "SMS_MFA"
        EMAIL_OTP = "EMAIL_OTP"

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="mfa")
    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    software_token_enabled = models.BooleanField(default=False)
    sms_enabled = models.BooleanField(default=False)
    email_enabled = models.BooleanField(default=False)
    preferred = models.CharField(max_length=20, choices=Factor.choices, blank=True)
    # Cognito's WebAuthnMfaSettings: a passkey that verifies the user counts as MFA (never "preferred").
    webauthn_enabled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def enabled_factors(self) -> list[str]:
        flags = ((self.software_token_enabled, self.Factor.SOFTWARE_TOKEN_MFA), (self.sms_enabled, self.Factor.SMS_MFA),
                 (self.email_enabled, self.Factor.EMAIL_OTP))
        return [str(factor) for on, factor in flags if on]


class TotpDevice(models.Model):
    """An authenticator app's shared secret (RFC 6238), encrypted at rest; a user may have several."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="totp_devices")
    name = models.CharField(max_length=128, blank=True)
    secret_encrypted = models.TextField()
    confirmed = models.BooleanField(default=False)
    # The last time step accepted: a code is never accepted twice (RFC 6238 §5.2).
    last_step = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "TOTP device"
        indexes = [models.Index(fields=["user", "confirmed"], name="totp_user_confirmed_idx")]

    def __str__(self) -> str:
        return self.name or f"TOTP device {self.pk}"


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator when it is lost; only its digest is kept."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_digest"], name="recovery_code_unique")]
