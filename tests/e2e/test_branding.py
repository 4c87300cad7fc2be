"""A branded app client: its logo, colours and mode on the real page, under the strict CSP, and no other client's."""
import pytest
from playwright.sync_api import expect

from hostedui.branding import set_ui_customization
from identity.context import SYSTEM
from tests import factories
from tests.e2e.axe import assert_accessible
from tests.e2e.relying_party import RelyingParty
from tests.e2e.steps import expect_callback, sign_in

LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40"><rect width="160" height="40" fill="#5b1a7a"/></svg>'
PURPLE = "rgb(91, 26, 122)"


@pytest.fixture
def branded(rp):
    set_ui_customization(
        pool=rp.pool, client=rp.client, context=SYSTEM, images_in={"logo": LOGO},
        settings={"mode": "light", "primary_color": "#5b1a7a", "primary_text_color": "#ffffff", "logo_alt": "Acme"},
    )
    return rp


def _primary_button_colour(page) -> str:
    return page.get_by_role("button", name="Sign in").evaluate("el => getComputedStyle(el).backgroundColor")


def test_the_branded_client_shows_its_logo_and_colours(page, branded, ana):
    page.goto(branded.authorize_url())
    logo = page.get_by_role("img", name="Acme")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 160
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert _primary_button_colour(page) == PURPLE
    assert_accessible(page)
    sign_in(page, "ana")
    expect_callback(page)
    assert branded.redeem(page.url).id_claims["aud"] == branded.client.client_id


def test_another_client_of_the_pool_keeps_the_default_look(page, branded, live_server):
    plain = factories.create_client(pool=branded.pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email"],
                                    callback_urls=branded.client.callback_urls)
    other = RelyingParty(base_url=live_server.url, pool=branded.pool, client=plain, redirect_uri=plain.callback_urls[0])
    page.goto(other.authorize_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("img", name="Acme")).to_have_count(0)
    assert _primary_button_colour(page) != PURPLE
