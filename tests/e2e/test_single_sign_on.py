"""The pool's hosted-UI session: a second app signs in without a password, prompt=login asks again, sign-out ends it."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.axe import assert_accessible
from tests.e2e.relying_party import RelyingParty
from tests.e2e.steps import expect_callback, expect_page, press, sign_in


@pytest.fixture
def second_rp(live_server, hosted_pool):
    other = factories.create_client(
        pool=hosted_pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email"],
        callback_urls=[f"{live_server.url}/callback-demo"],
    )
    return RelyingParty(base_url=live_server.url, pool=hosted_pool, client=other, redirect_uri=other.callback_urls[0])


def _signed_in(page, rp):
    page.goto(rp.authorize_url())
    sign_in(page, "ana")
    expect_callback(page)
    return rp.redeem(page.url)


def test_a_second_app_of_the_pool_signs_in_without_a_password(page, rp, second_rp, ana):
    first = _signed_in(page, rp)
    page.goto(second_rp.authorize_url())
    expect_callback(page)
    second = second_rp.redeem(page.url)
    assert second.id_claims["aud"] == second_rp.client.client_id != first.id_claims["aud"]
    assert second.id_claims["sub"] == first.id_claims["sub"] == str(ana.sub)


def test_prompt_login_asks_for_the_password_again(page, rp, ana):
    _signed_in(page, rp)
    page.goto(rp.authorize_url(prompt="login"))
    expect_page(page, rp.pool, "login")
    sign_in(page, "ana")
    expect_callback(page)
    assert rp.redeem(page.url).id_claims["cognito:username"] == "ana"


def test_sign_out_ends_the_session(page, rp, second_rp, ana):
    _signed_in(page, rp)
    page.goto(f"{rp.issuer}/signedIn?client_id={rp.client.client_id}")
    assert_accessible(page)
    press(page, "Sign out")
    expect(page).to_have_url(f"{rp.issuer}/logout?client_id={rp.client.client_id}&lang=en")
    assert_accessible(page)
    page.goto(second_rp.authorize_url())
    expect_page(page, rp.pool, "login")
