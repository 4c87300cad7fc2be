"""Triggers in real Chromium: a PreAuthentication denial told on the sign-in page, a PreSignUp auto-confirm that lands on the app."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from identity.models import User
from tests import factories
from tests.e2e.axe import assert_announced
from tests.e2e.conftest import PASSWORD
from tests.e2e.steps import expect_callback, expect_page, fill, press, sign_in
from tests.identity.trigger_handlers import clean_handlers, install, sources, target  # noqa: F401 (fixtures)


@pytest.fixture
def hosted_pool(transactional_db):
    return factories.create_pool(username_attributes=["email"], auto_verified_attributes=["email"])


def test_a_pre_authentication_denial_is_shown_on_the_sign_in_page(page, rp, hosted_pool, target):
    factories.create_user(pool=hosted_pool, username="blocked-ana", attributes={"email": "blocked@example.com", "email_verified": "true"})
    install(hosted_pool, PreAuthentication=target("pre_authentication"))
    page.goto(rp.authorize_url())
    expect_page(page, hosted_pool, "login")
    sign_in(page, "blocked@example.com", identifier="Email")
    assert_announced(page.get_by_text("PreAuthentication failed with error Your account is suspended."))
    expect_page(page, hosted_pool, "login")
    assert sources() == ["PreAuthentication_Authentication"]


def test_an_auto_confirmed_sign_up_lands_straight_on_the_callback(page, rp, hosted_pool, mailbox, target):
    install(hosted_pool, PreSignUp=target("auto_confirm"))
    page.goto(rp.authorize_url())
    page.get_by_role("link", name="Sign up").click()
    expect_page(page, hosted_pool, "signup")
    fill(page, {"Email": "zoe@example.com", "Password": PASSWORD, "Confirm password": PASSWORD})
    press(page, "Sign up")
    expect_callback(page)
    tokens = rp.redeem(page.url)
    assert tokens.id_claims["email"] == "zoe@example.com" and tokens.id_claims["email_verified"] is True
    user = User.objects.get(pool=hosted_pool, attributes__email="zoe@example.com")
    assert user.status == User.Status.CONFIRMED
    expect(page.get_by_text("We sent a code")).to_have_count(0)
