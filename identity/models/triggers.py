"""The log of trigger invocations: what ran, for how long, and how it ended."""
from __future__ import annotations

from django.db import models

from identity.models.pools import UserPool


class TriggerInvocation(models.Model):
    """One invocation of a pool's trigger. Written by identity.triggers only; never holds the event,
    so no password, code or attribute value lands here."""

    class TargetKind(models.TextChoices):
        PYTHON = "python"
        WEBHOOK = "webhook"

    class Outcome(models.TextChoices):
        OK = "ok"
        # The handler raised, or the webhook answered 4xx with an errorMessage: the caller sees
        # UserLambdaValidationException.
        REJECTED = "rejected"
        INVALID_RESPONSE = "invalid_response"
        UNREACHABLE = "unreachable"  # timeout, connection error, 5xx after every attempt
        REFUSED = "refused"  # the target resolves to a private address and that is not allowed

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="trigger_invocations", db_index=False)
    trigger = models.CharField(max_length=40, help_text="The LambdaConfig key: PreSignUp, PreTokenGeneration, …")
    trigger_source = models.CharField(max_length=64)
    target_kind = models.CharField(max_length=8, choices=TargetKind.choices)
    # Only the scheme, host and path of a webhook (never its query string, which may carry a token).
    target = models.CharField(max_length=512)
    attempts = models.PositiveSmallIntegerField(default=1)
    duration_ms = models.PositiveIntegerField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error_message = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pool", "-created_at"], name="trigger_inv_pool_time_idx")]

    def __str__(self) -> str:
        return f"{self.trigger_source} {self.outcome}"
