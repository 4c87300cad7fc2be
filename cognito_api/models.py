"""API credentials operators sign admin calls with (SigV4), as IAM access keys are for Cognito."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiCredential(models.Model):
    """An access key id and its secret; the secret is encrypted (SigV4 needs it to recompute signatures)."""

    access_key_id = models.CharField(max_length=32, unique=True)
    secret_encrypted = models.TextField()
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_credentials")
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API credential"

    def __str__(self) -> str:
        return self.access_key_id
