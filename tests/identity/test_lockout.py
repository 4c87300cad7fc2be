"""Failed-sign-in lockout, each of Cognito's rules, with the clock moved instead of slept through."""
from __future__ import annotations

import datetime
import os

import pytest
from django.test import override_settings
from pycognito.aws_srp import AWSSRP

from identity import clock
from identity.errors import NotAuthorizedException, UserNotFoundException
from identity.services import lockout, signin
from tests import factories

REDIS_URL = os.environ.get("USERPOOLS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = factories.DEFAULT_PASSWORD
WRONG = "Wrong-Horse-9"
LOCKED = "Password attempts exceeded"


class MovableClock:
    """identity.clock.now, frozen, moved forward by the test."""

    def __init__(self, monkeypatch):
        self.now = clock.now()
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def moving_clock(monkeypatch):
    return MovableClock(monkeypatch)


@pytest.fixture(params=["locmem", "redis"])
def cache_backend(request):
    """Also Redis, as in production; each test's keys are its own pool's, so parallel runs do not meet."""
    if request.param == "locmem":
        yield request.param
        return
    # Undone before the suite's cache.clear() runs at teardown, which on Redis would flush every worker's keys.
    with override_settings(CACHES={"default": {"BACKEND": "identity.cache.RedisCache", "LOCATION": REDIS_URL}}):
        yield request.param


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool)


def sign_in(pool, app, username, password):
    """The outcome of one password sign-in: "ok", or the error's message."""
    try:
        signin.password_sign_in(pool=pool, client=app, username=username, password=password)
    except NotAuthorizedException as exc:
        return exc.message
    return "ok"


def fail(pool, app, username, times):
    return [sign_in(pool, app, username, WRONG) for _ in range(times)]


def test_five_failures_lock_for_one_second_then_the_password_works(pool, app, user, moving_clock, cache_backend):
    assert fail(pool, app, user.username, 5) == ["Incorrect username or password."] * 5
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED  # checked before the password is
    moving_clock.advance(0.999)
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED
    moving_clock.advance(0.001)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_four_failures_do_not_lock(pool, app, user, moving_clock):
    fail(pool, app, user.username, 4)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_each_further_failure_doubles_the_lock(pool, app, user, moving_clock, cache_backend):
    fail(pool, app, user.username, 5)
    for failures, expected in [(6, 2), (7, 4), (8, 8), (9, 16)]:
        moving_clock.advance(2 ** (failures - 6))  # the previous lock's end
        assert sign_in(pool, app, user.username, WRONG) == "Incorrect username or password."
        moving_clock.advance(expected - 0.01)
        assert sign_in(pool, app, user.username, WRONG) == LOCKED, failures
        moving_clock.advance(-(expected - 0.01))


def test_lock_length_doubles_up_to_about_fifteen_minutes(pool):
    lengths = [lockout.lock_seconds(pool=pool, failures=n) for n in range(1, 20)]
    assert lengths[:4] == [0, 0, 0, 0]
    assert lengths[4:14] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    assert lengths[14:] == [900] * 5  # 2^10 s would pass the cap
    assert lockout.lock_seconds(pool=pool, failures=10**6) == 900


