"""Passwordless sign-in in real Chromium: a passkey registered and used through the DevTools virtual authenticator,
and a code by email on the page that asks for the sign-in method (also without JavaScript)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from identity.models import WebAuthnCredential
from identity.services import pools
from tests import factories
from tests.e2e.axe import assert_accessible
from tests.e2e.steps import expect_callback, expect_page, fill, press, sign_in


@pytest.fixture
def hosted_pool(transactional_db):
    # No WebAuthn RelyingPartyId and no domain: the RP id is USERPOOLS_BASE_URL's host, "localhost" here.
    return factories.create_pool(allowed_first_auth_factors=["PASSWORD", "WEB_AUTHN", "EMAIL_OTP"])


@pytest.fixture
def app(hosted_pool, live_server):
    return factories.create_client(
        pool=hosted_pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email", "profile"],
        callback_urls=[f"{live_server.url}/callback-demo"], logout_urls=[f"{live_server.url}/callback-demo"],
        explicit_auth_flows=["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )


def _virtual_authenticator(page) -> tuple[object, str]:
    """A platform passkey provider that verifies the user (as Touch ID would), in this page's DevTools session."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    created = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    return devtools, created["authenticatorId"]


def test_a_passkey_registered_after_signing_in_then_signs_in_without_a_password(page, rp, hosted_pool, ana, live_server):
    assert live_server.url.startswith("http://localhost:")
    devtools, authenticator = _virtual_authenticator(page)

    # Sign in with the password, then add a passkey on the passkeys page.
    page.goto(rp.authorize_url())
    sign_in(page, "ana")
    expect_callback(page)
    page.goto(f"{live_server.url}/{hosted_pool.id}/passkeys?client_id={rp.client.client_id}")
    expect(page.get_by_role("heading", name="Your passkeys")).to_be_visible()
    assert_accessible(page)
    fill(page, {"Passkey name (optional)": "This laptop"})
    press(page, "Add a passkey")
    expect(page.get_by_role("status")).to_have_text("Your passkey was added.")
    expect(page.get_by_role("list", name="Registered passkeys")).to_contain_text("This laptop")
    held = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(held) == 1 and held[0]["isResidentCredential"] and held[0]["rpId"] == "localhost"
    stored = WebAuthnCredential.objects.get()
    assert stored.user == ana and stored.relying_party_id == "localhost" and stored.friendly_name == "This laptop"

    # Signed out (a new session), the passkey is the way in.
    page.context.clear_cookies()
    page.goto(rp.authorize_url())
    page.get_by_role("link", name="Sign in another way").click()
    expect_page(page, hosted_pool, "signInOptions")
    assert_accessible(page)
    fill(page, {"Username": "ana"})
    page.get_by_label("Passkey", exact=True).check()
    press(page, "Continue")
    expect(page.get_by_role("heading", name="Sign in with your passkey")).to_be_visible()
    assert_accessible(page)
    press(page, "Use my passkey")
    expect_callback(page)
    tokens = rp.redeem(page.url)
    assert tokens.id_claims["cognito:username"] == "ana"
    stored.refresh_from_db()
    assert stored.sign_count >= 1 and stored.last_used_at is not None
    counted = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"][0]["signCount"]
    assert counted == stored.sign_count

    # Signed in by the passkey, the user can remove it.
    page.goto(f"{live_server.url}/{hosted_pool.id}/passkeys?client_id={rp.client.client_id}")
    press(page, "Remove This laptop")
    expect(page.get_by_role("status")).to_have_text("The passkey was removed.")
    expect(page.get_by_role("list", name="Registered passkeys")).to_have_count(0)
    assert not WebAuthnCredential.objects.exists()


def test_the_passkey_page_asks_to_sign_in_first(page, rp, hosted_pool):
    page.goto(f"/{hosted_pool.id}/passkeys?client_id={rp.client.client_id}")
    expect_page(page, hosted_pool, "login")
    expect(page.get_by_role("status")).to_have_text("Sign in to manage your passkeys.")


