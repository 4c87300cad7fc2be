"""An invited user signs in with the emailed temporary password and must choose a new one first."""
import re

from identity.models import User
from identity.services import passwords, users
from tests.e2e.axe import assert_accessible, assert_announced
from tests.e2e.steps import expect_callback, expect_page, fill, press, sign_in
from tests.smtp_sink import text_of

NEW_PASSWORD = "Chosen-by-me-42"


def _invite(pool, mailbox) -> str:
    users.admin_create_user(pool=pool, username="carol", attributes={"email": "carol@example.com", "email_verified": "true"})
    body = text_of(mailbox.latest_to("carol@example.com")).strip()
    return re.fullmatch(r"Your username is carol and temporary password is (\S+)\.", body).group(1)


def test_temporary_password_then_a_new_password_then_the_app(page, rp, mailbox):
    temporary = _invite(rp.pool, mailbox)
    page.goto(rp.authorize_url())
    sign_in(page, "carol", temporary)
    expect_page(page, rp.pool, "challenge")
    assert_accessible(page)
    fill(page, {"New password": NEW_PASSWORD, "Confirm password": NEW_PASSWORD})
    press(page, "Continue")
    expect_callback(page)
    assert rp.redeem(page.url).id_claims["cognito:username"] == "carol"
    carol = User.objects.get(pool=rp.pool, username="carol")
    assert carol.status == User.Status.CONFIRMED and passwords.password_matches(carol, NEW_PASSWORD)


def test_a_new_password_outside_the_policy_keeps_the_challenge(page, rp, mailbox):
    temporary = _invite(rp.pool, mailbox)
    page.goto(rp.authorize_url())
    sign_in(page, "carol", temporary)
    fill(page, {"New password": "weak", "Confirm password": "weak"})
    press(page, "Continue")
    expect_page(page, rp.pool, "challenge")
    assert_announced(page.get_by_text("The password is too short."))
    assert User.objects.get(pool=rp.pool, username="carol").status == User.Status.FORCE_CHANGE_PASSWORD
    assert_accessible(page)