def test_a_long_run_of_failures_stays_capped(pool, app, user, moving_clock):
    fail(pool, app, user.username, 5)
    for failures in range(6, 16):
        moving_clock.advance(min(2 ** (failures - 6), 900))
        assert sign_in(pool, app, user.username, WRONG) == "Incorrect username or password."
    moving_clock.advance(899)
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED
    moving_clock.advance(1)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_attempts_during_a_lock_do_not_extend_it_or_count(pool, app, user, moving_clock, cache_backend):
    fail(pool, app, user.username, 6 - 1)
    moving_clock.advance(1)
    fail(pool, app, user.username, 1)  # the 6th failure: locked for 2 s
    for _ in range(10):
        moving_clock.advance(0.15)
        assert sign_in(pool, app, user.username, WRONG) == LOCKED
    moving_clock.advance(0.5)  # 2 s after the 6th failure
    # The refused tries did not count: the next failure is the 7th, a 4 s lock.
    assert sign_in(pool, app, user.username, WRONG) == "Incorrect username or password."
    moving_clock.advance(3.99)
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED
    moving_clock.advance(0.01)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_the_count_resets_after_fifteen_quiet_minutes(pool, app, user, moving_clock, cache_backend):
    fail(pool, app, user.username, 4)
    moving_clock.advance(900)
    # A fresh count: four more failures still leave the account open.
    fail(pool, app, user.username, 4)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_the_count_survives_just_under_fifteen_quiet_minutes(pool, app, user, moving_clock):
    fail(pool, app, user.username, 4)
    moving_clock.advance(899)
    fail(pool, app, user.username, 1)
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED


def test_a_long_lock_ends_with_a_fresh_count_after_fifteen_quiet_minutes(pool, app, user, moving_clock):
    fail(pool, app, user.username, 5)
    for failures in range(6, 16):
        moving_clock.advance(min(2 ** (failures - 6), 900))
        fail(pool, app, user.username, 1)
    moving_clock.advance(900)
    # The 900 s lock has just ended: that was no quiet time, so the next failure locks at the cap again.
    assert fail(pool, app, user.username, 2) == ["Incorrect username or password.", LOCKED]
    moving_clock.advance(900 + 899)
    assert sign_in(pool, app, user.username, WRONG) == "Incorrect username or password."  # 899 quiet s: still counted
    moving_clock.advance(900 + 900)
    # 900 quiet s after the lock ended the count is gone, so one more failure does not lock again.
    fail(pool, app, user.username, 1)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_a_successful_sign_in_resets_the_count(pool, app, user, moving_clock):
    fail(pool, app, user.username, 4)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"
    fail(pool, app, user.username, 4)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_aliases_share_one_count(moving_clock, db):
    pool = factories.create_pool(alias_attributes=["email"])
    app = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="carol", attributes={"email": "carol@example.com", "email_verified": "true"})
    fail(pool, app, "carol", 3)
    fail(pool, app, "CAROL@example.com", 2)
    assert sign_in(pool, app, "carol", PASSWORD) == LOCKED
    assert sign_in(pool, app, "carol@example.com", PASSWORD) == LOCKED
    assert sign_in(pool, app, str(user.sub), PASSWORD) == LOCKED


def test_unknown_names_lock_like_real_users_when_the_client_hides_existence(pool, app, user, moving_clock, cache_backend):
    unknown = [sign_in(pool, app, "ghost", WRONG) for _ in range(6)]
    known = [sign_in(pool, app, user.username, WRONG) for _ in range(6)]
    assert unknown == known == ["Incorrect username or password."] * 5 + [LOCKED]
    # The unknown name is counted in its normalised form, as a real username is compared.
    assert sign_in(pool, app, "GHOST", WRONG) == LOCKED
    moving_clock.advance(1)
    assert sign_in(pool, app, "ghost", WRONG) == "Incorrect username or password."


def test_unknown_names_are_not_found_when_the_client_does_not_hide_existence(pool, moving_clock):
    legacy = factories.create_client(pool=pool, prevent_user_existence_errors="LEGACY")
    for _ in range(7):
        with pytest.raises(UserNotFoundException):
            signin.password_sign_in(pool=pool, client=legacy, username="ghost", password=WRONG)


def test_lockout_is_per_pool(pool, app, user, moving_clock):
    other_pool = factories.create_pool()
    other_app = factories.create_client(pool=other_pool)
    factories.create_user(pool=other_pool, username=user.username)
    fail(pool, app, user.username, 5)
    assert sign_in(other_pool, other_app, user.username, PASSWORD) == "ok"
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED


