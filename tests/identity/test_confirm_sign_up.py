"""ConfirmSignUp and AdminConfirmSignUp: the code confirms and verifies; anything else changes nothing."""
import datetime

import pytest

from identity.models import User, VerificationCode
from identity.services import directory, signup
from tests import factories
from tests.identity.directory_support import (
    STRONG_PASSWORD,
    cognito_error,
    last_email_code,
    last_sms_code,
    predictable_codes,
    snapshot,
    travel,
    use_memory_sms,
    user_row,
)


def _sign_up(pool, client, username="bob", **attributes):
    attributes.setdefault("email", f"{username}@example.com")
    return signup.sign_up(pool=pool, client=client, username=username, password=STRONG_PASSWORD, attributes=attributes).user


def _confirm(pool, client, username, code, **kwargs):
    return signup.confirm_sign_up(pool=pool, client=client, username=username, code=code, **kwargs)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.parametrize("typed", ["bob", "BOB", "Bob"])
def test_the_emailed_code_confirms_and_verifies_the_email(pool, client_app, mailoutbox, typed):
    _sign_up(pool, client_app)
    user = _confirm(pool, client_app, typed, last_email_code(mailoutbox))
    user.refresh_from_db()
    assert user.status == User.Status.CONFIRMED and user.is_verified("email")
    assert not VerificationCode.objects.filter(user=user).exists()  # used once, then gone


def test_the_texted_code_verifies_the_phone_only(db, settings, mailoutbox):
    use_memory_sms(settings)
    pool = factories.create_pool(auto_verified_attributes=["email", "phone_number"])
    client = factories.create_client(pool=pool)
    _sign_up(pool, client, phone_number="+12065551212")
    user = _confirm(pool, client, "bob", last_sms_code())
    user.refresh_from_db()
    assert user.status == User.Status.CONFIRMED
    assert user.is_verified("phone_number") and not user.is_verified("email")


def test_a_code_works_only_once(pool, client_app, mailoutbox):
    _sign_up(pool, client_app)
    code = last_email_code(mailoutbox)
    _confirm(pool, client_app, "bob", code)
    with cognito_error("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"):
        _confirm(pool, client_app, "bob", code)


def test_a_wrong_code_changes_nothing_but_the_miss_count(pool, client_app, mailoutbox):
    user = _sign_up(pool, client_app)
    code = last_email_code(mailoutbox)
    before = user_row(user)
    with cognito_error("CodeMismatchException", "Invalid verification code provided"):
        _confirm(pool, client_app, "bob", _wrong(code))
    assert user_row(user) == before
    assert VerificationCode.objects.get(user=user).failed_attempts == 1
    _confirm(pool, client_app, "bob", code)


@pytest.mark.parametrize("junk", ["", None, "12345", "1234567", "abcdef"])
def test_malformed_codes_are_mismatches(pool, client_app, mailoutbox, junk):
    user = _sign_up(pool, client_app)
    before = user_row(user)
    with cognito_error("CodeMismatchException"):
        _confirm(pool, client_app, "bob", junk)
    assert user_row(user) == before


def test_an_expired_code_is_refused_and_dropped(pool, client_app, mailoutbox, monkeypatch):
    user = _sign_up(pool, client_app)
    code = last_email_code(mailoutbox)
    before = user_row(user)
    travel(monkeypatch, datetime.timedelta(hours=24, seconds=1))
    with cognito_error("ExpiredCodeException"):
        _confirm(pool, client_app, "bob", code)
    assert user_row(user) == before and not VerificationCode.objects.filter(user=user).exists()


def test_a_code_is_good_for_almost_a_day(pool, client_app, mailoutbox, monkeypatch):
    _sign_up(pool, client_app)
    code = last_email_code(mailoutbox)
    travel(monkeypatch, datetime.timedelta(hours=23, minutes=59))
    assert _confirm(pool, client_app, "bob", code).status == User.Status.CONFIRMED


def test_without_a_code_there_is_nothing_to_confirm(db):
    pool = factories.create_pool(auto_verified_attributes=[])
    client = factories.create_client(pool=pool)
    user = _sign_up(pool, client)
    with cognito_error("ExpiredCodeException"):
        _confirm(pool, client, "bob", "123456")
    assert user_row(user)["status"] == User.Status.UNCONFIRMED


def test_five_misses_burn_the_code(pool, client_app, mailoutbox):
    user = _sign_up(pool, client_app)
    code = last_email_code(mailoutbox)
    for _ in range(5):
        with cognito_error("CodeMismatchException"):
            _confirm(pool, client_app, "bob", _wrong(code))
    with cognito_error("LimitExceededException"):
        _confirm(pool, client_app, "bob", code)
    assert user_row(user)["status"] == User.Status.UNCONFIRMED
    signup.resend_confirmation_code(pool=pool, client=client_app, username="bob")
    assert _confirm(pool, client_app, "bob", last_email_code(mailoutbox)).status == User.Status.CONFIRMED


@pytest.mark.parametrize("status", [User.Status.CONFIRMED, User.Status.FORCE_CHANGE_PASSWORD, User.Status.RESET_REQUIRED])
def test_only_unconfirmed_users_can_be_confirmed(pool, client_app, status):
    user = factories.create_user(pool=pool, username="bob", status=status, attributes={"email": "bob@example.com"})
    before = snapshot(pool)
    with cognito_error("NotAuthorizedException", f"Current status is {status}"):
        _confirm(pool, client_app, "bob", "123456")
    assert snapshot(pool) == before and user_row(user)["status"] == status


