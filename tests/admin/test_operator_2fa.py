"""Operators and TOTP: required when the setting says so, and always for an operator who has a device."""
from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.admin.conftest import OPERATOR_PASSWORD

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def _no_throttle_pause(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code would otherwise pause verification for a second


def device_for(operator, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=operator, name="phone", confirmed=confirmed)


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if code(device) != "000000" else "111111"


def log_in(client, **extra):
    return client.post(LOGIN, {"username": "ops", "password": OPERATOR_PASSWORD, **extra})


def console_opens(client) -> bool:
    return client.get("/admin/identity/user/").status_code == 200


def test_not_required_and_no_device_the_password_is_enough(client, operator, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = False
    assert log_in(client).status_code == 302 and console_opens(client)


def test_required_and_no_device_means_no_entry_with_the_reason(client, operator, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = True
    refused = log_in(client)
    assert refused.status_code == 200 and "requires two-factor authentication" in refused.content.decode()
    assert not console_opens(client)


def test_a_signed_in_operator_without_a_device_is_shut_out_once_required(client, operator, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = False
    client.force_login(operator)
    assert console_opens(client)
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = True
    response = client.get("/admin/identity/user/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("required", [False, True])
def test_an_operator_with_a_device_must_give_its_code(client, operator, settings, required):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = required
    device = device_for(operator)
    assert log_in(client).status_code == 200 and not console_opens(client)
    assert log_in(client, otp_token=wrong_code(device)).status_code == 200 and not console_opens(client)
    assert log_in(client, otp_token=code(device)).status_code == 302  # one step: the only device is chosen
    assert console_opens(client)


def test_the_device_may_be_named_explicitly(client, operator):
    device = device_for(operator)
    assert log_in(client, otp_device=device.persistent_id, otp_token=code(device)).status_code == 302
    assert console_opens(client)


def test_an_unconfirmed_device_does_not_count_and_cannot_be_used(client, operator, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = True
    pending = device_for(operator, confirmed=False)
    refused = log_in(client, otp_device=pending.persistent_id, otp_token=code(pending))
    assert refused.status_code == 200 and not console_opens(client)


def test_another_operators_device_cannot_be_used(client, operator, django_user_model):
    other = django_user_model.objects.create_superuser("other", "o@example.com", "Other-password-42")
    device_for(operator)
    theirs = device_for(other)
    assert log_in(client, otp_device=theirs.persistent_id, otp_token=code(theirs)).status_code == 200
    assert not console_opens(client)
