"""Remembered devices, as Cognito's device tracking: keys issued at sign-in, ConfirmDevice, the device
list and its statuses, forgetting, and the device side of sign-in (device SRP, skipping MFA).

A pool with DeviceConfiguration tracks devices. An API sign-in that proved no known device gets a
new device key (NewDeviceMetadata); the client confirms it by registering a device SRP verifier of
a random device password it keeps (ConfirmDevice). A later sign-in that names the device
(DEVICE_KEY) proves it with DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER (signin.py), and a
*remembered* device does so instead of MFA when the pool's ChallengeRequiredOnNewDevice is true.
The hosted pages remember a browser the same way: its cookie holds the device key and a random
device password whose verifier is stored exactly as an SDK's (`remember_browser`).
"""
from __future__ import annotations

import datetime
import secrets
import string
import uuid

from django.core import signing
from django.db import transaction

from identity import clock, crypto, events
from identity.context import SYSTEM, RequestContext
from identity.errors import InvalidParameterException, ResourceNotFoundException, error_type
from identity.models import Device, User, UserPool
from identity.services import directory, srp

DEVICE_NOT_FOUND = "Device does not exist."
INVALID_DEVICE_KEY = "Invalid device key given."  # ConfirmDevice with a key not the access token's
DeviceKeyExistsException = error_type("DeviceKeyExistsException", "The device has already been confirmed.")
MAX_LIST = 60
# A device key never confirmed is dropped after this long (every tracked sign-in makes one).
UNCONFIRMED_LIFETIME = datetime.timedelta(days=1)
_GROUP_KEY_ALPHABET = string.ascii_letters + string.digits
Status = Device.RememberedStatus


def tracks_devices(pool: UserPool) -> bool:
    return pool.device_tracking


def skips_mfa(device: Device) -> bool:
    """A remembered device stands in for MFA when the pool says so (ChallengeRequiredOnNewDevice).
    Devices not confirmed or not remembered are asked for the second factor whatever the pool says."""
    return device.remembered and device.pool.device_challenge_required_on_new_device


def _new_device_key(pool: UserPool) -> str:
    return f"{pool.id.split('_', 1)[0]}_{uuid.uuid4()}"


def _new_group_key() -> str:
    return "-" + "".join(secrets.choice(_GROUP_KEY_ALPHABET) for _ in range(9))


def register_new_device(*, user: User, context: RequestContext = SYSTEM) -> Device:
    """A new, unconfirmed device key for a sign-in that proved no known device (NewDeviceMetadata).

    Unconfirmed keys older than UNCONFIRMED_LIFETIME are dropped first, so sign-ins from clients
    that never confirm leave no trail of rows.
    """
    Device.objects.filter(user=user, confirmed=False, created_at__lt=clock.now() - UNCONFIRMED_LIFETIME).delete()
    return Device.objects.create(
        pool_id=user.pool_id, user=user, device_key=_new_device_key(user.pool), device_group_key=_new_group_key(),
        last_ip_used=context.ip_address or None,
    )


def track_sign_in(*, user: User, proven_device_key: str, context: RequestContext = SYSTEM) -> tuple[str, dict | None]:
    """The device key an API sign-in's tokens carry, and NewDeviceMetadata when the sign-in proved no known device."""
    if proven_device_key:
        return proven_device_key, None
    if not tracks_devices(user.pool):
        return "", None
    device = register_new_device(user=user, context=context)
    return device.device_key, {"DeviceKey": device.device_key, "DeviceGroupKey": device.device_group_key}


def device_for_sign_in(*, user: User, device_key: str) -> Device:
    """The user's device a sign-in names (confirmed or not). Raises ResourceNotFoundException("Device does not exist."),
    which SDKs answer by signing in again without the key (amazon-cognito-identity-js#200)."""
    device = _device_of(user, device_key)
    if device is None:
        raise ResourceNotFoundException(DEVICE_NOT_FOUND)
    return device


def device_verifier(device: Device) -> tuple[str, int]:
    """The confirmed device's SRP salt (hex) and verifier, decrypted."""
    salt, verifier = crypto.decrypt(device.secret_verifier_encrypted).split(":")
    return salt, int(verifier, 16)


def record_authenticated(*, device: Device, context: RequestContext) -> None:
    """A sign-in proved the device: its last-authenticated date and address."""
    device.last_authenticated_at = clock.now()
    device.last_ip_used = context.ip_address or device.last_ip_used
    device.save(update_fields=["last_authenticated_at", "last_ip_used", "updated_at"])


