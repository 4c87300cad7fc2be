"""MFA on the hosted pages: each challenge of the state machine is a page, with no flow of its own."""
from __future__ import annotations

import datetime
import re

import pyotp
import pytest

from identity import clock
from identity.messaging import MemorySmsSender
from identity.services import mfa, mfa_config
from tests import factories
from tests.hostedui.conftest import CALLBACK, Pages, last_code, text

PASSWORD = factories.DEFAULT_PASSWORD


def _pages(mode="OPTIONAL", **factors):
    pool = factories.create_pool()
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration=mode, **factors)
    pool.refresh_from_db()
    app = factories.create_client(pool=pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"], callback_urls=[CALLBACK])
    return pool, Pages(pool, app)


def _sign_in(pages, username="ana"):
    return pages.post(pages.get(pages.url("login")), {"username": username, "password": PASSWORD})


@pytest.fixture
def later(monkeypatch):
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + datetime.timedelta(seconds=60))
    return clock.now


def test_required_mfa_sets_up_an_authenticator_with_a_qr_code_then_shows_recovery_codes(db):
    pool, pages = _pages("ON", software_token_enabled=True)
    factories.create_user(pool=pool, username="ana")
    setup = _sign_in(pages)
    body = text(setup)
    assert "Set up an authenticator app" in body and 'src="data:image/svg+xml;base64,' in body
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', body).group(1)
    # a reload keeps the same secret (the session was advanced once), and the session store holds it only encrypted
    assert secret in text(pages.get(setup.request_url))
    assert secret not in str(dict(pages.http.session))
    wrong = pages.post(setup, {"code": "000000", "device_name": "phone"})
    assert wrong.status_code == 400 and "That code is not right." in text(wrong)
    codes_page = pages.post(setup, {"code": pyotp.TOTP(secret).now(), "device_name": "phone"})
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", text(codes_page))
    assert len(codes) == 10 and "Save your recovery codes" in text(codes_page)
    assert codes[0] not in str(dict(pages.http.session))
    landed = pages.get(re.search(r'href="([^"]+)">Continue', text(codes_page)).group(1).replace("&amp;", "&"))
    assert landed.callback["code"]

    # next time: the authenticator code, or a recovery code
    again = Pages(pool, pages.app)
    challenge = _sign_in(again)
    assert "Enter the code from your authenticator app" in text(challenge)
    assert again.post(challenge, {"code": codes[0]}).callback["code"]


def test_totp_challenge_refuses_a_wrong_code_on_the_page(db, later):
    pool, pages = _pages(software_token_enabled=True)
    user = factories.create_user(pool=pool, username="ana")
    secret = mfa.associate_software_token(user=user)
    mfa.verify_software_token(user=user, code=pyotp.TOTP(secret).at(clock.now() - datetime.timedelta(seconds=30)))
    challenge = _sign_in(pages)
    wrong = pages.post(challenge, {"code": "123456" if pyotp.TOTP(secret).at(clock.now()) != "123456" else "654321"})
    assert wrong.status_code == 400 and "Invalid verification code provided" in text(wrong)
    assert pages.post(challenge, {"code": pyotp.TOTP(secret).at(clock.now())}).callback["code"]


def test_sms_code_page(db, settings):
    settings.USERPOOLS_SMS_SENDER = "memory"
    MemorySmsSender.outbox.clear()
    pool, pages = _pages(sms_enabled=True)
    user = factories.create_user(pool=pool, username="ana", attributes={"phone_number": "+15555550123"})
    mfa.set_user_mfa_preference(user=user, sms={"Enabled": True, "PreferredMfa": True})
    challenge = _sign_in(pages)
    assert "Enter the code we texted you" in text(challenge) and "+15555550123" not in text(challenge)
    code = re.search(r"(\d{6})", MemorySmsSender.outbox[-1]["body"]).group(1)
    assert pages.post(challenge, {"code": code}).callback["code"]


def test_choosing_a_factor_then_the_email_code(db):
    pool, pages = _pages(sms_enabled=True, email_enabled=True)
    user = factories.create_user(pool=pool, username="ana", attributes={"phone_number": "+15555550123", "email": "ana@example.com"})
    mfa.set_user_mfa_preference(user=user, sms={"Enabled": True}, email={"Enabled": True})
    choose = _sign_in(pages)
    assert "Confirm it&#x27;s you" in text(choose) and "<fieldset" in text(choose)
    code_page = pages.post(choose, {"factor": "EMAIL_OTP"})
    assert "Enter the code we emailed you" in text(code_page)
    assert pages.post(code_page, {"code": last_code("ana@example.com")}).callback["code"]


def test_required_email_mfa_without_a_verified_email_is_set_up_on_the_page(db):
    # The pool offers email codes only: no authenticator QR, but a form for the address, proven by the first code.
    from django.core import mail

    pool, pages = _pages("ON", email_enabled=True)
    user = factories.create_user(pool=pool, username="ana", attributes={"email": "old@example.com"})  # not verified
    setup = _sign_in(pages)
    body = text(setup)
    assert setup.status_code == 200 and "Add a second step to your sign-in" in body and "With codes by email" in body
    assert "authenticator" not in body.lower() and "data:image/svg+xml" not in body
    refused = pages.post(setup, {"method": "email", "email-email": "not an address"})
    assert refused.status_code == 400 and "Enter a valid email address" in text(refused)
    mail.outbox.clear()
    code_page = pages.post(setup, {"method": "email", "email-email": "ana@example.com"})
    assert "Enter the code we emailed you" in text(code_page) and "a***@e***" in text(code_page)
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    user.refresh_from_db()
    assert user.attributes["email"] == "old@example.com"  # nothing changes before the code comes back
    assert pages.post(code_page, {"code": last_code("ana@example.com")}).callback["code"]
    user.refresh_from_db()
    assert user.attributes["email"] == "ana@example.com" and user.is_verified("email")
    assert mfa.mfa_settings(user)["UserMFASettingList"] == ["EMAIL_OTP"]
    # next time the code comes straight after the password
    assert "Enter the code we emailed you" in text(_sign_in(Pages(pool, pages.app)))


