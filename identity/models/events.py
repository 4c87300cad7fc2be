"""The audit trail: who did what to which user, when and from where."""
from __future__ import annotations

from django.db import models

from identity.models.pools import UserPool
from identity.models.users import User


class AuditEvent(models.Model):
    """One directory event. Rows are written by identity.events only, never edited."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    # Kept so the trail still reads after the user is deleted.
    username = models.CharField(max_length=128, blank=True)
    event_type = models.CharField(max_length=64)
    actor = models.CharField(max_length=160, blank=True, help_text="operator:<name>, user, client:<id> or system")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["pool", "-created_at"], name="event_pool_time_idx"),
            models.Index(fields=["user", "-created_at"], name="event_user_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.username}"
