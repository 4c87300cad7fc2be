"""Remembered devices of pool users (Cognito's device tracking): a key per device, a device SRP verifier once confirmed."""
from __future__ import annotations

from django.db import models

from identity.models.pools import UserPool
from identity.models.users import User


class Device(models.Model):
    """A device a user signed in on, as Cognito's DeviceType.

    Created with a new key when a sign-in in a tracking pool did not prove a known device
    (NewDeviceMetadata); confirmed when the client registers its device SRP verifier
    (ConfirmDevice); remembered devices may stand in for MFA (identity/services/devices.py).
    """

    class RememberedStatus(models.TextChoices):
        REMEMBERED = "remembered"
        NOT_REMEMBERED = "not_remembered"

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    # `<region part of the pool id>_<uuid4>`, Cognito's DeviceKeyType ([\w-]+_[0-9a-f-]+).
    device_key = models.CharField(max_length=55, unique=True)
    device_group_key = models.CharField(max_length=64)
    # "salt-hex:verifier-hex" encrypted under the key-encryption key, as users' SRP verifiers are.
    secret_verifier_encrypted = models.TextField(blank=True)
    confirmed = models.BooleanField(default=False)
    remembered_status = models.CharField(max_length=14, choices=RememberedStatus.choices, default=RememberedStatus.NOT_REMEMBERED)
    device_name = models.CharField(max_length=1024, blank=True)
    last_ip_used = models.GenericIPAddressField(null=True, blank=True)
    # Set when the device was registered through the hosted pages (a browser cookie), not an SDK.
    hosted_ui = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_authenticated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "confirmed", "remembered_status"], name="device_user_idx")]

    def __str__(self) -> str:
        return self.device_name or self.device_key

    @property
    def remembered(self) -> bool:
        return self.confirmed and self.remembered_status == self.RememberedStatus.REMEMBERED
