"""Lockout holds against parallel attempts, and wrong second-factor codes lock out as wrong passwords do."""
from __future__ import annotations

import pyotp
import pytest

from identity.errors import CodeMismatchException, NotAuthorizedException
from identity.services import lockout, mfa, mfa_config, signin
from tests import factories

LOCKED = "Password attempts exceeded"


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool)


def test_attempts_in_flight_take_places_so_a_burst_cannot_pass_the_check(pool, user):
    subject = lockout.subject_for(pool=pool, user=user, username=user.username)
    in_flight = [lockout.check_not_locked(pool=pool, subject=subject) for _ in range(pool.lockout_threshold)]
    # Five passwords are being checked at once: a sixth may not even be looked at.
    with pytest.raises(NotAuthorizedException, match=LOCKED):
        lockout.check_not_locked(pool=pool, subject=subject)
    for state in in_flight:
        lockout.record_failed_attempt(pool=pool, state=state)
    with pytest.raises(NotAuthorizedException, match=LOCKED):
        lockout.check_not_locked(pool=pool, subject=subject)


def test_a_refused_attempt_gives_its_place_back(pool, user, monkeypatch):
    subject = lockout.subject_for(pool=pool, user=user, username=user.username)
    in_flight = [lockout.check_not_locked(pool=pool, subject=subject) for _ in range(pool.lockout_threshold)]
    for _ in range(3):
        with pytest.raises(NotAuthorizedException):
            lockout.check_not_locked(pool=pool, subject=subject)
    lockout.record_success(state=in_flight[0])  # one of them had the right password
    assert lockout.check_not_locked(pool=pool, subject=subject).reserved == 1


def test_wrong_totp_codes_lock_the_second_factor_across_new_sign_ins(pool, app):
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="OPTIONAL", software_token_enabled=True)
    pool.refresh_from_db()
    user = factories.create_user(pool=pool, username="tom")
    secret = mfa.associate_software_token(user=user)
    mfa.verify_software_token(user=user, code=pyotp.TOTP(secret).now())
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    for _ in range(pool.lockout_threshold):
        # a fresh challenge each time: the password is known, the code is guessed
        step = signin.password_sign_in(pool=pool, client=app, username="tom", password=factories.DEFAULT_PASSWORD)
        with pytest.raises(CodeMismatchException):
            signin.respond_to_auth_challenge(pool=pool, client=app, challenge_name="SOFTWARE_TOKEN_MFA", session=step.session,
                                             responses={"USERNAME": "tom", "SOFTWARE_TOKEN_MFA_CODE": wrong})
    with pytest.raises(NotAuthorizedException, match=LOCKED):
        signin.password_sign_in(pool=pool, client=app, username="tom", password=factories.DEFAULT_PASSWORD)
