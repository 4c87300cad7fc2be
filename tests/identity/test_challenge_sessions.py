"""A challenge Session answers once: single use, expiry, its own client and challenge, counted wrong answers.

RespondToAuthChallenge claims the step in one statement before checking the answer
(identity/services/hotpath_signin.claim_challenge); these are the rules that claim must keep.
The SRP answers are pycognito's own maths.
"""
from __future__ import annotations

import datetime

import pytest
from pycognito.aws_srp import AWSSRP

from identity import clock
from identity.errors import InvalidPasswordException, NotAuthorizedException
from identity.models import AuthChallenge, User
from identity.services import signin, srp
from tests import factories

PASSWORD = factories.DEFAULT_PASSWORD
EXPIRED = "Invalid session for the user, session is expired."


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool)


def srp_step(pool, app, username: str, password: str = PASSWORD):
    """InitiateAuth USER_SRP_AUTH and the client's PASSWORD_VERIFIER answer to it."""
    client = AWSSRP(username=username, password=password, pool_id=pool.id, client_id=app.client_id, client=object())
    step = signin.initiate_auth(pool=pool, client=app, auth_flow="USER_SRP_AUTH", auth_parameters=client.get_auth_params())
    assert step.name == "PASSWORD_VERIFIER"
    return step, client.process_challenge(step.parameters, {"USERNAME": username})


def answer(pool, app, step, responses, name: str = "PASSWORD_VERIFIER"):
    return signin.respond_to_auth_challenge(pool=pool, client=app, challenge_name=name, session=step.session, responses=responses)


def outcome(call) -> str:
    try:
        result = call()
    except (NotAuthorizedException, InvalidPasswordException) as exc:
        return exc.message
    return "signed in" if isinstance(result, signin.AuthenticationResult) else result.name


def test_a_step_answers_once(pool, app, user):
    step, responses = srp_step(pool, app, user.username)
    assert outcome(lambda: answer(pool, app, step, responses)) == "signed in"
    assert outcome(lambda: answer(pool, app, step, responses)) == EXPIRED
    row = AuthChallenge.objects.get(pool=pool, challenge_name="PASSWORD_VERIFIER")
    assert row.consumed_at is not None and "attempts" not in row.state


def test_an_answer_in_flight_holds_the_step(pool, app, user, monkeypatch):
    # While one answer is being checked, a second one to the same step (a parallel request, a
    # replay) finds no live step: at most one of them can sign in.
    step, responses = srp_step(pool, app, user.username)
    seen, real = [], srp.session_key

    def answered_again_meanwhile(**kwargs):
        if not seen:
            seen.append(outcome(lambda: answer(pool, app, step, responses)))
        return real(**kwargs)

    monkeypatch.setattr(srp, "session_key", answered_again_meanwhile)
    assert outcome(lambda: answer(pool, app, step, responses)) == "signed in"
    assert seen == [EXPIRED]


def test_a_step_expires_with_the_clients_auth_session_validity(pool, app, user, monkeypatch):
    step, responses = srp_step(pool, app, user.username)
    later = clock.now() + datetime.timedelta(minutes=app.auth_session_validity)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert outcome(lambda: answer(pool, app, step, responses)) == EXPIRED
    monkeypatch.setattr(clock, "now", lambda: later - datetime.timedelta(seconds=1))
    assert outcome(lambda: answer(pool, app, step, responses)) == "signed in"


def test_another_clients_or_challenges_answer_is_refused_and_leaves_the_step_usable(pool, app, user):
    step, responses = srp_step(pool, app, user.username)
    other_app = factories.create_client(pool=pool)
    assert outcome(lambda: answer(pool, other_app, step, responses)) == EXPIRED
    assert outcome(lambda: answer(pool, app, step, {"NEW_PASSWORD": "Another-Horse-9"}, name="NEW_PASSWORD_REQUIRED")) == EXPIRED
    assert outcome(lambda: answer(pool, app, step, responses)) == "signed in"


def test_naming_another_user_is_refused_and_leaves_the_step_usable(pool, app, user):
    factories.create_user(pool=pool, username="bob")
    step, responses = srp_step(pool, app, user.username)
    assert outcome(lambda: answer(pool, app, step, {**responses, "USERNAME": "bob"})) == "Invalid session for the user."
    assert AuthChallenge.objects.get(pool=pool, challenge_name="PASSWORD_VERIFIER").consumed_at is None
    assert outcome(lambda: answer(pool, app, step, responses)) == "signed in"


def test_a_wrong_proof_counts_and_the_right_one_still_signs_in(pool, app, user):
    step, responses = srp_step(pool, app, user.username)
    wrong = {**responses, "PASSWORD_CLAIM_SIGNATURE": "AAAA" + responses["PASSWORD_CLAIM_SIGNATURE"][4:]}
    assert wrong != responses
    assert outcome(lambda: answer(pool, app, step, wrong)) == "Incorrect username or password."
    row = AuthChallenge.objects.get(pool=pool, challenge_name="PASSWORD_VERIFIER")
    assert row.consumed_at is None and row.state["attempts"] == 1
    assert outcome(lambda: answer(pool, app, step, responses)) == "signed in"


@pytest.fixture
def temporary(pool):
    return factories.create_user(pool=pool, username="newbie", status=User.Status.FORCE_CHANGE_PASSWORD)


def test_four_wrong_answers_leave_the_step_usable(pool, app, temporary):
    step = signin.password_sign_in(pool=pool, client=app, username="newbie", password=PASSWORD)
    assert step.name == "NEW_PASSWORD_REQUIRED"
    for _ in range(signin.MAX_CHALLENGE_ATTEMPTS - 1):
        assert outcome(lambda: answer(pool, app, step, {"NEW_PASSWORD": "short"}, name="NEW_PASSWORD_REQUIRED")).startswith("Password")
    assert outcome(lambda: answer(pool, app, step, {"NEW_PASSWORD": "Another-Horse-9"}, name="NEW_PASSWORD_REQUIRED")) == "signed in"


def test_the_fifth_wrong_answer_uses_the_step_up(pool, app, temporary):
    step = signin.password_sign_in(pool=pool, client=app, username="newbie", password=PASSWORD)
    for _ in range(signin.MAX_CHALLENGE_ATTEMPTS):
        assert outcome(lambda: answer(pool, app, step, {"NEW_PASSWORD": "short"}, name="NEW_PASSWORD_REQUIRED")).startswith("Password")
    assert outcome(lambda: answer(pool, app, step, {"NEW_PASSWORD": "Another-Horse-9"}, name="NEW_PASSWORD_REQUIRED")) == EXPIRED
    temporary.refresh_from_db()
    assert temporary.status == User.Status.FORCE_CHANGE_PASSWORD


def test_an_unknown_names_decoy_step_is_used_like_a_real_one(pool, app):
    hiding = factories.create_client(pool=pool, prevent_user_existence_errors="ENABLED")
    step, responses = srp_step(pool, hiding, "nobody")
    assert outcome(lambda: answer(pool, hiding, step, responses)) == "Incorrect username or password."
    row = AuthChallenge.objects.get(pool=pool, challenge_name="PASSWORD_VERIFIER")
    assert row.user is None and row.consumed_at is None and row.state["attempts"] == 1
