"""New recovery codes from the hosted pages, for users who enrolled an authenticator here or through the API."""
from __future__ import annotations

import datetime
import re

import pyotp
import pytest

from identity import clock
from identity.services import mfa, mfa_config
from tests import factories
from tests.hostedui.conftest import CALLBACK, Pages, text

PASSWORD = factories.DEFAULT_PASSWORD
CODE_RE = r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>"


@pytest.fixture
def moments(monkeypatch):
    """identity.clock, moved on by hand: each TOTP code is accepted once, so each answer needs a later step."""
    now = [clock.now()]
    monkeypatch.setattr(clock, "now", lambda: now[0])

    def later() -> datetime.datetime:
        now[0] += datetime.timedelta(seconds=31)
        return now[0]

    return later


@pytest.fixture
def enrolled(db, moments):
    """A pool with optional TOTP and a user who enrolled through the API (AssociateSoftwareToken/VerifySoftwareToken): no codes yet."""
    pool = factories.create_pool()
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="OPTIONAL", software_token_enabled=True)
    pool.refresh_from_db()
    app = factories.create_client(pool=pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"], callback_urls=[CALLBACK])
    user = factories.create_user(pool=pool, username="ana")
    secret = mfa.associate_software_token(user=user)
    mfa.verify_software_token(user=user, code=pyotp.TOTP(secret).at(clock.now()))
    assert mfa.unused_recovery_codes(user) == 0
    return pool, app, user, pyotp.TOTP(secret)


def sign_in(pool, app, code: str) -> Pages:
    pages = Pages(pool, app)
    challenge = pages.post(pages.get(pages.url("login")), {"username": "ana", "password": PASSWORD})
    assert "Enter the code from your authenticator app" in text(challenge)
    pages.answer = pages.post(challenge, {"code": code})
    return pages


def new_codes_page(pages):
    return pages.get(f"/{pages.pool.id}/recoveryCodes/new?client_id={pages.app.client_id}")


def test_an_api_enrolled_user_gets_codes_and_new_ones_replace_the_old(enrolled, moments):
    pool, app, user, totp = enrolled
    pages = sign_in(pool, app, totp.at(moments()))
    assert pages.answer.callback["code"]
    signed_in = pages.get(f"/{pool.id}/signedIn?client_id={app.client_id}")
    assert "New recovery codes" in text(signed_in) and "/recoveryCodes/new" in text(signed_in)

    form = new_codes_page(pages)
    assert form.status_code == 200 and "You have 0 unused recovery codes." in text(form)
    # No CSRF token, no codes.
    assert pages.http.post(form.request_url, {"code": totp.at(moments())}).status_code == 403
    # The session alone is not enough: a wrong code is refused, and nothing changes.
    wrong = pages.post(form, {"code": "000000" if totp.at(clock.now()) != "000000" else "111111"})
    assert wrong.status_code == 400 and "Invalid verification code" in text(wrong) and mfa.unused_recovery_codes(user) == 0

    first = re.findall(CODE_RE, text(pages.post(form, {"code": totp.at(moments())})))
    assert len(set(first)) == 10 and mfa.unused_recovery_codes(user) == 10
    assert first[0] not in str(dict(pages.http.session))  # shown once, kept nowhere but as digests

    # One of the codes proves the second factor for the next set; it and the rest of the first set stop working.
    again = new_codes_page(pages)
    assert "You have 10 unused recovery codes." in text(again)
    replaced = pages.post(again, {"code": first[0]})
    assert "Your old recovery codes no longer work." in text(replaced)
    second = re.findall(CODE_RE, text(replaced))
    assert len(second) == 10 and not set(first) & set(second)
    assert not mfa.use_recovery_code(user=user, code=first[1])

    # Signing in: an old code is refused, a new one works once.
    old = sign_in(pool, app, first[2])
    assert old.answer.status_code == 400 and not hasattr(old.answer, "callback")
    assert sign_in(pool, app, second[0]).answer.callback["code"]
    reused = sign_in(pool, app, second[0])
    assert reused.answer.status_code == 400 and mfa.unused_recovery_codes(user) == 9


def test_wrong_codes_lock_out_as_at_sign_in(enrolled, moments):
    pool, app, user, totp = enrolled
    pages = sign_in(pool, app, totp.at(moments()))
    form = new_codes_page(pages)
    for guess in ("100000", "200000", "300000", "400000", "500000"):
        pages.post(form, {"code": guess})
    # The clock stands still, so the lock (1 s after the fifth failure, doubling) holds: even a recovery code is refused.
    codes = mfa.generate_recovery_codes(user=user)
    locked = pages.post(form, {"code": codes[0]})
    assert locked.status_code == 400 and "Too many failed sign-in attempts" in text(locked)
    assert mfa.unused_recovery_codes(user) == 10


def test_the_page_needs_a_signed_in_user_with_an_authenticator(db, enrolled, moments):
    pool, app, user, totp = enrolled
    stranger = Pages(pool, app)
    response = stranger.http.get(f"/{pool.id}/recoveryCodes/new?client_id={app.client_id}")
    assert response.status_code == 302 and "/login" in response["Location"]
    factories.create_user(pool=pool, username="bo")
    plain = Pages(pool, app)
    assert plain.post(plain.get(plain.url("login")), {"username": "bo", "password": PASSWORD}).callback["code"]
    assert "New recovery codes" not in text(plain.get(f"/{pool.id}/signedIn?client_id={app.client_id}"))
    refused = new_codes_page(plain)
    assert refused.status_code == 400 and "Set one up first" in text(refused)
