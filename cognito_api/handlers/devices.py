"""Remembered devices: the user's own actions (an access token) and the admin ones (SigV4), as Cognito's DeviceType."""
from __future__ import annotations

from cognito_api.params import optional, pool_from, required, signed_in_user
from identity.errors import InvalidParameterException
from identity.models import Device
from identity.services import devices


def device_type(device: Device) -> dict:
    """Cognito's DeviceType."""
    attributes = [("device_status", "valid"), ("dev:device_remembered_status", device.remembered_status)]
    if device.device_name:
        attributes.append(("device_name", device.device_name))
    if device.last_ip_used:
        attributes.append(("last_ip_used", device.last_ip_used))
    shape = {
        "DeviceKey": device.device_key,
        "DeviceAttributes": [{"Name": name, "Value": value} for name, value in attributes],
        "DeviceCreateDate": device.created_at.timestamp(),
        "DeviceLastModifiedDate": device.updated_at.timestamp(),
    }
    if device.last_authenticated_at:
        shape["DeviceLastAuthenticatedDate"] = device.last_authenticated_at.timestamp()
    return shape


def _listing(page: list[Device], token: str | None) -> dict:
    body: dict = {"Devices": [device_type(d) for d in page]}
    if token:
        body["PaginationToken"] = token
    return body


def _verifier_config(params: dict) -> tuple[str, str]:
    config = optional(params, "DeviceSecretVerifierConfig", dict) or {}
    salt, verifier = config.get("Salt"), config.get("PasswordVerifier")
    if not isinstance(salt, str) or not isinstance(verifier, str):
        raise InvalidParameterException("DeviceSecretVerifierConfig needs a Salt and a PasswordVerifier.")
    return salt, verifier


def confirm_device(params: dict, context) -> dict:
    user, token = signed_in_user(params)
    salt, verifier = _verifier_config(params)
    necessary = devices.confirm_device(
        user=user, device_key=required(params, "DeviceKey"), token_device_key=str(token.claims.get("device_key") or ""),
        salt=salt, password_verifier=verifier,
        device_name=optional(params, "DeviceName") or "", context=context,
    )
    return {"UserConfirmationNecessary": necessary}


def get_device(params: dict, context) -> dict:
    user, _ = signed_in_user(params)
    return {"Device": device_type(devices.get_device(user=user, device_key=required(params, "DeviceKey")))}


def list_devices(params: dict, context) -> dict:
    user, _ = signed_in_user(params)
    page, token = devices.list_devices(user=user, limit=optional(params, "Limit", int), pagination_token=optional(params, "PaginationToken"))
    return _listing(page, token)


def update_device_status(params: dict, context) -> dict:
    user, _ = signed_in_user(params)
    devices.update_device_status(
        user=user, device_key=required(params, "DeviceKey"), status=optional(params, "DeviceRememberedStatus"), context=context,
    )
    return {}


def forget_device(params: dict, context) -> dict:
    user, _ = signed_in_user(params)
    devices.forget_device(user=user, device_key=required(params, "DeviceKey"), context=context)
    return {}


def admin_get_device(params: dict, context) -> dict:
    device = devices.admin_get_device(pool=pool_from(params), username=required(params, "Username"), device_key=required(params, "DeviceKey"))
    return {"Device": device_type(device)}


def admin_list_devices(params: dict, context) -> dict:
    page, token = devices.admin_list_devices(
        pool=pool_from(params), username=required(params, "Username"), limit=optional(params, "Limit", int),
        pagination_token=optional(params, "PaginationToken"),
    )
    return _listing(page, token)


def admin_update_device_status(params: dict, context) -> dict:
    devices.admin_update_device_status(
        pool=pool_from(params), username=required(params, "Username"), device_key=required(params, "DeviceKey"),
        status=optional(params, "DeviceRememberedStatus"), context=context,
    )
    return {}


def admin_forget_device(params: dict, context) -> dict:
    devices.admin_forget_device(pool=pool_from(params), username=required(params, "Username"), device_key=required(params, "DeviceKey"), context=context)
    return {}


ACTIONS = {
    "ConfirmDevice": confirm_device,
    "GetDevice": get_device,
    "ListDevices": list_devices,
    "UpdateDeviceStatus": update_device_status,
    "ForgetDevice": forget_device,
}
SIGNED_ACTIONS = {
    "AdminGetDevice": admin_get_device,
    "AdminListDevices": admin_list_devices,
    "AdminUpdateDeviceStatus": admin_update_device_status,
    "AdminForgetDevice": admin_forget_device,
}
