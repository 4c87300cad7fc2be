"""ChangePassword: the previous password proves the caller; policy, history and 5 an hour apply."""
import pytest

from identity.models import AuditEvent, User
from identity.services import passwords
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.identity.directory_support import OTHER_PASSWORD, STRONG_PASSWORD, cognito_error, snapshot


def _change(user, previous, proposed):
    return passwords.change_password(user=user, previous_password=previous, proposed_password=proposed)


def test_the_new_password_replaces_the_old(pool, user):
    changed_before = user.password_changed_at
    _change(user, DEFAULT_PASSWORD, STRONG_PASSWORD)
    user.refresh_from_db()
    assert passwords.password_matches(user, STRONG_PASSWORD) and not passwords.password_matches(user, DEFAULT_PASSWORD)
    assert user.status == User.Status.CONFIRMED and user.password_changed_at > changed_before


@pytest.mark.parametrize("previous", ["wrong-password", "", None, DEFAULT_PASSWORD.lower()])
def test_a_wrong_previous_password_changes_nothing(pool, user, previous):
    before = snapshot(pool)
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        _change(user, previous, STRONG_PASSWORD)
    assert snapshot(pool) == before
    assert AuditEvent.objects.filter(user=user, event_type="PasswordChangeFailure").count() == 1


@pytest.mark.parametrize(
    ("proposed", "message"),
    [
        ("Sh0rt!", "Password not long enough"),
        ("no-upper-case-1", "Password must have uppercase characters"),
        ("NO-LOWER-CASE-1", "Password must have lowercase characters"),
        ("No-Numbers-Here", "Password must have numeric characters"),
        ("NoSymbols12345", "Password must have symbol characters"),
    ],
)
def test_a_new_password_outside_the_policy_changes_nothing(pool, user, proposed, message):
    before = snapshot(pool)
    with cognito_error("InvalidPasswordException", message):
        _change(user, DEFAULT_PASSWORD, proposed)
    assert snapshot(pool) == before


def test_without_history_the_same_password_may_be_set_again(pool, user):
    _change(user, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    user.refresh_from_db()
    assert passwords.password_matches(user, DEFAULT_PASSWORD)


def test_with_history_recent_passwords_are_refused(db):
    pool = factories.create_pool(password_history_size=2)
    user = factories.create_user(pool=pool)
    _change(user, DEFAULT_PASSWORD, STRONG_PASSWORD)
    for reused in (STRONG_PASSWORD, DEFAULT_PASSWORD):
        before = snapshot(pool)
        with cognito_error("PasswordHistoryPolicyViolationException"):
            _change(user, STRONG_PASSWORD, reused)
        assert snapshot(pool) == before
    _change(user, STRONG_PASSWORD, OTHER_PASSWORD)
    # Two remembered: the current one and the one before; the oldest is free again.
    _change(user, OTHER_PASSWORD, DEFAULT_PASSWORD)


def test_five_changes_an_hour_then_limit_exceeded(pool, user):
    sequence = [DEFAULT_PASSWORD, STRONG_PASSWORD] * 3
    for previous, proposed in zip(sequence, sequence[1:]):
        _change(user, previous, proposed)
    before = snapshot(pool)
    with cognito_error("LimitExceededException"):
        _change(user, STRONG_PASSWORD, OTHER_PASSWORD)
    assert snapshot(pool) == before


def test_wrong_guesses_count_towards_the_limit(pool, user):
    for _ in range(5):
        with cognito_error("NotAuthorizedException"):
            _change(user, "guess", STRONG_PASSWORD)
    with cognito_error("LimitExceededException"):
        _change(user, DEFAULT_PASSWORD, STRONG_PASSWORD)
    user.refresh_from_db()
    assert passwords.password_matches(user, DEFAULT_PASSWORD)


def test_the_limit_is_per_user(pool, user):
    for _ in range(5):
        with cognito_error("NotAuthorizedException"):
            _change(user, "guess", STRONG_PASSWORD)
    other = factories.create_user(pool=pool)
    _change(other, DEFAULT_PASSWORD, STRONG_PASSWORD)
