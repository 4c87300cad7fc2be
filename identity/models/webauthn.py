"""Passkeys of pool users (WebAuthn credentials) and the registration ceremonies under way."""
from __future__ import annotations

from django.db import models

from identity.models.pools import UserPool
from identity.models.users import User


class WebAuthnCredential(models.Model):
    """A registered passkey: its public key and signature counter, never a secret."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="webauthn_credentials")
    # base64url, as WebAuthn's JSON carries it and Cognito's CredentialId names it.
    credential_id = models.CharField(max_length=1400)
    public_key = models.BinaryField()  # COSE_Key bytes
    sign_count = models.BigIntegerField(default=0)
    relying_party_id = models.CharField(max_length=253)
    friendly_name = models.CharField(max_length=256, blank=True)
    authenticator_attachment = models.CharField(max_length=16, blank=True)
    transports = models.JSONField(default=list, blank=True)
    aaguid = models.CharField(max_length=36, blank=True)
    backed_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "passkey"
        constraints = [models.UniqueConstraint(fields=["pool", "credential_id"], name="webauthn_credential_unique_in_pool")]
        indexes = [models.Index(fields=["user", "created_at"], name="webauthn_user_idx")]

    def __str__(self) -> str:
        return self.friendly_name or f"Passkey {self.pk}"


class WebAuthnRegistration(models.Model):
    """The challenge of one StartWebAuthnRegistration: single use, short-lived, one per user at a time."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="+")
    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    # The app client whose access token started it; another client's token may not finish it.
    client_id = models.CharField(max_length=128)
    challenge = models.CharField(max_length=128)  # base64url
    relying_party_id = models.CharField(max_length=253)
    user_verification = models.CharField(max_length=9)
    expires_at = models.DateTimeField()
