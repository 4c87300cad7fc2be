"""Access keys operators sign admin calls with (SigV4), as IAM access keys are for Cognito."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiCredential(models.Model):
    """An access key id and its secret, scoped to every pool or to some.

    The secret is encrypted rather than hashed: SigV4 is an HMAC keyed by the secret, so the server
    must recompute it. A revoked key is kept (inactive) so the audit trail's actor stays explained.
    """

    access_key_id = models.CharField(max_length=128, unique=True)
    secret_encrypted = models.TextField()
    # Keys registered for local development or CI (a fixed pair) may belong to no operator.
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_credentials", null=True, blank=True
    )
    description = models.CharField(max_length=200, blank=True)
    all_pools = models.BooleanField(default=True, help_text="Off: only the pools listed may be managed with this key.")
    pools = models.ManyToManyField("identity.UserPool", blank=True, related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API access key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def principal(self) -> str:
        """Who signs with this key, as IAM names a user in its messages and our audit trail names an actor."""
        return self.operator.get_username() if self.operator_id else f"key-{self.access_key_id}"


class SigningCertificate(models.Model):
    """A pool's self-signed X.509 certificate for signing SAML requests, as GetSigningCertificate returns.

    Made on first request and kept; the private key is PKCS#8 under the key-encryption key, as the
    token signing keys are.
    """

    pool = models.OneToOneField("identity.UserPool", on_delete=models.CASCADE, related_name="saml_signing_certificate")
    certificate_der = models.BinaryField()
    private_key_encrypted = models.TextField()
    not_after = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"SAML signing certificate of {self.pool_id}"
