"""create_operator makes a console superuser, optionally with a TOTP device."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.commands.conftest import run_json, run_text


def test_generated_password_and_totp(db):
    result = run_json("create_operator", "--username", "ops", "--email", "ops@example.com", "--totp")
    operator = get_user_model().objects.get(username="ops")
    assert operator.is_superuser and operator.is_staff and operator.check_password(result["Password"])
    device = TOTPDevice.objects.get(user=operator)
    assert device.confirmed and result["TotpUri"] == device.config_url and result["TotpUri"].startswith("otpauth://totp/")


def test_a_given_password_is_not_printed(db):
    result = run_json("create_operator", "--username", "ops", "--password", "A-long-enough-passphrase")
    assert result == {"Username": "ops"}
    assert get_user_model().objects.get(username="ops").check_password("A-long-enough-passphrase")


def test_a_weak_password_is_refused(db):
    with pytest.raises(CommandError, match="too short"):
        run_json("create_operator", "--username", "ops", "--password", "short")
    assert not get_user_model().objects.filter(username="ops").exists()


def test_an_existing_operator_is_refused(db):
    run_json("create_operator", "--username", "ops")
    with pytest.raises(CommandError, match="already exists"):
        run_json("create_operator", "--username", "ops", "--totp")
    assert not TOTPDevice.objects.exists()


def test_human_output(db):
    text = run_text("create_operator", "--username", "ops", "--totp")
    assert "Created operator ops" in text and "password:" in text and "otpauth://" in text
