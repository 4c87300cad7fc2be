"""The lockout count keeps its history through a long attack, and only a compared secret takes a place.

Regressions: the count key's expiry was set once, so ~30 minutes into an attack the count fell back
to 1 and handed out a fresh threshold of guesses; and an attempt refused before its secret was
compared (a PreAuthentication refusal, a bad SRP TIMESTAMP, a CREDENTIAL that is not JSON) kept its
place, so five such requests with only a username locked the account. The clock is moved, never
slept through; `clock_driven_cache` makes the local cache's expiry follow that clock too.
"""
from __future__ import annotations

import json
import types

import pytest
from django.core.cache import cache
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import locmem
from django.test import override_settings
from pycognito.aws_srp import AWSSRP

from identity import clock
from identity.errors import InvalidParameterException, NotAuthorizedException, UserLambdaValidationException
from identity.services import lockout, mfa, mfa_config, passkeys, signin, triggers_config
from tests import factories
from tests.identity.test_lockout import LOCKED, PASSWORD, REDIS_URL, WRONG, cache_backend, fail, moving_clock, sign_in  # noqa: F401 (fixtures)

BAD = "Incorrect username or password."


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool)


@pytest.fixture
def clock_driven_cache(moving_clock, monkeypatch, settings):  # noqa: F811
    """The local-memory cache, its entries expiring by the moved clock, as Redis's do by the real one."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lockout-clock"}}
    moved = types.SimpleNamespace(time=lambda: clock.now().timestamp())
    monkeypatch.setattr(locmem, "time", moved)
    monkeypatch.setattr(cache_base, "time", moved)
    return moving_clock


def subject_of(pool, user):
    return lockout.subject_for(pool=pool, user=user, username=user.username)


# --- 1. The count lives as long as the state ----------------------------------------------------


def test_an_hour_of_failures_stays_at_the_cap_with_no_free_guesses(pool, app, user, clock_driven_cache):
    assert fail(pool, app, user.username, 5) == [BAD] * 5
    failures, lock, elapsed = 5, 1, 0
    while elapsed < 2 * 3600:
        clock_driven_cache.advance(lock)
        elapsed += lock
        assert sign_in(pool, app, user.username, WRONG) == BAD, elapsed
        failures += 1
        lock = lockout.lock_seconds(pool=pool, failures=failures)
        # Every failure locks again at once: no guess between two locks.
        assert sign_in(pool, app, user.username, WRONG) == LOCKED, elapsed
    assert lock == 900
    # Past the 30 minutes the count key once lived, the lock is still the cap's.
    clock_driven_cache.advance(899)
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED
    clock_driven_cache.advance(1)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_fifteen_quiet_minutes_still_reset_the_count_when_keys_expire_by_the_clock(pool, app, user, clock_driven_cache):
    fail(pool, app, user.username, 5)
    for failures in range(6, 20):
        clock_driven_cache.advance(lockout.lock_seconds(pool=pool, failures=failures - 1))
        fail(pool, app, user.username, 1)
    clock_driven_cache.advance(900 + 900)  # the last lock, then 15 quiet minutes: both keys have expired too
    assert cache.get(lockout._count_key(pool.pk, subject_of(pool, user))) is None
    assert fail(pool, app, user.username, 4) == [BAD] * 4
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


def test_a_count_lost_while_the_state_lives_starts_again_from_the_stored_failures(pool, app, user, moving_clock, cache_backend):  # noqa: F811
    fail(pool, app, user.username, 5)
    for failures in range(6, 16):
        moving_clock.advance(lockout.lock_seconds(pool=pool, failures=failures - 1))
        fail(pool, app, user.username, 1)
    cache.delete(lockout._count_key(pool.pk, subject_of(pool, user)))  # evicted, or expired by a cache's own clock
    moving_clock.advance(900)
    assert sign_in(pool, app, user.username, WRONG) == BAD  # the 16th failure, not the 1st
    moving_clock.advance(899)
    assert sign_in(pool, app, user.username, PASSWORD) == LOCKED
    moving_clock.advance(1)
    assert sign_in(pool, app, user.username, PASSWORD) == "ok"


@override_settings(CACHES={"default": {"BACKEND": "identity.cache.RedisCache", "LOCATION": REDIS_URL}})
def test_each_failure_gives_the_count_the_states_expiry_on_redis(pool, app, user):
    # Redis's TTLs run on the real clock, so they are read rather than waited for.
    redis = cache._cache.get_client(write=True)
    count_key = cache.make_and_validate_key(lockout._count_key(pool.pk, subject_of(pool, user)))
    state_key = cache.make_and_validate_key(lockout._state_key(pool.pk, subject_of(pool, user)))
    fail(pool, app, user.username, 1)
    redis.expire(count_key, 5)  # as if created long ago
    fail(pool, app, user.username, 1)
    full = pool.lockout_reset_seconds + pool.lockout_max_delay_seconds
    assert full - 5 <= redis.ttl(count_key) <= full
    assert abs(redis.ttl(count_key) - redis.ttl(state_key)) <= 1
    assert int(redis.get(count_key)) == 2


# --- 2. Only a compared secret takes a place ------------------------------------------------------


def test_an_attempt_left_without_an_outcome_gives_its_place_back(pool, user, cache_backend):  # noqa: F811
    subject = subject_of(pool, user)
    for _ in range(10):
        with pytest.raises(RuntimeError), lockout.attempt(pool=pool, subject=subject):
            raise RuntimeError("the database went away")
        with lockout.attempt(pool=pool, subject=subject):
            pass  # left without an outcome
    with lockout.attempt(pool=pool, subject=subject) as guard:
        assert guard.state.reserved == 1
        guard.failed()
    with lockout.attempt(pool=pool, subject=subject) as guard:
        assert guard.state.reserved == 2  # a recorded failure keeps its place
        with pytest.raises(RuntimeError, match="one outcome"):
            guard.failed()
            guard.succeeded()
    assert cache.get(lockout._state_key(pool.pk, subject))["failures"] == 2


def test_a_lock_refusal_from_attempt_leaves_nothing_to_give_back(pool, user):
    subject = subject_of(pool, user)
    for _ in range(5):
        with lockout.attempt(pool=pool, subject=subject) as guard:
            guard.failed()
    for _ in range(3):
        with pytest.raises(NotAuthorizedException, match=LOCKED):
            lockout.attempt(pool=pool, subject=subject)
    assert cache.get(lockout._count_key(pool.pk, subject)) == 5


def _refusing_pre_authentication(pool):
    triggers_config.set_lambda_config(pool=pool, lambda_config={"PreAuthentication": "python:tests.identity.triggers_support.fail"})
    pool.refresh_from_db()
    return pool


@pytest.mark.parametrize("username", ["known", "ghost"])
def test_pre_authentication_refusals_do_not_count(pool, app, user, moving_clock, cache_backend, username):  # noqa: F811
    name = user.username if username == "known" else "ghost"
    pool = _refusing_pre_authentication(pool)
    for _ in range(10):
        with pytest.raises(UserLambdaValidationException):
            signin.password_sign_in(pool=pool, client=app, username=name, password=WRONG)
    triggers_config.set_lambda_config(pool=pool, lambda_config={})
    pool.refresh_from_db()
    # Ten refusals later, nothing is locked: five wrong passwords are still needed for a lock.
    assert fail(pool, app, name, 4) == [BAD] * 4
    if username == "known":
        assert sign_in(pool, app, name, PASSWORD) == "ok"
    else:
        assert fail(pool, app, name, 2) == [BAD, LOCKED]


def srp_answer(pool, app, username, password, **changes):
    """Start USER_SRP_AUTH and answer PASSWORD_VERIFIER with `changes` made to pycognito's answer."""
    aws = AWSSRP(username=username, password=password, pool_id=pool.id, client_id=app.client_id, client=object())
    try:
        started = signin.initiate_auth(pool=pool, client=app, auth_flow="USER_SRP_AUTH", auth_parameters=aws.get_auth_params())
        responses = {**aws.process_challenge(started.parameters, {"USERNAME": username}), **changes}
        signin.respond_to_auth_challenge(pool=pool, client=app, challenge_name="PASSWORD_VERIFIER", session=started.session, responses=responses)
    except NotAuthorizedException as exc:
        return exc.message
    return "ok"


