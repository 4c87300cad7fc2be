"""ForgotPassword and ConfirmForgotPassword: a reset code to a verified address, then a new password."""
import datetime

import pytest

from identity.models import PasswordHistory, User, VerificationCode
from identity.services import passwords
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.identity.directory_support import (
    STRONG_PASSWORD,
    cognito_error,
    last_email_code,
    last_sms_code,
    snapshot,
    travel,
    use_memory_sms,
    user_row,
)

NEW_PASSWORD = "Brand-new-Pa55"


def _forgot(pool, client, username):
    return passwords.forgot_password(pool=pool, client=client, username=username)


def _confirm(pool, client, username, code, password=NEW_PASSWORD):
    return passwords.confirm_forgot_password(pool=pool, client=client, username=username, code=code, password=password)


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_reset_code_to_the_verified_email_sets_a_new_password(pool, client_app, user, mailoutbox):
    details = _forgot(pool, client_app, user.username.upper())
    assert details.as_cognito() == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert mailoutbox[-1].to == ["alice@example.com"] and mailoutbox[-1].subject == "Your password reset code"
    code = last_email_code(mailoutbox)

    _confirm(pool, client_app, user.username, code)
    user.refresh_from_db()
    assert passwords.password_matches(user, NEW_PASSWORD) and not passwords.password_matches(user, DEFAULT_PASSWORD)
    assert user.status == User.Status.CONFIRMED
    with cognito_error("ExpiredCodeException"):  # used once, then gone
        _confirm(pool, client_app, user.username, code, password="Yet-another-Pa55")


def test_the_code_goes_to_a_verified_phone_when_the_email_is_not(pool, client_app, settings, mailoutbox):
    use_memory_sms(settings)
    factories.create_user(
        pool=pool, username="pat",
        attributes={"email": "pat@example.com", "phone_number": "+12065551212", "phone_number_verified": "true"},
    )
    details = _forgot(pool, client_app, "pat")
    assert (details.delivery_medium, details.destination) == ("SMS", "+*******1212") and mailoutbox == []
    _confirm(pool, client_app, "pat", last_sms_code())


def test_email_as_username_resets_by_email(db, mailoutbox):
    pool = factories.create_pool(username_attributes=["email"])
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="3f1c", attributes={"email": "dan@example.com", "email_verified": "true"})
    _forgot(pool, client, "DAN@example.com")
    _confirm(pool, client, "dan@example.com", last_email_code(mailoutbox))
    user.refresh_from_db()
    assert passwords.password_matches(user, NEW_PASSWORD)


def test_a_user_with_nothing_verified_cannot_reset(pool, client_app, mailoutbox):
    factories.create_user(pool=pool, username="pat", attributes={"email": "pat@example.com", "phone_number": "+12065551212"})
    before = snapshot(pool)
    with cognito_error(
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    ):
        _forgot(pool, client_app, "pat")
    assert snapshot(pool) == before and mailoutbox == []


def test_a_disabled_user_cannot_reset(pool, client_app, mailoutbox):
    factories.create_user(pool=pool, username="pat", enabled=False, attributes={"email": "p@example.com", "email_verified": "true"})
    before = snapshot(pool)
    with cognito_error("NotAuthorizedException", "User is disabled."):
        _forgot(pool, client_app, "pat")
    assert snapshot(pool) == before and mailoutbox == []


def test_an_unknown_user_seems_to_get_a_code_when_existence_is_hidden(pool, mailoutbox):
    client = factories.create_client(pool=pool, prevent_user_existence_errors="ENABLED")
    details = _forgot(pool, client, "nobody")
    assert (details.delivery_medium, details.attribute_name) == ("EMAIL", "email")
    assert mailoutbox == [] and not User.objects.filter(pool=pool).exists()


def test_an_unknown_user_is_named_by_a_legacy_client(pool, mailoutbox):
    client = factories.create_client(pool=pool, prevent_user_existence_errors="LEGACY")
    with cognito_error("UserNotFoundException", "Username/client id combination not found."):
        _forgot(pool, client, "nobody")
    assert mailoutbox == []


def test_confirming_for_an_unknown_user(pool):
    hiding = factories.create_client(pool=pool, prevent_user_existence_errors="ENABLED")
    legacy = factories.create_client(pool=pool, prevent_user_existence_errors="LEGACY")
    with cognito_error("CodeMismatchException"):
        _confirm(pool, hiding, "nobody", "123456")
    with cognito_error("UserNotFoundException"):
        _confirm(pool, legacy, "nobody", "123456")
    assert not User.objects.filter(pool=pool).exists()