@pytest.mark.parametrize("javascript", [True, False])
def test_an_emailed_code_signs_in_from_the_method_page_with_or_without_javascript(new_page, rp, hosted_pool, ana, mailbox, javascript):
    page = new_page(java_script_enabled=javascript)
    page.goto(rp.authorize_url())
    page.get_by_role("link", name="Sign in another way").click()
    fill(page, {"Username": "ana"})
    page.get_by_label("Email me a code", exact=True).check()
    press(page, "Continue")
    expect(page.get_by_role("heading", name="Enter the code we emailed you")).to_be_visible()
    fill(page, {"Code": "000000" if mailbox.latest_code("ana@example.com") != "000000" else "111111"})
    press(page, "Confirm")
    expect(page.get_by_role("alert")).to_contain_text("Invalid verification code")
    fill(page, {"Code": mailbox.latest_code("ana@example.com")})
    press(page, "Confirm")
    expect_callback(page)
    assert rp.redeem(page.url).id_claims["cognito:username"] == "ana"


def test_a_method_the_account_lacks_looks_as_it_does_for_a_name_nobody_has(page, rp, hosted_pool, ana):
    # The app client hides who exists, so "not set up for this account" would tell that the account exists.
    for name in ("ana", "nobody"):  # ana has no passkey yet
        page.goto(rp.authorize_url())
        page.get_by_role("link", name="Sign in another way").click()
        fill(page, {"Username": name})
        page.get_by_label("Passkey", exact=True).check()
        press(page, "Continue")
        expect(page.get_by_role("heading", name="Sign in with your passkey")).to_be_visible()
        expect(page.get_by_text("This way of signing in is not set up for this account.")).to_have_count(0)


def test_a_client_that_does_not_hide_users_says_the_method_is_not_set_up(page, hosted_pool, ana, live_server):
    from tests.e2e.relying_party import RelyingParty

    legacy = factories.create_client(
        pool=hosted_pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email", "profile"], callback_urls=[f"{live_server.url}/callback-demo"],
        explicit_auth_flows=["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH"], prevent_user_existence_errors="LEGACY",
    )
    page.goto(RelyingParty(base_url=live_server.url, pool=hosted_pool, client=legacy, redirect_uri=legacy.callback_urls[0]).authorize_url())
    page.get_by_role("link", name="Sign in another way").click()
    fill(page, {"Username": "ana"})
    page.get_by_label("Passkey", exact=True).check()
    press(page, "Continue")
    expect(page.get_by_text("This way of signing in is not set up for this account. Choose another.")).to_be_visible()


def test_the_login_page_offers_no_other_way_when_the_pool_allows_only_passwords(page, rp, hosted_pool):
    pools.update_user_pool(pool=hosted_pool, allowed_first_auth_factors=["PASSWORD"])
    page.goto(rp.authorize_url())
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in another way")).to_have_count(0)


def test_password_then_a_passkey_as_the_second_factor(page, rp, hosted_pool, ana, live_server):
    from identity.services import mfa, mfa_config

    mfa_config.set_user_pool_mfa_config(pool=hosted_pool, mfa_configuration="OPTIONAL", email_enabled=True,
                                        webauthn={"FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})
    devtools, authenticator = _virtual_authenticator(page)
    # No MFA yet: the password signs in, and a passkey is added.
    page.goto(rp.authorize_url())
    sign_in(page, "ana")
    expect_callback(page)
    page.goto(f"{live_server.url}/{hosted_pool.id}/passkeys?client_id={rp.client.client_id}")
    press(page, "Add a passkey")
    expect(page.get_by_role("status")).to_have_text("Your passkey was added.")
    ana.refresh_from_db()
    mfa.set_user_mfa_preference(user=ana, email={"Enabled": True}, webauthn={"Enabled": True})

    # A new session: after the password, the passkey is offered beside the emailed code.
    page.context.clear_cookies()
    page.goto(rp.authorize_url())
    sign_in(page, "ana")
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Passkey", exact=True).check()
    press(page, "Continue")
    expect(page.get_by_role("heading", name="Sign in with your passkey")).to_be_visible()
    press(page, "Use my passkey")
    expect_callback(page)
    tokens = rp.redeem(page.url)
    assert tokens.id_claims["cognito:username"] == "ana" and tokens.id_claims["amr"] == ["pwd", "mfa", "hwk"]
    counted = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"][0]["signCount"]
    assert counted == WebAuthnCredential.objects.get().sign_count >= 1