# --- The user's own actions (an access token) and the admin ones (SigV4) -------------------------

def _device_of(user: User, device_key: str, **conditions) -> Device | None:
    """The user's device with this key (and the conditions), its pool the user's: no device of another user ever."""
    device = Device.objects.filter(user=user, device_key=str(device_key), **conditions).first() if device_key else None
    if device is not None:
        device.pool = user.pool
    return device


def _confirmed(user: User, device_key: str) -> Device:
    device = _device_of(user, device_key, confirmed=True)
    if device is None:
        raise ResourceNotFoundException(DEVICE_NOT_FOUND)
    return device


def _check_tracking(pool: UserPool) -> None:
    if not tracks_devices(pool):
        raise InvalidParameterException("Device tracking is not enabled for this user pool.")


def confirm_device(
    *, user: User, device_key: str, token_device_key: str, salt: str, password_verifier: str, device_name: str = "",
    context: RequestContext = SYSTEM,
) -> bool:
    """Register the device SRP verifier of the device key the access token was issued with
    (`token_device_key`, its device_key claim); returns UserConfirmationNecessary (true when the pool
    remembers devices only on the user's say-so).

    Only the token's own key: a token cannot put a verifier on another pending key of the user (one
    a stolen token's holder could then sign in with, skipping MFA). Cognito: ConfirmDevice. Raises
    InvalidParameterException ("Invalid device key given." for any other key, tracking off, malformed
    DeviceSecretVerifierConfig, name too long), ResourceNotFoundException (the key is gone),
    DeviceKeyExistsException (already confirmed).
    """
    _check_tracking(user.pool)
    if not token_device_key or not crypto.digests_match(str(device_key or ""), str(token_device_key)):
        raise InvalidParameterException(INVALID_DEVICE_KEY)
    parsed = srp.parse_device_verifier_config(salt_b64=salt, verifier_b64=password_verifier)
    if parsed is None:
        raise InvalidParameterException("Invalid DeviceSecretVerifierConfig.")
    if len(device_name or "") > 1024:
        raise InvalidParameterException("DeviceName must be at most 1024 characters.")
    prompt = user.pool.device_only_remembered_on_user_prompt
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(user=user, device_key=str(device_key or "")).first()
        if device is None:
            raise ResourceNotFoundException(DEVICE_NOT_FOUND)
        if device.confirmed:
            raise DeviceKeyExistsException("Device has already been confirmed.")
        salt_hex, verifier = parsed
        device.secret_verifier_encrypted = crypto.encrypt(f"{salt_hex}:{verifier:x}")
        device.confirmed = True
        device.device_name = device_name or ""
        # "Always": remembered at once; "User opt-in": not until UpdateDeviceStatus says so.
        device.remembered_status = Status.NOT_REMEMBERED if prompt else Status.REMEMBERED
        device.last_ip_used = context.ip_address or device.last_ip_used
        device.save()
        events.record("ConfirmDevice", context=context, user=user, details={"device_key": device.device_key})
    return prompt


def get_device(*, user: User, device_key: str) -> Device:
    """The user's confirmed device. Cognito: GetDevice / AdminGetDevice. Raises ResourceNotFoundException."""
    return _confirmed(user, device_key)


def list_devices(*, user: User, limit: int | None = None, pagination_token: str | None = None) -> tuple[list[Device], str | None]:
    """The user's remembered devices, newest first, `limit` (≤ 60) at a time, and the token of the next page.

    As Cognito's, the list holds remembered devices only (a not_remembered one is still found by
    GetDevice). Cognito: ListDevices / AdminListDevices. Raises InvalidParameterException (limit, token).
    """
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= MAX_LIST):
        raise InvalidParameterException(f"Limit must be between 0 and {MAX_LIST}.")
    size = limit or MAX_LIST
    rows = Device.objects.filter(user=user, confirmed=True, remembered_status=Status.REMEMBERED)
    if pagination_token:
        try:
            after = signing.loads(pagination_token, salt="list-devices", key=None)
        except signing.BadSignature:
            raise InvalidParameterException("Invalid pagination token.") from None
        if not isinstance(after, dict) or after.get("u") != user.pk or not isinstance(after.get("id"), int):
            raise InvalidParameterException("Invalid pagination token.")
        rows = rows.filter(id__lt=after["id"])
    page = list(rows.order_by("-id")[: size + 1])
    following = signing.dumps({"u": user.pk, "id": page[size - 1].id}, salt="list-devices") if len(page) > size else None
    for device in page:
        device.pool = user.pool
    return page[:size], following


