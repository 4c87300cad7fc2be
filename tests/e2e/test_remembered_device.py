"""A remembered browser in real Chromium: MFA with "Remember this device" ticked, sign out, sign in again without the code."""
from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from identity.models import Device
from identity.services import mfa, mfa_config, pools
from tests.e2e.axe import assert_accessible
from tests.e2e.steps import expect_callback, expect_page, fill, press, sign_in


def test_a_remembered_browser_skips_the_code_next_time(page, new_page, rp, hosted_pool, ana):
    mfa_config.set_user_pool_mfa_config(pool=hosted_pool, mfa_configuration="ON", software_token_enabled=True)
    pools.update_user_pool(pool=hosted_pool, device_tracking=True, device_challenge_required_on_new_device=True,
                           device_only_remembered_on_user_prompt=True)
    hosted_pool.refresh_from_db()
    ana.pool = hosted_pool
    totp = pyotp.TOTP(mfa.associate_software_token(user=ana))
    mfa.verify_software_token(user=ana, code=totp.now())
    recovery = mfa.generate_recovery_codes(user=ana)

    page.goto(rp.authorize_url())
    sign_in(page, "ana")
    expect(page.get_by_role("heading", name="Enter the code from your authenticator app")).to_be_visible()
    remember = page.get_by_label("Remember this device")
    expect(remember).not_to_be_checked()  # the pool remembers devices only when the user asks
    assert_accessible(page)
    remember.check()
    fill(page, {"Code": recovery[0]})  # the enrolment spent this time step's TOTP code
    press(page, "Confirm")
    expect_callback(page)
    cookie = next(c for c in page.context.cookies() if c["name"] == f"userpools_device_{hosted_pool.id}")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0
    device = Device.objects.get(user=ana)
    assert device.hosted_ui and device.remembered and cookie["value"].startswith(device.device_key + ":")
    assert cookie["value"].split(":", 1)[1] not in device.secret_verifier_encrypted

    # Sign out, then in again in the same browser: straight back to the app, no code page.
    page.goto(f"{rp.issuer}/signedIn?client_id={rp.client.client_id}")
    press(page, "Sign out")
    page.goto(rp.authorize_url())
    expect_page(page, rp.pool, "login")
    sign_in(page, "ana")
    expect_callback(page)
    assert rp.redeem(page.url).id_claims["cognito:username"] == "ana"

    # Another browser has no cookie: it is asked for the code, and a forged cookie changes nothing.
    other = new_page()
    other.context.add_cookies([{"name": cookie["name"], "value": f"{device.device_key}:forged", "url": rp.issuer}])
    other.goto(rp.authorize_url())
    sign_in(other, "ana")
    expect(other.get_by_role("heading", name="Enter the code from your authenticator app")).to_be_visible()