def test_required_sms_mfa_without_a_phone_says_what_to_do(db):
    pool, pages = _pages("ON", sms_enabled=True)
    factories.create_user(pool=pool, username="ana", attributes={"phone_number": "+15555550123"})  # not verified
    setup = _sign_in(pages)
    body = text(setup)
    assert setup.status_code == 200 and "With codes by text message" in body
    assert "Ask your administrator to add or verify your phone number, then sign in again." in body
    assert "data:image/svg+xml" not in body and 'name="code"' not in body and "Back to sign in" in body


def test_sms_or_email_offers_the_email_set_up_and_says_what_sms_needs(db):
    pool, pages = _pages("ON", sms_enabled=True, email_enabled=True)
    factories.create_user(pool=pool, username="ana")
    body = text(_sign_in(pages))
    assert "With codes by email" in body and "With codes by text message" in body and "data:image/svg+xml" not in body


def test_totp_or_email_shows_both_ways_and_the_authenticator_still_works(db):
    pool, pages = _pages("ON", software_token_enabled=True, email_enabled=True)
    factories.create_user(pool=pool, username="ana")
    setup = _sign_in(pages)
    body = text(setup)
    assert "With an authenticator app" in body and "With codes by email" in body
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', body).group(1)
    codes_page = pages.post(setup, {"method": "totp", "code": pyotp.TOTP(secret).now(), "device_name": "phone"})
    assert "Save your recovery codes" in text(codes_page)


def test_a_passkey_as_the_second_factor_on_the_pages_and_a_wrong_one_said_plainly(db, settings):
    import html
    import json

    from identity.services import passkeys
    from tests.webauthn_authenticator import SoftwarePasskey

    settings.USERPOOLS_BASE_URL = "http://localhost"  # the relying party: the test client's host
    pool = factories.create_pool(allowed_first_auth_factors=["PASSWORD", "WEB_AUTHN"])
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="OPTIONAL", email_enabled=True,
                                        webauthn={"FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})
    pool.refresh_from_db()
    app = factories.create_client(pool=pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"], callback_urls=[CALLBACK])
    pages = Pages(pool, app)
    user = factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    authenticator = SoftwarePasskey(origin="http://localhost")
    options = passkeys.start_web_authn_registration(user=user, client_id=app.client_id)
    passkeys.complete_web_authn_registration(user=user, client_id=app.client_id, credential=authenticator.create(options))
    mfa.set_user_mfa_preference(user=user, email={"Enabled": True}, webauthn={"Enabled": True})

    choose = _sign_in(pages)
    assert 'value="WEB_AUTHN"' in text(choose) and ">Passkey<" in text(choose)
    step = pages.post(choose, {"factor": "WEB_AUTHN"})
    request = json.loads(html.unescape(re.search(r'data-passkey-get="([^"]+)"', text(step)).group(1)))
    assert request["userVerification"] == "required" and len(request["allowCredentials"]) == 1
    stranger = SoftwarePasskey(origin="http://localhost").get(request)
    wrong = pages.post(step, {"credential": json.dumps(stranger)})
    assert wrong.status_code == 400 and "That passkey could not be verified." in text(wrong)
    assert pages.post(step, {"credential": json.dumps(authenticator.get(request))}).callback["code"]


def _tracking(pool, *, prompt: bool, skip: bool = True):
    from identity.services import pools

    pools.update_user_pool(pool=pool, device_tracking=True, device_challenge_required_on_new_device=skip,
                           device_only_remembered_on_user_prompt=prompt)
    pool.refresh_from_db()


def test_remember_this_device_on_the_code_page(db, later):
    from hostedui import device_cookie
    from identity.models import Device

    pool, pages = _pages("ON", email_enabled=True)
    factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    # Not offered where a remembered device would not skip MFA.
    _tracking(pool, prompt=False, skip=False)
    assert "Remember this device" not in text(_sign_in(pages))
    # "Always": offered and ticked; unticked, nothing is remembered.
    _tracking(pool, prompt=False)
    first = Pages(pool, pages.app)
    challenge = _sign_in(first)
    assert re.search(r'name="remember_device" id="id_remember_device" checked', text(challenge))
    landed = first.post(challenge, {"code": last_code("ana@example.com")})
    assert landed.callback["code"] and not Device.objects.exists()
    assert device_cookie.name_for(pool) not in first.http.cookies
    # Ticked: the browser gets its cookie, the server a verifier of the cookie's password (never the password).
    second = Pages(pool, pages.app)
    challenge = _sign_in(second)
    landed = second.post(challenge, {"code": last_code("ana@example.com"), "remember_device": "on"})
    assert landed.callback["code"]
    cookie = second.http.cookies[device_cookie.name_for(pool)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"] and int(cookie["max-age"]) >= 86400 * 300
    key, password = cookie.value.split(":", 1)
    device = Device.objects.get(device_key=key)
    assert device.remembered and device.hosted_ui and password not in device.secret_verifier_encrypted
    # In Spanish.
    spanish = Pages(pool, pages.app, lang="es")
    assert "Recordar este dispositivo" in text(_sign_in(spanish))
