"""Sign in on the hosted page, reached from /oauth2/authorize, in real Chromium."""
import re

from playwright.sync_api import expect

from identity.models import AuditEvent
from tests.e2e.axe import assert_accessible, assert_announced
from tests.e2e.conftest import PASSWORD


def _sign_in_page(page, rp):
    page.goto(rp.authorize_url())
    expect(page).to_have_url(re.compile(rf"/{rp.pool.id}/login\?"))
    return page


def test_sign_in_lands_on_the_callback_with_a_code_that_redeems(page, rp, ana):
    _sign_in_page(page, rp)
    assert_accessible(page)
    page.get_by_label("Username", exact=True).fill("ana")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/callback-demo\?code="))
    tokens = rp.redeem(page.url)
    assert tokens.id_claims["cognito:username"] == "ana" and tokens.id_claims["email"] == "ana@example.com"
    assert tokens.access_claims["sub"] == str(ana.sub) and tokens.raw["refresh_token"]


def test_a_wrong_password_is_told_on_the_page_and_grants_nothing(page, rp, ana):
    _sign_in_page(page, rp)
    page.get_by_label("Username", exact=True).fill("ana")
    page.get_by_label("Password", exact=True).fill("Not-the-password-1")
    page.get_by_role("button", name="Sign in").click()
    assert_announced(page.get_by_text("Incorrect username or password."))
    expect(page).to_have_url(re.compile(rf"/{rp.pool.id}/login\?"))
    # The page keeps what was typed as the username, never the password.
    expect(page.get_by_label("Username", exact=True)).to_have_value("ana")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_accessible(page)
    recorded = list(AuditEvent.objects.filter(user=ana).values_list("event_type", flat=True))
    assert recorded == ["SignInFailure"]


def test_a_link_without_a_known_client_shows_the_error_page(page, rp):
    response = page.goto(f"{rp.issuer}/login?client_id=nobody")
    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    assert_announced(page.get_by_text("names no known app client"))
    assert_accessible(page)