@pytest.mark.parametrize("answer", [
    {"TIMESTAMP": "Mon Jan 1 00:00:00 UTC 2001"},  # well formed, long past
    {"TIMESTAMP": "yesterday"},
    {"TIMESTAMP": 12},
    {"PASSWORD_CLAIM_SECRET_BLOCK": "not base64!"},
    {"PASSWORD_CLAIM_SECRET_BLOCK": 7},
])
def test_a_void_srp_proof_with_the_right_password_is_a_counted_and_audited_failure(pool, app, user, moving_clock, cache_backend, answer):  # noqa: F811
    # The client's proof is what failed, so it counts as a wrong password would (Cognito: NotAuthorized).
    assert [srp_answer(pool, app, user.username, PASSWORD, **answer) for _ in range(5)] == [BAD] * 5
    assert srp_answer(pool, app, user.username, PASSWORD) == LOCKED
    reasons = [event.details.get("reason") for event in user.events.filter(event_type="SignInFailure").order_by("pk")]
    assert reasons == ["srp"] * 5 + ["locked"]
    moving_clock.advance(1)
    assert srp_answer(pool, app, user.username, PASSWORD) == "ok"


def test_a_void_srp_proof_for_an_unknown_name_counts_like_a_real_ones(pool, app, moving_clock):
    stale = {"TIMESTAMP": "Mon Jan 1 00:00:00 UTC 2001"}
    assert [srp_answer(pool, app, "ghost", WRONG, **stale) for _ in range(6)] == [BAD] * 5 + [LOCKED]
    moving_clock.advance(1)  # the 5th failure's lock, and only that: no place was left taken
    assert srp_answer(pool, app, "ghost", WRONG) == BAD


