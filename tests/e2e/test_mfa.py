"""MFA in real Chromium: an authenticator set up from its QR code's key, recovery codes, then the TOTP challenge."""
from __future__ import annotations

import re

import pyotp
from playwright.sync_api import expect

from identity.services import mfa_config
from tests.e2e.axe import assert_accessible
from tests.e2e.steps import expect_callback, fill, press, sign_in


def test_required_mfa_enrols_an_authenticator_then_asks_for_its_code(page, new_page, rp, hosted_pool, ana):
    mfa_config.set_user_pool_mfa_config(pool=hosted_pool, mfa_configuration="ON", software_token_enabled=True)
    page.goto(rp.authorize_url())
    sign_in(page, "ana")
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text().strip()
    fill(page, {"Code": pyotp.TOTP(secret).now(), "Device name (optional)": "Work phone"})
    press(page, "Confirm")
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", code) for code in codes)
    assert_accessible(page)
    page.get_by_role("link", name="Continue").click()
    expect_callback(page)
    assert rp.redeem(page.url).id_claims["cognito:username"] == "ana"

    # Another browser: the password, then a recovery code in place of the authenticator's.
    other = new_page()
    other.goto(rp.authorize_url())
    sign_in(other, "ana")
    expect(other.get_by_role("heading", name="Enter the code from your authenticator app")).to_be_visible()
    assert_accessible(other)
    fill(other, {"Code": codes[0]})
    press(other, "Confirm")
    expect_callback(other)


def test_choosing_a_factor_then_the_emailed_code(page, rp, hosted_pool, ana, mailbox):
    from identity.services import mfa

    mfa_config.set_user_pool_mfa_config(pool=hosted_pool, mfa_configuration="OPTIONAL", software_token_enabled=True, email_enabled=True)
    hosted_pool.refresh_from_db()
    ana.pool = hosted_pool
    mfa.verify_software_token(user=ana, code=pyotp.TOTP(mfa.associate_software_token(user=ana)).now())
    mfa.set_user_mfa_preference(user=ana, software_token={"Enabled": True, "PreferredMfa": False}, email={"Enabled": True})
    page.goto(rp.authorize_url())
    sign_in(page, "ana")
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email", exact=True).check()
    press(page, "Continue")
    expect(page.get_by_role("heading", name="Enter the code we emailed you")).to_be_visible()
    assert_accessible(page)
    fill(page, {"Code": mailbox.latest_code("ana@example.com")})
    press(page, "Confirm")
    expect_callback(page)
