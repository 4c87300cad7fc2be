"""Forgot password → the code emailed over SMTP → a new password → sign in with it."""
from identity.services import passwords
from tests.e2e.axe import assert_accessible, assert_announced
from tests.e2e.conftest import PASSWORD
from tests.e2e.steps import expect_callback, expect_field_error, expect_page, fill, press, sign_in

NEW_PASSWORD = "Brand-new-passw0rd"


def _ask_for_a_code(page, rp):
    page.goto(rp.authorize_url())
    page.get_by_role("link", name="Forgot your password?").click()
    expect_page(page, rp.pool, "forgotPassword")
    assert_accessible(page)
    fill(page, {"Username": "ana"})
    press(page, "Send code")
    expect_page(page, rp.pool, "confirmForgotPassword")


def test_reset_with_the_emailed_code_then_sign_in(page, rp, ana, mailbox):
    _ask_for_a_code(page, rp)
    assert_accessible(page)
    code = mailbox.latest_code("ana@example.com")
    fill(page, {"Code": code, "New password": NEW_PASSWORD, "Confirm password": NEW_PASSWORD})
    press(page, "Reset password")
    expect_page(page, rp.pool, "login")
    assert_announced(page.get_by_text("Your password has been reset. Sign in with your new password."))
    sign_in(page, "ana", PASSWORD)
    assert_announced(page.get_by_text("Incorrect username or password."))
    sign_in(page, "ana", NEW_PASSWORD)
    expect_callback(page)
    assert rp.redeem(page.url).id_claims["cognito:username"] == "ana"


def test_a_wrong_code_changes_nothing(page, rp, ana, mailbox):
    _ask_for_a_code(page, rp)
    code = mailbox.latest_code("ana@example.com")
    fill(page, {"Code": f"{(int(code) + 1) % 10**6:06d}", "New password": NEW_PASSWORD, "Confirm password": NEW_PASSWORD})
    press(page, "Reset password")
    expect_page(page, rp.pool, "confirmForgotPassword")
    expect_field_error(page, "Code", "Invalid verification code provided, please try again.")
    ana.refresh_from_db()
    assert passwords.password_matches(ana, PASSWORD)
    assert_accessible(page)


def test_the_two_new_passwords_must_match(page, rp, ana, mailbox):
    _ask_for_a_code(page, rp)
    code = mailbox.latest_code("ana@example.com")
    fill(page, {"Code": code, "New password": NEW_PASSWORD, "Confirm password": NEW_PASSWORD + "x"})
    press(page, "Reset password")
    expect_field_error(page, "Confirm password", "The passwords do not match.")
    ana.refresh_from_db()
    assert passwords.password_matches(ana, PASSWORD)