def test_a_wrong_code_keeps_the_old_password(pool, client_app, user, mailoutbox):
    _forgot(pool, client_app, user.username)
    code = last_email_code(mailoutbox)
    before = user_row(user)
    with cognito_error("CodeMismatchException"):
        _confirm(pool, client_app, user.username, _wrong(code))
    assert user_row(user) == before
    _confirm(pool, client_app, user.username, code)


def test_without_a_reset_code_there_is_nothing_to_confirm(pool, client_app, user):
    before = snapshot(pool)
    with cognito_error("ExpiredCodeException"):
        _confirm(pool, client_app, user.username, "123456")
    assert snapshot(pool) == before


def test_a_reset_code_lasts_an_hour(pool, client_app, user, mailoutbox, monkeypatch):
    _forgot(pool, client_app, user.username)
    code = last_email_code(mailoutbox)
    before = user_row(user)
    travel(monkeypatch, datetime.timedelta(hours=1, seconds=1))
    with cognito_error("ExpiredCodeException"):
        _confirm(pool, client_app, user.username, code)
    assert user_row(user) == before and not VerificationCode.objects.filter(user=user).exists()


def test_five_misses_burn_the_reset_code(pool, client_app, user, mailoutbox):
    _forgot(pool, client_app, user.username)
    code = last_email_code(mailoutbox)
    for _ in range(5):
        with cognito_error("CodeMismatchException"):
            _confirm(pool, client_app, user.username, _wrong(code))
    before = user_row(user)
    with cognito_error("LimitExceededException"):
        _confirm(pool, client_app, user.username, code)
    assert user_row(user) == before


def test_a_new_password_outside_the_policy_does_not_burn_the_code(pool, client_app, user, mailoutbox):
    _forgot(pool, client_app, user.username)
    code = last_email_code(mailoutbox)
    before = snapshot(pool)
    with cognito_error("InvalidPasswordException", "Password must have symbol characters"):
        _confirm(pool, client_app, user.username, code, password="NoSymbols123")
    assert snapshot(pool) == before  # not even a counted miss
    _confirm(pool, client_app, user.username, code)


def test_a_recently_used_password_does_not_burn_the_code(db, mailoutbox):
    pool = factories.create_pool(password_history_size=2)
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, attributes={"email": "a@example.com", "email_verified": "true"})
    _forgot(pool, client, user.username)
    code = last_email_code(mailoutbox)
    before = snapshot(pool)
    with cognito_error("PasswordHistoryPolicyViolationException"):
        _confirm(pool, client, user.username, code, password=DEFAULT_PASSWORD)
    assert snapshot(pool) == before
    _confirm(pool, client, user.username, code)
    assert PasswordHistory.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("status", [User.Status.RESET_REQUIRED, User.Status.CONFIRMED])
def test_a_reset_leaves_the_user_confirmed(pool, client_app, mailoutbox, status):
    factories.create_user(pool=pool, username="pat", status=status, attributes={"email": "p@example.com", "email_verified": "true"})
    _forgot(pool, client_app, "pat")
    assert _confirm(pool, client_app, "pat", last_email_code(mailoutbox)).status == User.Status.CONFIRMED


def test_five_reset_codes_an_hour(pool, client_app, user, mailoutbox):
    for _ in range(5):
        _forgot(pool, client_app, user.username)
    last = last_email_code(mailoutbox)
    before = snapshot(pool)
    with cognito_error("LimitExceededException"):
        _forgot(pool, client_app, user.username)
    assert snapshot(pool) == before and len(mailoutbox) == 5
    _confirm(pool, client_app, user.username, last)


def test_the_pending_new_email_does_not_receive_reset_codes(pool, client_app, user, mailoutbox):
    # A new, unverified address waiting for its code must not be able to take the account over.
    user.pending_attributes = {"email": "attacker@example.com"}
    user.save()
    _forgot(pool, client_app, user.username)
    assert mailoutbox[-1].to == ["alice@example.com"]


def test_a_sign_up_code_is_not_a_reset_code(pool, client_app, mailoutbox):
    from identity.services import signup

    signup.sign_up(pool=pool, client=client_app, username="bob", password=STRONG_PASSWORD, attributes={"email": "b@example.com"})
    before = snapshot(pool)
    with cognito_error("ExpiredCodeException"):
        _confirm(pool, client_app, "bob", last_email_code(mailoutbox))
    assert snapshot(pool) == before
