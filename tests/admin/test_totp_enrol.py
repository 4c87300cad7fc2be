"""An operator enrols their own authenticator in the console: QR code, then one code to confirm it."""
from __future__ import annotations

import pytest
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.admin.conftest import admin_url, messages_of
from tests.admin.test_operator_2fa import code, wrong_code


@pytest.fixture(autouse=True)
def _no_throttle_pause(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_enrolment_shows_the_qr_code_then_confirms_with_a_code(console, operator):
    added = console.post(admin_url("otp_totp_totpdevice_add"), {"name": "phone", "key": "ignored", "confirmed": "on"})
    device = TOTPDevice.objects.get(user=operator)
    assert not device.confirmed  # confirmed only by a code from the app
    assert added["Location"] == admin_url("otp_totp_totpdevice_enrol", device.pk)
    page = console.get(added["Location"])
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert 'src="data:image/svg+xml;base64,' in page.content.decode() and escape(device.config_url) in page.content.decode()
    wrong = console.post(added["Location"], {"token": wrong_code(device)})
    assert wrong.status_code == 200 and "does not match" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    done = console.post(added["Location"], {"token": code(device)}, follow=True)
    device.refresh_from_db()
    assert device.confirmed and any("enrolled" in m for m in messages_of(done))
    # The session was verified by the new device, so the operator is not shut out.
    assert console.get(admin_url("identity_user_changelist")).status_code == 200


def test_a_confirmed_device_never_shows_its_key_again(console, operator):
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    console.force_login(operator)
    # (a device-holding operator's session must be verified; force the verification the login form would give)
    session = console.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    change = console.get(admin_url("otp_totp_totpdevice_change", device.pk))
    assert change.status_code == 200 and device.key not in change.content.decode()
    enrol = console.get(admin_url("otp_totp_totpdevice_enrol", device.pk), follow=True)
    assert escape(device.config_url) not in enrol.content.decode()
    assert console.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code in (302, 404)


def test_another_operators_pending_device_cannot_be_enrolled(console, django_user_model):
    other = django_user_model.objects.create_superuser("other", "o@example.com", "Other-password-42")
    theirs = TOTPDevice.objects.create(user=other, name="phone", confirmed=False)
    response = console.get(admin_url("otp_totp_totpdevice_enrol", theirs.pk), follow=True)
    assert escape(theirs.config_url) not in response.content.decode()
    assert console.post(admin_url("otp_totp_totpdevice_enrol", theirs.pk), {"token": code(theirs)}).status_code == 302
    theirs.refresh_from_db()
    assert not theirs.confirmed
