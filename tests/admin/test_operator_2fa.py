"""Operators and TOTP: required when the setting says so, and always for an operator who has a device."""
import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("ops", "ops@example.com", "Operator-Pass-123")


def _device(operator):
    return TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)


def _code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _login(client, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": "ops", "password": "Operator-Pass-123", **extra})


def test_without_a_device_and_not_required_the_console_opens(client, operator, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = False
    assert _login(client).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_required_and_no_device_means_no_entry(client, operator, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = True
    _login(client)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_operator_with_a_device_must_give_the_code(client, operator, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = False
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise pause verification for a second
    device = _device(operator)
    refused = _login(client)
    assert refused.status_code == 200 and client.get("/admin/").status_code == 302
    wrong = _login(client, otp_device=device.persistent_id, otp_token="000000" if _code(device) != "000000" else "111111")
    assert wrong.status_code == 200
    accepted = _login(client, otp_device=device.persistent_id, otp_token=_code(device))
    assert accepted.status_code == 302 and client.get("/admin/").status_code == 200


def test_required_with_a_device_and_the_code(client, operator, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = True
    device = _device(operator)
    assert _login(client, otp_device=device.persistent_id, otp_token=_code(device)).status_code == 302
    assert client.get("/admin/identity/user/").status_code == 200


def test_operators_can_enrol_a_device_with_a_qr_code(client, operator, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = False
    client.force_login(operator)
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=False)  # enrolment: not yet confirmed
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 200
    qr = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
