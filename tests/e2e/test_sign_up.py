"""Sign up → the code emailed over SMTP → confirm → straight on to the app with a code that redeems."""
import pytest

from identity.models import User
from identity.services import directory
from tests import factories
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import PASSWORD
from tests.e2e.steps import expect_callback, expect_field_error, expect_page, fill, press


@pytest.fixture
def hosted_pool(transactional_db):
    return factories.create_pool(username_attributes=["email"])


def _sign_up(page, rp, email):
    page.goto(rp.authorize_url())
    page.get_by_role("link", name="Sign up").click()
    expect_page(page, rp.pool, "signup")
    assert_accessible(page)
    fill(page, {"Email": email, "Password": PASSWORD, "Confirm password": PASSWORD})
    press(page, "Sign up")
    expect_page(page, rp.pool, "confirm")


def test_sign_up_and_confirm_with_the_emailed_code(page, rp, mailbox):
    _sign_up(page, rp, "sam@example.com")
    assert_accessible(page)
    code = mailbox.latest_code("sam@example.com")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    fill(page, {"Code": wrong})
    press(page, "Confirm")
    expect_field_error(page, "Code", "Invalid verification code provided, please try again.")
    assert directory.find_user(rp.pool, "sam@example.com").status == User.Status.UNCONFIRMED
    fill(page, {"Code": code})
    press(page, "Confirm")
    expect_callback(page)
    tokens = rp.redeem(page.url)
    assert tokens.id_claims["email"] == "sam@example.com" and tokens.id_claims["email_verified"] is True
    user = directory.find_user(rp.pool, "sam@example.com")
    assert user.status == User.Status.CONFIRMED and tokens.id_claims["sub"] == str(user.sub)


def test_a_new_code_can_be_sent_and_only_it_confirms(page, rp, mailbox):
    _sign_up(page, rp, "sam@example.com")
    press(page, "Send a new code")
    expect_page(page, rp.pool, "confirm")
    assert len(mailbox.messages) == 2
    second = mailbox.latest_code("sam@example.com")
    fill(page, {"Code": second})
    press(page, "Confirm")
    expect_callback(page)
    assert rp.redeem(page.url).id_claims["email"] == "sam@example.com"


def test_a_password_outside_the_policy_is_refused_on_the_page(page, rp, mailbox):
    page.goto(rp.authorize_url())
    page.get_by_role("link", name="Sign up").click()
    fill(page, {"Email": "sam@example.com", "Password": "short", "Confirm password": "short"})
    press(page, "Sign up")
    expect_page(page, rp.pool, "signup")
    expect_field_error(page, "Password", "The password is too short.")
    assert not User.objects.filter(pool=rp.pool).exists() and mailbox.messages == []
    assert_accessible(page)