def test_an_unknown_user_looks_like_a_wrong_code_when_existence_is_hidden(pool):
    client = factories.create_client(pool=pool, prevent_user_existence_errors="ENABLED")
    with cognito_error("CodeMismatchException"):
        _confirm(pool, client, "nobody", "123456")
    assert not User.objects.filter(pool=pool).exists()


def test_an_unknown_user_is_named_by_a_legacy_client(pool):
    client = factories.create_client(pool=pool, prevent_user_existence_errors="LEGACY")
    with cognito_error("UserNotFoundException", "Username/client id combination not found."):
        _confirm(pool, client, "nobody", "123456")


def test_email_as_username_confirms_by_email_in_any_case(db, mailoutbox):
    pool = factories.create_pool(username_attributes=["email"])
    client = factories.create_client(pool=pool)
    signup.sign_up(pool=pool, client=client, username="Dan@Example.com", password=STRONG_PASSWORD)
    user = _confirm(pool, client, "dan@example.COM", last_email_code(mailoutbox))
    assert user.status == User.Status.CONFIRMED and user.is_verified("email")


def test_a_case_sensitive_pool_confirms_only_the_exact_username(db, mailoutbox):
    pool = factories.create_pool(case_sensitive=True)
    client = factories.create_client(pool=pool, prevent_user_existence_errors="LEGACY")
    _sign_up(pool, client, username="Bob")
    with cognito_error("UserNotFoundException"):
        _confirm(pool, client, "bob", last_email_code(mailoutbox))
    assert _confirm(pool, client, "Bob", last_email_code(mailoutbox)).status == User.Status.CONFIRMED


# Alias pools: a verified email signs in, so only one user may hold it verified.


@pytest.fixture
def alias_pool(db):
    return factories.create_pool(alias_attributes=["email"])


@pytest.fixture
def alias_client(alias_pool):
    return factories.create_client(pool=alias_pool)


def _holder_and_newcomer(pool, client, mailoutbox, monkeypatch):
    predictable_codes(monkeypatch)
    _sign_up(pool, client, username="holder", email="shared@example.com")
    _confirm(pool, client, "holder", last_email_code(mailoutbox))
    _sign_up(pool, client, username="newcomer", email="Shared@Example.com")
    return last_email_code(mailoutbox)


def test_confirming_with_an_email_another_user_verified_is_an_alias_clash(alias_pool, alias_client, mailoutbox, monkeypatch):
    code = _holder_and_newcomer(alias_pool, alias_client, mailoutbox, monkeypatch)
    before = snapshot(alias_pool)
    with cognito_error("AliasExistsException"):
        _confirm(alias_pool, alias_client, "newcomer", code)
    state = snapshot(alias_pool)
    assert state["users"] == before["users"]
    assert directory.find_user(alias_pool, "shared@example.com").username == "holder"


def test_force_alias_creation_moves_the_alias_with_the_same_code(alias_pool, alias_client, mailoutbox, monkeypatch):
    code = _holder_and_newcomer(alias_pool, alias_client, mailoutbox, monkeypatch)
    with cognito_error("AliasExistsException"):
        _confirm(alias_pool, alias_client, "newcomer", code)
    # The clash did not use the code up: the newcomer can insist with it.
    newcomer = _confirm(alias_pool, alias_client, "newcomer", code, force_alias_creation=True)
    holder = User.objects.get(pool=alias_pool, username="holder")
    newcomer.refresh_from_db()
    assert newcomer.status == User.Status.CONFIRMED and newcomer.is_verified("email")
    # The old holder keeps the address as an unverified attribute and no longer signs in with it.
    assert holder.attributes["email"] == "shared@example.com" and not holder.is_verified("email")
    assert holder.email_login is None
    assert directory.find_user(alias_pool, "SHARED@example.com").username == "newcomer"


def test_the_alias_clash_is_not_told_to_someone_without_the_code(alias_pool, alias_client, mailoutbox, monkeypatch):
    # Cognito raises AliasExistsException only "when the user ... enters the valid code"; otherwise
    # a stranger could learn that an address is registered by signing up with it.
    code = _holder_and_newcomer(alias_pool, alias_client, mailoutbox, monkeypatch)
    before = snapshot(alias_pool)["users"]
    with cognito_error("CodeMismatchException"):
        _confirm(alias_pool, alias_client, "newcomer", _wrong(code))
    assert snapshot(alias_pool)["users"] == before


def test_an_unverified_alias_is_not_a_sign_in_name(alias_pool, alias_client):
    _sign_up(alias_pool, alias_client, username="holder", email="shared@example.com")
    assert directory.find_user(alias_pool, "shared@example.com") is None


# AdminConfirmSignUp


def test_admin_confirmation_needs_no_code_and_verifies_nothing(pool, client_app, mailoutbox):
    _sign_up(pool, client_app)
    user = signup.admin_confirm_sign_up(pool=pool, username="BOB")
    user.refresh_from_db()
    assert user.status == User.Status.CONFIRMED and not user.is_verified("email")


def test_admin_confirmation_of_an_unknown_or_confirmed_user(pool, user):
    with cognito_error("UserNotFoundException"):
        signup.admin_confirm_sign_up(pool=pool, username="nobody")
    before = snapshot(pool)
    with cognito_error("NotAuthorizedException", "Current status is CONFIRMED"):
        signup.admin_confirm_sign_up(pool=pool, username=user.username)
    assert snapshot(pool) == before
