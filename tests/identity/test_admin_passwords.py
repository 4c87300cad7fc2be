"""AdminSetUserPassword and AdminResetUserPassword."""
import datetime

import pytest

from identity import clock
from identity.models import User, VerificationCode
from identity.services import passwords, signin
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.identity.directory_support import (
    STRONG_PASSWORD,
    cognito_error,
    freeze_clock,
    last_email_code,
    snapshot,
    travel,
)


def _set(pool, username, password=STRONG_PASSWORD, permanent=True):
    return passwords.admin_set_user_password(pool=pool, username=username, password=password, permanent=permanent)


def _sign_in(pool, client, username, password):
    return signin.password_sign_in(pool=pool, client=client, username=username, password=password)


@pytest.mark.parametrize(
    "status",
    [User.Status.UNCONFIRMED, User.Status.CONFIRMED, User.Status.FORCE_CHANGE_PASSWORD, User.Status.RESET_REQUIRED],
)
def test_a_permanent_password_confirms_the_user(pool, status):
    user = factories.create_user(pool=pool, username="pat", status=status)
    _set(pool, "PAT")
    user.refresh_from_db()
    assert user.status == User.Status.CONFIRMED and user.temporary_password_expires_at is None
    assert passwords.password_matches(user, STRONG_PASSWORD) and not passwords.password_matches(user, DEFAULT_PASSWORD)


def test_a_temporary_password_forces_a_change_and_expires(db, monkeypatch):
    pool = factories.create_pool(temporary_password_validity_days=3)
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="pat")
    now = clock.now()
    freeze_clock(monkeypatch, now)
    _set(pool, "pat", permanent=False)
    user.refresh_from_db()
    assert user.status == User.Status.FORCE_CHANGE_PASSWORD
    assert user.temporary_password_expires_at == now + datetime.timedelta(days=3)
    assert _sign_in(pool, client, "pat", STRONG_PASSWORD).name == "NEW_PASSWORD_REQUIRED"
    travel(monkeypatch, datetime.timedelta(days=3, seconds=1))
    with cognito_error("NotAuthorizedException", "Temporary password has expired"):
        _sign_in(pool, client, "pat", STRONG_PASSWORD)


def test_an_alias_or_email_username_names_the_user(db):
    pool = factories.create_pool(username_attributes=["email"])
    user = factories.create_user(pool=pool, username="0d9e", attributes={"email": "dan@example.com"})
    _set(pool, "Dan@Example.com")
    user.refresh_from_db()
    assert passwords.password_matches(user, STRONG_PASSWORD)


def test_an_unknown_user(pool, user):
    before = snapshot(pool)
    with cognito_error("UserNotFoundException"):
        _set(pool, "nobody")
    assert snapshot(pool) == before


@pytest.mark.parametrize("permanent", [True, False])
def test_a_password_outside_the_policy_changes_nothing(pool, user, permanent):
    before = snapshot(pool)
    with cognito_error("InvalidPasswordException", "Password not long enough"):
        _set(pool, user.username, "Sh0rt!", permanent=permanent)
    assert snapshot(pool) == before


def test_history_applies_to_operators_too(db):
    pool = factories.create_pool(password_history_size=3)
    user = factories.create_user(pool=pool, username="pat")
    before = snapshot(pool)
    with cognito_error("PasswordHistoryPolicyViolationException"):
        _set(pool, "pat", DEFAULT_PASSWORD)
    assert snapshot(pool) == before
    _set(pool, "pat", STRONG_PASSWORD)
    assert user.password_history.count() == 1


# AdminResetUserPassword


def test_a_reset_blocks_the_old_password_and_mails_a_code(pool, client_app, user, mailoutbox):
    passwords.admin_reset_user_password(pool=pool, username=user.username)
    user.refresh_from_db()
    assert user.status == User.Status.RESET_REQUIRED
    assert mailoutbox[-1].to == ["alice@example.com"]
    with cognito_error("PasswordResetRequiredException"):
        _sign_in(pool, client_app, user.username, DEFAULT_PASSWORD)

    passwords.confirm_forgot_password(
        pool=pool, client=client_app, username=user.username, code=last_email_code(mailoutbox), password=STRONG_PASSWORD
    )
    user.refresh_from_db()
    assert user.status == User.Status.CONFIRMED
    assert _sign_in(pool, client_app, user.username, STRONG_PASSWORD).user.pk == user.pk
    with cognito_error("NotAuthorizedException"):
        _sign_in(pool, client_app, user.username, DEFAULT_PASSWORD)


def test_a_reset_without_a_verified_address_sends_nothing(pool, mailoutbox):
    user = factories.create_user(pool=pool, username="pat", attributes={"email": "p@example.com"})
    passwords.admin_reset_user_password(pool=pool, username="pat")
    user.refresh_from_db()
    assert user.status == User.Status.RESET_REQUIRED
    assert mailoutbox == [] and not VerificationCode.objects.filter(user=user).exists()


def test_a_disabled_user_cannot_be_reset(pool, mailoutbox):
    factories.create_user(pool=pool, username="pat", enabled=False, attributes={"email": "p@example.com", "email_verified": "true"})
    before = snapshot(pool)
    with cognito_error("NotAuthorizedException", "User is disabled."):
        passwords.admin_reset_user_password(pool=pool, username="pat")
    assert snapshot(pool) == before and mailoutbox == []


def test_resetting_an_unknown_user(pool, user, mailoutbox):
    before = snapshot(pool)
    with cognito_error("UserNotFoundException"):
        passwords.admin_reset_user_password(pool=pool, username="nobody")
    assert snapshot(pool) == before and mailoutbox == []