def update_device_status(*, user: User, device_key: str, status: str | None, context: RequestContext = SYSTEM) -> Device:
    """Mark the user's device remembered or not_remembered. Cognito: UpdateDeviceStatus / AdminUpdateDeviceStatus.

    Raises InvalidParameterException (status), ResourceNotFoundException.
    """
    if status not in Status.values:
        raise InvalidParameterException("DeviceRememberedStatus must be remembered or not_remembered.")
    with transaction.atomic():
        device = _confirmed(user, device_key)
        device.remembered_status = status
        device.save(update_fields=["remembered_status", "updated_at"])
        events.record("UpdateDeviceStatus", context=context, user=user, details={"device_key": device.device_key, "status": status})
    return device


def forget_device(*, user: User, device_key: str, context: RequestContext = SYSTEM) -> None:
    """Delete the user's device and revoke the refresh tokens issued to it (the one way to end another
    device's session). Its access tokens run out on their own. Cognito: ForgetDevice / AdminForgetDevice.
    Raises ResourceNotFoundException.
    """
    from identity.services import tokens

    with transaction.atomic():
        device = _confirmed(user, device_key)
        tokens.revoke_device_refresh_tokens(user=user, device_key=device.device_key)
        device.delete()
        events.record("ForgetDevice", context=context, user=user, details={"device_key": device.device_key})


def admin_get_device(*, pool: UserPool, username: str, device_key: str) -> Device:
    return get_device(user=directory.get_user(pool, username), device_key=device_key)


def admin_list_devices(*, pool: UserPool, username: str, limit: int | None = None, pagination_token: str | None = None):
    return list_devices(user=directory.get_user(pool, username), limit=limit, pagination_token=pagination_token)


def admin_update_device_status(*, pool: UserPool, username: str, device_key: str, status: str | None, context: RequestContext = SYSTEM) -> Device:
    return update_device_status(user=directory.get_user(pool, username), device_key=device_key, status=status, context=context)


def admin_forget_device(*, pool: UserPool, username: str, device_key: str, context: RequestContext = SYSTEM) -> None:
    forget_device(user=directory.get_user(pool, username), device_key=device_key, context=context)


def operator_devices(user: User) -> list[Device]:
    """Every confirmed device of the user, remembered or not, for the console."""
    return list(Device.objects.filter(user=user, confirmed=True).order_by("-id"))


# --- The hosted pages: a browser remembered with a cookie ----------------------------------------

def offers_browser_remembering(pool: UserPool) -> bool:
    """Whether the hosted MFA pages offer "Remember this device": only where a remembered device would skip MFA."""
    return tracks_devices(pool) and pool.device_challenge_required_on_new_device


def remember_browser(*, user: User, context: RequestContext = SYSTEM) -> tuple[str, str]:
    """A remembered device for the browser that just passed MFA on the hosted pages; returns its key and
    a random device password for the browser's cookie. The server keeps only the password's device SRP
    verifier, in the same format as an SDK's (so one check, and a stolen database holds no password)."""
    password = secrets.token_urlsafe(32)
    with transaction.atomic():
        device = register_new_device(user=user, context=context)
        salt_hex, verifier = srp.make_device_verifier(device_group_key=device.device_group_key, device_key=device.device_key, device_password=password)
        device.secret_verifier_encrypted = crypto.encrypt(f"{salt_hex}:{verifier:x}")
        device.confirmed, device.hosted_ui, device.remembered_status = True, True, Status.REMEMBERED
        device.device_name = (context.user_agent or "")[:1024]
        device.last_authenticated_at = clock.now()
        device.save()
        events.record("ConfirmDevice", context=context, user=user, details={"device_key": device.device_key, "hosted_ui": True})
    return device.device_key, password


def browser_device(*, user: User, device_key: str, password: str, context: RequestContext = SYSTEM) -> Device | None:
    """The user's hosted-UI device whose password the browser's cookie holds, checked by recomputing its
    verifier (constant-time compare); None when there is no such device or the password is wrong (audited)."""
    device = _device_of(user, device_key, confirmed=True, hosted_ui=True)
    if device is None:
        return None
    salt_hex, verifier = device_verifier(device)
    if not srp.device_verifier_matches(salt_hex=salt_hex, verifier=verifier, device_group_key=device.device_group_key,
                                       device_key=device.device_key, device_password=password):
        events.sign_in_failed(user=user, context=context, details={"reason": "device", "device_key": device.device_key})
        return None
    return device
