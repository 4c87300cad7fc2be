"""ForgotPassword, ConfirmForgotPassword, ChangePassword, AdminSetUserPassword, AdminResetUserPassword, history."""
import pytest

from identity.errors import (
    CodeMismatchException,
    InvalidParameterException,
    InvalidPasswordException,
    LimitExceededException,
    NotAuthorizedException,
    PasswordHistoryPolicyViolationException,
    UserNotFoundException,
)
from identity.services import passwords
from tests import factories
from tests.identity.helpers import last_code, snapshot

OLD, NEW = factories.DEFAULT_PASSWORD, "Fresh-Passw0rd!"


def test_forgot_and_confirm(pool, client_app, user, mailoutbox):
    details = passwords.forgot_password(pool=pool, client=client_app, username=user.username.upper())
    assert details.as_cognito()["DeliveryMedium"] == "EMAIL" and mailoutbox[0].subject == "Your password reset code"
    passwords.confirm_forgot_password(pool=pool, client=client_app, username=user.username, code=last_code(mailoutbox), password=NEW)
    user.refresh_from_db()
    assert passwords.password_matches(user, NEW) and not passwords.password_matches(user, OLD) and user.status == "CONFIRMED"


def test_forgot_needs_a_verified_destination(pool, client_app):
    unverified = factories.create_user(pool=pool, username="unv", attributes={"email": "u@example.com"})
    with pytest.raises(InvalidParameterException):
        passwords.forgot_password(pool=pool, client=client_app, username=unverified.username)


def test_forgot_for_a_disabled_user(pool, client_app):
    disabled = factories.create_user(pool=pool, username="off", enabled=False, attributes={"email": "o@example.com", "email_verified": "true"})
    with pytest.raises(NotAuthorizedException):
        passwords.forgot_password(pool=pool, client=client_app, username=disabled.username)


def test_bad_new_password_keeps_the_code(pool, client_app, user, mailoutbox):
    passwords.forgot_password(pool=pool, client=client_app, username=user.username)
    code = last_code(mailoutbox)
    before = snapshot(user)
    with pytest.raises(InvalidPasswordException):
        passwords.confirm_forgot_password(pool=pool, client=client_app, username=user.username, code=code, password="weak")
    assert snapshot(user) == before
    passwords.confirm_forgot_password(pool=pool, client=client_app, username=user.username, code=code, password=NEW)


def test_wrong_reset_code_changes_nothing(pool, client_app, user, mailoutbox):
    passwords.forgot_password(pool=pool, client=client_app, username=user.username)
    code = last_code(mailoutbox)
    before = snapshot(user)
    with pytest.raises(CodeMismatchException):
        passwords.confirm_forgot_password(pool=pool, client=client_app, username=user.username, code="000000" if code != "000000" else "111111", password=NEW)
    assert snapshot(user) == before


def test_unknown_users_with_and_without_existence_hiding(pool):
    hiding = factories.create_client(pool=pool, prevent_user_existence_errors="ENABLED")
    legacy = factories.create_client(pool=pool, prevent_user_existence_errors="LEGACY")
    assert passwords.forgot_password(pool=pool, client=hiding, username="ghost@example.com").destination == "g***@e***"
    with pytest.raises(CodeMismatchException):
        passwords.confirm_forgot_password(pool=pool, client=hiding, username="ghost", code="123456", password=NEW)
    with pytest.raises(UserNotFoundException):
        passwords.forgot_password(pool=pool, client=legacy, username="ghost")
    with pytest.raises(UserNotFoundException):
        passwords.confirm_forgot_password(pool=pool, client=legacy, username="ghost", code="123456", password=NEW)


def test_change_password(pool, user):
    with pytest.raises(NotAuthorizedException):
        passwords.change_password(user=user, previous_password="wrong", proposed_password=NEW)
    with pytest.raises(InvalidPasswordException):
        passwords.change_password(user=user, previous_password=OLD, proposed_password="weak")
    passwords.change_password(user=user, previous_password=OLD, proposed_password=NEW)
    user.refresh_from_db()
    assert passwords.password_matches(user, NEW)


def test_change_password_is_limited_to_five_an_hour(pool, user):
    for _ in range(5):
        with pytest.raises(NotAuthorizedException):
            passwords.change_password(user=user, previous_password="wrong", proposed_password=NEW)
    with pytest.raises(LimitExceededException):
        passwords.change_password(user=user, previous_password=OLD, proposed_password=NEW)


def test_password_history(db):
    pool = factories.create_pool(password_history_size=3)
    user = factories.create_user(pool=pool, password="First-Passw0rd!")
    for password in ("Second-Passw0rd!", "Third-Passw0rd!"):
        passwords.admin_set_user_password(pool=pool, username=user.username, password=password, permanent=True)
    for reused in ("First-Passw0rd!", "Second-Passw0rd!", "Third-Passw0rd!"):
        with pytest.raises(PasswordHistoryPolicyViolationException):
            passwords.admin_set_user_password(pool=pool, username=user.username, password=reused, permanent=True)
    passwords.admin_set_user_password(pool=pool, username=user.username, password="Fourth-Passw0rd!", permanent=True)
    passwords.admin_set_user_password(pool=pool, username=user.username, password="First-Passw0rd!", permanent=True)  # now 3 back
    assert user.password_history.count() <= 2


def test_admin_set_password_permanent_and_temporary(pool, user):
    temporary = passwords.admin_set_user_password(pool=pool, username=user.username, password=NEW, permanent=False)
    assert temporary.status == "FORCE_CHANGE_PASSWORD" and temporary.temporary_password_expires_at is not None
    permanent = passwords.admin_set_user_password(pool=pool, username=user.username, password="Other-Passw0rd!", permanent=True)
    assert permanent.status == "CONFIRMED" and permanent.temporary_password_expires_at is None
    with pytest.raises(UserNotFoundException):
        passwords.admin_set_user_password(pool=pool, username="ghost", password=NEW, permanent=True)


def test_admin_reset_sends_a_code_and_requires_reset(pool, client_app, user, mailoutbox):
    reset = passwords.admin_reset_user_password(pool=pool, username=user.username)
    assert reset.status == "RESET_REQUIRED" and mailoutbox
    passwords.confirm_forgot_password(pool=pool, client=client_app, username=user.username, code=last_code(mailoutbox), password=NEW)
    user.refresh_from_db()
    assert user.status == "CONFIRMED"


def test_policy_messages_name_the_rule(pool):
    cases = {"Aa1!": "not long enough", "aaaaaaa1!": "uppercase", "AAAAAAA1!": "lowercase", "Aaaaaaaa!": "numeric", "Aaaaaaa1a": "symbol"}
    for password, rule in cases.items():
        with pytest.raises(InvalidPasswordException, match=rule):
            passwords.check_password_policy(pool=pool, password=password)
    passwords.check_password_policy(pool=pool, password="Aaaa aa1x")  # an inner space is a symbol


def test_temporary_passwords_satisfy_the_policy(db):
    pool = factories.create_pool(password_minimum_length=20)
    for _ in range(20):
        passwords.check_password_policy(pool=pool, password=passwords.generate_temporary_password(pool))


def test_a_disabled_user_cannot_finish_a_reset(pool, client_app, user, mailoutbox):
    from identity.services import users

    passwords.forgot_password(pool=pool, client=client_app, username=user.username)
    code = last_code(mailoutbox)
    users.admin_disable_user(pool=pool, username=user.username)
    before = snapshot(user)
    with pytest.raises(NotAuthorizedException):
        passwords.confirm_forgot_password(pool=pool, client=client_app, username=user.username, code=code, password=NEW)
    assert snapshot(user) == before