@pytest.fixture
def passkey_mfa_user(db, settings):
    """A user with passkey MFA (beside email MFA, which passkey MFA needs): `passkey_step` reaches its WEB_AUTHN step."""
    from tests.webauthn_authenticator import SoftwarePasskey

    settings.USERPOOLS_BASE_URL = "http://localhost"
    pool = factories.create_pool(allowed_first_auth_factors=["PASSWORD", "WEB_AUTHN"])
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="OPTIONAL", email_enabled=True,
                                        webauthn={"FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})
    pool.refresh_from_db()
    app = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    authenticator = SoftwarePasskey(origin="http://localhost")
    options = passkeys.start_web_authn_registration(user=user, client_id=app.client_id)
    passkeys.complete_web_authn_registration(user=user, client_id=app.client_id, credential=authenticator.create(options))
    mfa.set_user_mfa_preference(user=user, email={"Enabled": True}, webauthn={"Enabled": True})
    return pool, app, user, authenticator


def passkey_step(pool, app):
    """A password sign-in, then SELECT_MFA_TYPE answered with the passkey: the WEB_AUTHN step."""
    choose = signin.password_sign_in(pool=pool, client=app, username="ana", password=PASSWORD)
    assert choose.name == mfa.SELECT_MFA_TYPE
    step = signin.respond_to_auth_challenge(pool=pool, client=app, challenge_name=mfa.SELECT_MFA_TYPE, session=choose.session,
                                            responses={"USERNAME": "ana", "ANSWER": mfa.WEB_AUTHN})
    assert step.name == mfa.WEB_AUTHN
    return step


def test_a_credential_that_is_not_json_for_passkey_mfa_does_not_count(passkey_mfa_user, moving_clock, cache_backend):  # noqa: F811
    pool, app, user, authenticator = passkey_mfa_user
    for _ in range(8):  # a new sign-in each time, as the step itself dies after five answers
        step = passkey_step(pool, app)
        with pytest.raises(InvalidParameterException):
            signin.respond_to_auth_challenge(pool=pool, client=app, challenge_name=mfa.WEB_AUTHN, session=step.session,
                                             responses={"USERNAME": "ana", "CREDENTIAL": "{not json"})
    step = passkey_step(pool, app)
    credential = authenticator.get(json.loads(step.parameters["CREDENTIAL_REQUEST_OPTIONS"]))
    result = signin.respond_to_auth_challenge(pool=pool, client=app, challenge_name=mfa.WEB_AUTHN, session=step.session,
                                              responses={"USERNAME": "ana", "CREDENTIAL": json.dumps(credential)})
    assert isinstance(result, signin.AuthenticationResult) and "hwk" in result.amr


def test_a_wrong_passkey_for_passkey_mfa_still_counts(passkey_mfa_user, moving_clock):
    from tests.webauthn_authenticator import SoftwarePasskey

    pool, app, user, authenticator = passkey_mfa_user
    outcomes = []
    for _ in range(6):
        try:
            step = passkey_step(pool, app)
            stranger = SoftwarePasskey(origin="http://localhost").get(json.loads(step.parameters["CREDENTIAL_REQUEST_OPTIONS"]))
            signin.respond_to_auth_challenge(pool=pool, client=app, challenge_name=mfa.WEB_AUTHN, session=step.session,
                                             responses={"USERNAME": "ana", "CREDENTIAL": json.dumps(stranger)})
        except NotAuthorizedException as exc:
            outcomes.append(exc.message)
    assert outcomes == ["The passkey could not be verified."] * 5 + [LOCKED]
