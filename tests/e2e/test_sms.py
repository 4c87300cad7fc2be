"""SMS MFA in real Chromium: the code goes through the Twilio sender to a fake Twilio, and the person types it in."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from identity.services import mfa, mfa_config
from tests import factories
from tests.e2e.axe import assert_accessible
from tests.e2e.steps import expect_callback, expect_page, fill, press, sign_in
from tests.twilio_fake import running_twilio, use_twilio

PHONE = "+15555550123"


@pytest.fixture
def twilio(settings):
    with running_twilio() as fake:
        use_twilio(settings, fake)
        yield fake


@pytest.fixture
def cai(hosted_pool):
    mfa_config.set_user_pool_mfa_config(pool=hosted_pool, mfa_configuration="OPTIONAL", sms_enabled=True,
                                        sms_message="Your Userpools code is {####}")
    hosted_pool.refresh_from_db()
    user = factories.create_user(pool=hosted_pool, username="cai", attributes={"phone_number": PHONE, "phone_number_verified": "true"})
    mfa.set_user_mfa_preference(user=user, sms={"Enabled": True, "PreferredMfa": True})
    return user


def test_the_texted_code_signs_in(page, rp, cai, twilio):
    page.goto(rp.authorize_url())
    sign_in(page, "cai")
    expect(page.get_by_role("heading", name="Enter the code we texted you")).to_be_visible()
    expect(page.get_by_text("+*******0123")).to_be_visible()
    assert PHONE not in page.content()
    assert_accessible(page)
    (text,) = twilio.messages
    assert text["To"] == PHONE and text["Body"].startswith("Your Userpools code is ")
    fill(page, {"Code": twilio.latest_code(PHONE)})
    press(page, "Confirm")
    expect_callback(page)
    assert rp.redeem(page.url).id_claims["cognito:username"] == "cai"


def test_a_text_that_could_not_be_sent_is_said_on_the_sign_in_page(page, rp, hosted_pool, cai, twilio):
    twilio.fail_next(503, "<html>Service Unavailable</html>")
    page.goto(rp.authorize_url())
    sign_in(page, "cai")
    expect_page(page, hosted_pool, "login")
    expect(page.get_by_role("alert")).to_have_text("We could not send the code. Try again later.")
    assert_accessible(page)
    # Twilio answers again: the same form, the same password, and this time the code arrives.
    fill(page, {"Password": factories.DEFAULT_PASSWORD})
    press(page, "Sign in")
    expect(page.get_by_role("heading", name="Enter the code we texted you")).to_be_visible()
    fill(page, {"Code": twilio.latest_code(PHONE)})
    press(page, "Confirm")
    expect_callback(page)