def test_the_pools_own_settings_shape_the_lockout(moving_clock, db):
    pool = factories.create_pool(
        lockout_threshold=3, lockout_base_delay_seconds=10, lockout_max_delay_seconds=25, lockout_reset_seconds=60
    )
    app = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool)
    fail(pool, app, user.username, 3)
    moving_clock.advance(9)
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED
    moving_clock.advance(1)
    fail(pool, app, user.username, 1)  # the 4th: 20 s
    moving_clock.advance(19)
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED
    moving_clock.advance(1)
    fail(pool, app, user.username, 1)  # the 5th: 40 s, capped at 25 s
    moving_clock.advance(25)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"
    fail(pool, app, user.username, 2)
    moving_clock.advance(60)  # the pool's reset window
    fail(pool, app, user.username, 2)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_threshold_zero_turns_lockout_off(moving_clock, db):
    pool = factories.create_pool(lockout_threshold=0)
    app = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool)
    fail(pool, app, user.username, 30)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_a_locked_disabled_user_is_refused_as_locked_before_its_state_is_told(pool, app, moving_clock):
    disabled = factories.create_user(pool=pool, enabled=False)
    fail(pool, app, disabled.username, 5)
    assert sign_in(pool, app, disabled.username, PASSWORD) == LOCKED
    moving_clock.advance(1)
    assert sign_in(pool, app, disabled.username, PASSWORD) == "User is disabled."


def test_refusals_are_audited(pool, app, user, moving_clock):
    fail(pool, app, user.username, 6)
    reasons = [event.details.get("reason") for event in user.events.filter(event_type="SignInFailure").order_by("pk")]
    assert reasons == ["password"] * 5 + ["locked"]


# SRP: the PASSWORD_VERIFIER step proves the password, so it counts the same way.


def srp_sign_in(pool, app, username, password):
    aws = AWSSRP(username=username, password=password, pool_id=pool.id, client_id=app.client_id, client=object())
    try:
        started = signin.initiate_auth(pool=pool, client=app, auth_flow="USER_SRP_AUTH", auth_parameters=aws.get_auth_params())
        responses = aws.process_challenge(started.parameters, {"USERNAME": username})
        signin.respond_to_auth_challenge(
            pool=pool, client=app, challenge_name="PASSWORD_VERIFIER", session=started.session, responses=responses
        )
    except NotAuthorizedException as exc:
        return exc.message
    return "ok"


def test_srp_failures_count_and_a_lock_stops_srp(pool, app, user, moving_clock, cache_backend):
    assert [srp_sign_in(pool, app, user.username, WRONG) for _ in range(3)] == ["Incorrect username or password."] * 3
    fail(pool, app, user.username, 2)  # one count across both flows
    assert srp_sign_in(pool, app, user.username, PASSWORD) == LOCKED
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED
    moving_clock.advance(1)
    assert srp_sign_in(pool, app, user.username, PASSWORD) == "ok"
    # The SRP success reset the count.
    fail(pool, app, user.username, 4)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_a_lock_earned_during_an_srp_step_stops_its_answer(pool, app, user, moving_clock):
    aws = AWSSRP(username=user.username, password=PASSWORD, pool_id=pool.id, client_id=app.client_id, client=object())
    started = signin.initiate_auth(pool=pool, client=app, auth_flow="USER_SRP_AUTH", auth_parameters=aws.get_auth_params())
    fail(pool, app, user.username, 5)  # meanwhile, someone else guesses
    responses = aws.process_challenge(started.parameters, {"USERNAME": user.username})
    with pytest.raises(NotAuthorizedException, match=LOCKED):
        signin.respond_to_auth_challenge(pool=pool, client=app, challenge_name="PASSWORD_VERIFIER", session=started.session, responses=responses)


def test_unknown_names_lock_under_srp_too(pool, app, user, moving_clock):
    unknown = [srp_sign_in(pool, app, "ghost", WRONG) for _ in range(6)]
    known = [srp_sign_in(pool, app, user.username, WRONG) for _ in range(6)]
    assert unknown == known == ["Incorrect username or password."] * 5 + [LOCKED]
