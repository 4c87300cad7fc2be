"""CUSTOM_AUTH: a sign-in whose steps the pool's Define / Create / Verify auth challenge triggers decide.

InitiateAuth (AuthFlow CUSTOM_AUTH, the client allowing ALLOW_CUSTOM_AUTH) runs PreAuthentication,
then DefineAuthChallenge with the steps so far. Its answer issues tokens, fails the sign-in, or names
the next challenge: CUSTOM_CHALLENGE (CreateAuthChallenge makes it; its public parameters and USERNAME
go to the client, its private ones stay in the step's AuthChallenge row; RespondToAuthChallenge's
ANSWER goes to VerifyAuthChallengeResponse, and Define is asked again with the grown list), or
PASSWORD_VERIFIER when the flow began with SRP (AuthParameters CHALLENGE_NAME=SRP_A and SRP_A: the
first step is {SRP_A: true}, then the usual SRP proof, then Define again). The sign-in ends through
identity.services.signin like any other, so PostAuthentication and the token triggers run as usual.
Cognito: the custom authentication challenge Lambda triggers.
"""
from __future__ import annotations

from identity import clock, triggers
from identity import triggers_catalogue as catalogue
from identity.context import RequestContext
from identity.errors import InvalidLambdaResponseException, InvalidParameterException, NotAuthorizedException, UserNotFoundException
from identity.models import AuthChallenge, User, UserPool, UserPoolClient
from identity.services import directory, signin, triggers_config
from identity.triggers import ChallengeResult as Step

CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
SESSION_KEY = "custom_auth_steps"  # in AuthChallenge.state: the steps so far, as request.session[] lists them
# Cognito ends a custom sign-in that goes on for too long; a bound keeps a looping Define from running forever.
MAX_STEPS = 16


def start(*, pool: UserPool, client: UserPoolClient, auth_parameters: dict, context: RequestContext) -> signin.SignInResult:
    """Begin CUSTOM_AUTH. Raises InvalidParameterException (no USERNAME, no DefineAuthChallenge trigger),
    UserNotFoundException (unless the client hides existence), NotAuthorizedException (the user cannot
    sign in, or Define fails the sign-in), and the triggers' errors."""
    username = auth_parameters.get("USERNAME")
    if not username:
        raise InvalidParameterException("Missing required parameter USERNAME")
    if triggers_config.target_for(pool, catalogue.DEFINE_AUTH_CHALLENGE) is None:
        raise InvalidParameterException("Custom auth lambda trigger is not configured for the user pool.")
    signin.check_secret_hash(client, username, auth_parameters.get("SECRET_HASH"))
    with_srp = auth_parameters.get("CHALLENGE_NAME") == "SRP_A"
    if with_srp and not auth_parameters.get("SRP_A"):
        raise InvalidParameterException("Missing required parameter SRP_A")
    user = directory.find_user(pool, username)
    if user is None and not client.hides_user_existence:
        raise UserNotFoundException("User does not exist.")
    if user is not None:
        signin._check_can_sign_in(user)
    triggers.pre_authentication(pool=pool, user=user, client=client, username=username, user_not_found=user is None, context=context)
    steps = [Step("SRP_A", True)] if with_srp else []
    return _next(pool, client, user, username, steps, context, srp_parameters=auth_parameters if with_srp else None)


def _next(pool, client, user: User | None, username: str, steps: list[Step], context, *, srp_parameters: dict | None = None):
    """Ask DefineAuthChallenge what follows `steps`, and do it."""
    if len(steps) >= MAX_STEPS:
        raise NotAuthorizedException(signin.BAD_CREDENTIALS)
    outcome = triggers.define_auth_challenge(
        pool=pool, user=user, client=client, session=steps, username=username, user_not_found=user is None, context=context,
    )
    if outcome.fail_authentication or (outcome.issue_tokens and user is None):
        raise NotAuthorizedException(signin.BAD_CREDENTIALS)
    if outcome.issue_tokens:
        proved_password = any(step.challenge_name == signin.PASSWORD_VERIFIER and step.challenge_result for step in steps)
        return signin._succeed(user, client, context, amr=("pwd",) if proved_password else ("custom",))
    if outcome.challenge_name == signin.PASSWORD_VERIFIER and srp_parameters is not None:
        return signin._start_srp(pool=pool, client=client, auth_parameters=srp_parameters, context=context, extra_state={SESSION_KEY: _saved(steps)})
    if outcome.challenge_name == CUSTOM_CHALLENGE:
        return _custom_challenge(pool, client, user, username, steps, context)
    raise InvalidLambdaResponseException(f"Invalid lambda response: challengeName {outcome.challenge_name} cannot follow here.")


def _custom_challenge(pool, client, user, username: str, steps: list[Step], context) -> signin.ChallengeResult:
    created = triggers.create_auth_challenge(
        pool=pool, user=user, challenge_name=CUSTOM_CHALLENGE, client=client, session=steps, username=username,
        user_not_found=user is None, context=context,
    )
    # The private parameters (the expected answer) never leave the server: they live on the step's row.
    state = {
        SESSION_KEY: _saved(steps), "private": created.private_challenge_parameters,
        "metadata": created.challenge_metadata, "username": user.username if user is not None else username,
    }
    session = signin.start_challenge(pool=pool, client=client, user=user, name=CUSTOM_CHALLENGE, state=state)
    parameters = {**created.public_challenge_parameters, "USERNAME": state["username"]}
    return signin.ChallengeResult(name=CUSTOM_CHALLENGE, session=session, parameters=parameters)


def answer_custom_challenge(*, row: AuthChallenge, user: User | None, client: UserPoolClient, responses: dict, context) -> signin.SignInResult:
    """RespondToAuthChallenge with CUSTOM_CHALLENGE: VerifyAuthChallengeResponse, then Define again."""
    answer = responses.get("ANSWER")
    if answer is None:
        raise InvalidParameterException("Missing required parameter ANSWER")
    # Answered, right or wrong, this step is over: Define decides whether another one follows.
    row.consumed_at = clock.now()
    state = row.state
    correct = triggers.verify_auth_challenge_response(
        pool=row.pool, user=user, private_challenge_parameters=state.get("private", {}), challenge_answer=str(answer),
        client=client, username=state["username"], user_not_found=user is None, context=context,
    )
    steps = _loaded(state) + [Step(CUSTOM_CHALLENGE, correct, state.get("metadata"))]
    return _next(row.pool, client, user, state["username"], steps, context)


def after_password_verifier(*, row: AuthChallenge, user: User, client: UserPoolClient, context) -> signin.SignInResult:
    """The SRP proof of a custom flow was right: Define again, with PASSWORD_VERIFIER passed."""
    steps = _loaded(row.state) + [Step(signin.PASSWORD_VERIFIER, True)]
    return _next(row.pool, client, user, user.username, steps, context)


def _saved(steps: list[Step]) -> list[dict]:
    return [{"name": s.challenge_name, "result": s.challenge_result, "metadata": s.challenge_metadata} for s in steps]


def _loaded(state: dict) -> list[Step]:
    return [Step(item["name"], bool(item["result"]), item.get("metadata")) for item in state.get(SESSION_KEY, [])]


signin._HANDLERS[CUSTOM_CHALLENGE] = answer_custom_challenge
