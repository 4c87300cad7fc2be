"""The one sign-in state machine: start a flow, answer challenges, end in an authenticated user.

Every face drives it: the hosted pages, the OAuth server's login step, and the Cognito API's
InitiateAuth/RespondToAuthChallenge. It returns who signed in; minting tokens is the caller's
next step, always through identity.services.tokens.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime
import functools
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass, field

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from identity import clock, crypto, events, normalize, triggers
from identity.context import SYSTEM, RequestContext
from identity.errors import (
    CodeDeliveryFailureException,
    CodeMismatchException,
    IdentityError,
    InvalidParameterException,
    NotAuthorizedException,
    PasswordResetRequiredException,
    ResourceNotFoundException,
    UserNotConfirmedException,
    UserNotFoundException,
)
from identity.models import AuthChallenge, User, UserPool, UserPoolClient
from identity.services import attributes as attribute_rules
from identity.services import devices, directory, hotpath, hotpath_signin, lockout, mfa, migration, passwords, srp
from identity.services import risk

NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
SRP_FLOWS = {"USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH"}
# How far a PASSWORD_VERIFIER TIMESTAMP may be from our clock.
SRP_TIMESTAMP_WINDOW = datetime.timedelta(minutes=5)
PASSWORD_FLOWS = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
}
CUSTOM_FLOWS = {"CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH"}  # identity/services/custom_auth.py
MAX_CHALLENGE_ATTEMPTS = 5
BAD_CREDENTIALS = "Incorrect username or password."


@dataclass(frozen=True)
class AuthenticationResult:
    user: User
    auth_time: datetime.datetime
    amr: tuple[str, ...] = ("pwd",)
    token_source: str = "TokenGeneration_Authentication"  # PreTokenGeneration's triggerSource for these tokens
    device_key: str = ""  # the known device this sign-in proved (devices.py); "" when none


@dataclass(frozen=True)
class ChallengeResult:
    name: str
    session: str
    parameters: dict = field(default_factory=dict)
    available_challenges: tuple[str, ...] = ()  # SELECT_CHALLENGE's AvailableChallenges (passwordless.py)


SignInResult = AuthenticationResult | ChallengeResult


@functools.lru_cache(maxsize=1)
def _dummy_hash(cost_key: tuple) -> str:
    return make_password("timing-equaliser")


def _equalise_timing(password: str) -> None:
    # An unknown user costs one hash, as a known one does (cf. Django's ModelBackend, #20760).
    from django.conf import settings

    check_password(password, _dummy_hash(tuple(sorted(settings.USERPOOLS_ARGON2.items()))))


def initiate_auth(
    *, pool: UserPool, client: UserPoolClient, auth_flow: str, auth_parameters: dict, context: RequestContext = SYSTEM,
    session: str | None = None,
) -> SignInResult:
    """Start a sign-in flow the client is allowed to use. Cognito: InitiateAuth / AdminInitiateAuth.

    USER_AUTH (choice-based, with ConfirmSignUp's `session` for sign-in after sign-up) is passwordless.py's.

    Password flows (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH) check
    SECRET_HASH for clients with a secret. Raises InvalidParameterException (flow not enabled or
    unknown, missing USERNAME/PASSWORD) and whatever password_sign_in raises.
    """
    risk.check_address(pool=pool, context=context)  # an always-block range: before any name or password is looked at
    if auth_flow == "USER_AUTH":
        from identity.services import passwordless

        return passwordless.initiate_user_auth(pool=pool, client=client, auth_parameters=auth_parameters, session=session, context=context)
    permission = PASSWORD_FLOWS.get(auth_flow) or SRP_FLOWS.get(auth_flow) or CUSTOM_FLOWS.get(auth_flow)
    if permission is None:
        raise InvalidParameterException(f"Unsupported AuthFlow {auth_flow}.")
    if permission not in client.explicit_auth_flows:
        raise InvalidParameterException(f"{auth_flow} flow not enabled for this client")
    if auth_flow in CUSTOM_FLOWS:
        return custom_auth.start(pool=pool, client=client, auth_parameters=auth_parameters, context=context)
    if auth_flow in SRP_FLOWS:
        return _start_srp(pool=pool, client=client, auth_parameters=auth_parameters, context=context)
    username, password = auth_parameters.get("USERNAME"), auth_parameters.get("PASSWORD")
    if not username or not password:
        raise InvalidParameterException("Missing required parameter USERNAME or PASSWORD")
    check_secret_hash(client, username, auth_parameters.get("SECRET_HASH"))
    return password_sign_in(pool=pool, client=client, username=username, password=password, context=context,
                            device_key=auth_parameters.get("DEVICE_KEY"))


def check_secret_hash(client: UserPoolClient, username: str, secret_hash: str | None) -> None:
    from identity.services.pools import check_secret_hash as matches

    if not matches(client, username=username, secret_hash=secret_hash):
        raise NotAuthorizedException(f"Client {client.client_id} is configured with secret but SECRET_HASH was not received or did not match.")


def password_sign_in(
    *, pool: UserPool, client: UserPoolClient, username: str, password: str, context: RequestContext = SYSTEM,
    device_key: str | None = None, browser_device: tuple[str, str] | None = None,
) -> SignInResult:
    """Check a username (or alias) and password, then the user's state.

    Returns AuthenticationResult, or a NEW_PASSWORD_REQUIRED challenge for a temporary password.
    Raises NotAuthorizedException (bad credentials, disabled user, expired temporary password),
    UserNotFoundException (only when the client does not hide existence),
    UserNotConfirmedException, PasswordResetRequiredException, and the triggers' errors
    (UserMigration for an unknown name, then PreAuthentication, before the password is checked).
    """
    risk.check_address(pool=pool, context=context)
    user = directory.find_user(pool, username)
    if user is None:
        user = migration.migrate_user(pool=pool, client=client, username=username, source=migration.AUTHENTICATION, password=password, context=context)
    if user is None and not client.hides_user_existence:
        _equalise_timing(password)
        raise UserNotFoundException("User does not exist.")
    with _check_lockout(pool=pool, client=client, user=user, username=username, context=context) as guard:
        # A PreAuthentication refusal checked no password: leaving the block gives the place back.
        triggers.pre_authentication(pool=pool, user=user, client=client, username=username, user_not_found=user is None, context=context)
        if user is None:
            _equalise_timing(password)
            guard.failed()
            risk.record_failed_sign_in(pool=pool, user=None, context=context)
            raise NotAuthorizedException(BAD_CREDENTIALS)
        if not user.password:
            _equalise_timing(password)  # no stored password (passwordless, imported): the same cost as a wrong one
        if not passwords.password_matches(user, password):
            guard.failed()
            risk.record_failed_sign_in(pool=pool, user=user, context=context)
            events.sign_in_failed(user=user, context=context, details={"client_id": client.client_id, "reason": "password"})
            raise NotAuthorizedException(BAD_CREDENTIALS)
        guard.succeeded()
    _check_can_sign_in(user)
    if user.status == User.Status.FORCE_CHANGE_PASSWORD:
        return _new_password_challenge(pool=pool, client=client, user=user)
    if browser_device and devices.offers_browser_remembering(pool):
        return _after_first_factor_in_browser(client=client, user=user, context=context, password=password, browser_device=browser_device)
    return _after_first_factor(client=client, user=user, context=context, password=password, device_key=device_key)


def _check_lockout(
    *, pool: UserPool, client: UserPoolClient, user: User | None, username: str, context, reserve: bool = True
) -> lockout.Attempt:
    # Before any password work: a locked subject is refused, known or not, at the same cost.
    try:
        return lockout.attempt(pool=pool, subject=lockout.subject_for(pool=pool, user=user, username=username), reserve=reserve)
    except NotAuthorizedException:
        if user is not None:
            events.sign_in_failed(user=user, context=context, details={"client_id": client.client_id, "reason": "locked"})
        raise


def _check_can_sign_in(user: User) -> None:
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    if user.status == User.Status.UNCONFIRMED:
        raise UserNotConfirmedException("User is not confirmed.")
    if user.status == User.Status.RESET_REQUIRED:
        raise PasswordResetRequiredException("Password reset required for the user")
    expiry = user.temporary_password_expires_at
    if user.status == User.Status.FORCE_CHANGE_PASSWORD and expiry and expiry <= clock.now():
        raise NotAuthorizedException("Temporary password has expired and must be reset by an administrator.")


def _succeed(user: User, client: UserPoolClient, context: RequestContext, *, amr: tuple[str, ...], device_key: str = "") -> AuthenticationResult:
    new_device = devices.tracks_devices(user.pool) and not device_key
    triggers.post_authentication(pool=user.pool, user=user, client=client, new_device_used=new_device, context=context)
    events.signed_in(user=user, context=context, details={"client_id": client.client_id, "amr": list(amr)})
    risk.complete_sign_in(user=user, amr=amr)
    return AuthenticationResult(user=user, auth_time=clock.now(), amr=amr, device_key=device_key)


def _missing_required(user: User) -> list[str]:
    from identity import schema

    rules = schema.rules_for(user.pool.schema)
    return [name for name, rule in rules.items() if rule.required and name != "sub" and not user.attributes.get(name)]


def _new_password_challenge(*, pool: UserPool, client: UserPoolClient, user: User) -> ChallengeResult:
    session = start_challenge(pool=pool, client=client, user=user, name=NEW_PASSWORD_REQUIRED)
    parameters = {
        "USER_ID_FOR_SRP": user.username,
        "requiredAttributes": json.dumps([f"userAttributes.{name}" for name in _missing_required(user)]),
        "userAttributes": json.dumps(user.attributes),
    }
    return ChallengeResult(name=NEW_PASSWORD_REQUIRED, session=session, parameters=parameters)


def _start_srp(
    *, pool: UserPool, client: UserPoolClient, auth_parameters: dict, context: RequestContext, extra_state: dict | None = None
) -> ChallengeResult:
    """USER_SRP_AUTH: answer the client's A with salt, B and a SECRET_BLOCK (PASSWORD_VERIFIER)."""
    username = auth_parameters.get("USERNAME")
    a_public = srp.parse_a(auth_parameters.get("SRP_A", ""))
    if not username or a_public is None:
        raise InvalidParameterException("Missing or invalid USERNAME or SRP_A")
    check_secret_hash(client, username, auth_parameters.get("SECRET_HASH"))
    user = directory.find_user(pool, username)
    if user is None and not client.hides_user_existence:
        raise UserNotFoundException("User does not exist.")
    _check_lockout(pool=pool, client=client, user=user, username=username, context=context, reserve=False)
    if extra_state is None:  # a custom-auth flow (extra_state) ran PreAuthentication already
        triggers.pre_authentication(pool=pool, user=user, client=client, username=username, user_not_found=user is None, context=context)
    stored = passwords.srp_verifier(user) if user is not None else None
    if stored is None:
        # A decoy challenge that no password answers, so the reply does not tell who exists.
        user_id, salt, verifier = _srp_decoy(pool, username)
    else:
        user_id, (salt, verifier) = user.username, stored
    b_secret, b_public = srp.server_public(verifier)
    secret_block = base64.b64encode(secrets.token_bytes(64)).decode()
    state = {"A": format(a_public, "x"), "b": format(b_secret, "x"), "B": format(b_public, "x"), "v": format(verifier, "x"), "user_id": user_id, **(extra_state or {})}
    start_challenge(pool=pool, client=client, user=user, name=PASSWORD_VERIFIER, state=state, session=secret_block)
    parameters = {"SALT": salt, "SRP_B": format(b_public, "x"), "SECRET_BLOCK": secret_block, "USER_ID_FOR_SRP": user_id, "USERNAME": user_id}
    return ChallengeResult(name=PASSWORD_VERIFIER, session=secret_block, parameters=parameters)


def _srp_decoy(pool: UserPool, username: str) -> tuple[str, str, int]:
    """The same salt and verifier every time for one unknown name, as a real user's are, and the
    internal username a real user of this pool would show (a UUID where email or phone is the username)."""
    key = normalize.username_key(username, case_sensitive=pool.case_sensitive)
    digest = bytes.fromhex(crypto.keyed_digest("srp-decoy", f"{pool.pk}:{key}"))
    user_id = str(uuid.UUID(bytes=digest[:16], version=4)) if pool.username_attributes else username
    return user_id, digest[16:32].hex(), int.from_bytes(hashlib.sha256(digest).digest() * 12, "big") % srp.N


def _verify_password_claim(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context) -> SignInResult:
    state = row.state
    if responses.get("USERNAME") not in (None, state["user_id"]):
        raise NotAuthorizedException(BAD_CREDENTIALS)
    with _check_lockout(pool=row.pool, client=client, user=user, username=state["user_id"], context=context) as guard:
        return _check_password_claim(row=row, user=user, client=client, responses=responses, context=context, guard=guard)


def _check_password_claim(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context, guard: lockout.Attempt) -> SignInResult:
    """PASSWORD_VERIFIER's proof, recorded on `guard` (every way it can be wrong is a failed attempt), then what follows."""
    state = row.state
    moment = srp.parse_timestamp(responses.get("TIMESTAMP", ""))
    # A TIMESTAMP malformed or out of the window, or a SECRET_BLOCK that is not base64, voids the proof: a failure.
    in_window = moment is not None and abs(clock.now() - moment) <= SRP_TIMESTAMP_WINDOW
    key = srp.session_key(a_public=int(state["A"], 16), b_public=int(state["B"], 16), b_secret=int(state["b"], 16), verifier=int(state["v"], 16))
    claimed = responses.get("PASSWORD_CLAIM_SIGNATURE", "")
    block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK", "")
    try:
        expected = srp.expected_signature(key=key, pool_id=row.pool_id, username=state["user_id"], secret_block=block, timestamp=responses["TIMESTAMP"]) if key and in_window else ""
    except (ValueError, TypeError):
        expected = ""
    # An unknown name's decoy goes through the same work and fails here, counted like a wrong password.
    if user is None or not expected or not hmac.compare_digest(expected.encode(), str(claimed).encode()):
        guard.failed()
        risk.record_failed_sign_in(pool=row.pool, user=user, context=context)
        if user is not None:
            events.sign_in_failed(user=user, context=context, details={"client_id": client.client_id, "reason": "srp"})
        raise NotAuthorizedException(BAD_CREDENTIALS)
    guard.succeeded()
    _check_can_sign_in(user)
    if user.status == User.Status.FORCE_CHANGE_PASSWORD:
        return _new_password_challenge(pool=row.pool, client=client, user=user)
    if custom_auth.SESSION_KEY in state:
        return custom_auth.after_password_verifier(row=row, user=user, client=client, context=context)
    return _after_first_factor(client=client, user=user, context=context, device_key=responses.get("DEVICE_KEY"))


def start_challenge(
    *, pool: UserPool, client: UserPoolClient, user: User | None, name: str, state: dict | None = None, session: str | None = None,
    expires_at: datetime.datetime | None = None,
) -> str:
    """Store a challenge step and return its opaque, single-use Session string (live AuthSessionValidity, or until `expires_at`)."""
    session = session or crypto.random_token(96)
    hotpath.insert(AuthChallenge(
        pool=pool, client=client, user=user, challenge_name=name, state=state or {},
        session_digest=crypto.keyed_digest("auth-session", session),
        expires_at=expires_at or clock.now() + datetime.timedelta(minutes=client.auth_session_validity),
    ))
    return session


def respond_to_auth_challenge(
    *,
    pool: UserPool,
    client: UserPoolClient,
    challenge_name: str,
    session: str,
    responses: dict,
    context: RequestContext = SYSTEM,
) -> SignInResult:
    """Answer the challenge a Session stands for. Cognito: RespondToAuthChallenge.

    Raises NotAuthorizedException ("Invalid session for the user." for an unknown, used,
    expired or other client's session), InvalidParameterException, and the answer's own errors
    (for NEW_PASSWORD_REQUIRED: InvalidPasswordException, schema errors); a wrong answer leaves
    the session usable until MAX_CHALLENGE_ATTEMPTS.
    """
    from identity.services import passwordless  # USER_AUTH's steps

    handler = _HANDLERS.get(challenge_name) or passwordless.HANDLERS.get(challenge_name)
    if handler is None:
        raise InvalidParameterException(f"Unsupported ChallengeName {challenge_name}.")
    outcome = _answer(pool, client, challenge_name, session or "", responses or {}, handler, context)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _answer(pool, client, challenge_name, session, responses, handler, context):
    # The step is claimed (marked consumed) in one statement before it is answered, which serialises
    # answers as a row lock did, in one round trip instead of five (bench/signin.py): a second answer
    # meanwhile finds no live step. A right answer leaves it consumed; anything else gives it back
    # with the attempt counted. Errors are returned, not raised, like the rest of the state machine's.
    row = hotpath_signin.claim_challenge(
        pool=pool, client=client, digest=crypto.keyed_digest("auth-session", session), challenge_name=challenge_name, now=clock.now(),
    )
    if row is None:
        return NotAuthorizedException("Invalid session for the user, session is expired.")
    user = row.user
    named = responses.get("USERNAME")
    # The session's own username needs no second lookup; an alias does.
    if user is not None and named and named != user.username and directory.find_user(pool, named) != user:
        _give_back(row)
        return NotAuthorizedException("Invalid session for the user.")
    try:
        check_secret_hash(client, responses.get("USERNAME") or (user.username if user else ""), responses.get("SECRET_HASH"))
        result = handler(row=row, user=user, client=client, responses=responses, context=context)
    except CodeDeliveryFailureException as exc:
        _give_back(row)  # the code did not go out (SELECT_MFA_TYPE → SMS): not a wrong answer, the step stays as it was
        return exc
    except Exception as exc:
        _count_wrong_answer(row)
        return exc
    return result


def _give_back(row: AuthChallenge) -> None:
    """Undo the claim of an answer that did not use the step (consumed_at as it was, None)."""
    row.save(update_fields=["consumed_at"])


def _count_wrong_answer(row: AuthChallenge) -> None:
    """A wrong answer leaves the step usable until MAX_CHALLENGE_ATTEMPTS (a handler may have used it up: consumed_at)."""
    attempts = row.state.get("attempts", 0) + 1
    row.state = {**row.state, "attempts": attempts}
    if attempts >= MAX_CHALLENGE_ATTEMPTS:
        row.consumed_at = clock.now()
    row.save(update_fields=["state", "consumed_at"])


def _consume(row: AuthChallenge) -> None:
    row.consumed_at = clock.now()
    row.save(update_fields=["consumed_at"])


def _complete_new_password(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context) -> SignInResult:
    _check_can_sign_in(user)
    new_password = responses.get("NEW_PASSWORD")
    if not new_password:
        raise InvalidParameterException("Missing required parameter NEW_PASSWORD")
    given = {key.removeprefix("userAttributes."): value for key, value in responses.items() if key.startswith("userAttributes.")}
    if given:
        attribute_rules.check_writes(user.pool, given, creating=False, client=client)
    with transaction.atomic():
        user.attributes = {**user.attributes, **given}
        missing = _missing_required(user)
        if missing:
            raise InvalidParameterException(f"Attributes did not conform to the schema: {missing[0]}: The attribute is required")
        passwords.check_password_policy(pool=user.pool, password=new_password, user=user)
        passwords.store_password(user, new_password, temporary=False)
        user.status = User.Status.CONFIRMED
        directory.save_user(user, update_fields=["attributes", "password", "srp_verifier", "password_changed_at", "temporary_password_expires_at", "status"])
    result = _after_first_factor(client=client, user=user, context=context, device_key=responses.get("DEVICE_KEY"))
    if isinstance(result, AuthenticationResult):
        return dataclasses.replace(result, token_source="TokenGeneration_NewPasswordChallenge")
    return result


_HANDLERS = {NEW_PASSWORD_REQUIRED: _complete_new_password, PASSWORD_VERIFIER: _verify_password_claim}


def sign_in_after_confirmation(
    *, pool: UserPool, client: UserPoolClient, user: User, context: RequestContext = SYSTEM
) -> SignInResult:
    """Continue into a session right after the user confirmed the sign-up they made in this same flow.

    The password was proven at sign-up, so it is not asked again (Cognito's hosted UI, and
    ConfirmSignUp's Session for USER_AUTH, do the same); the user's state is checked as at any
    sign-in. Raises what a sign-in raises for the user's state.
    """
    if user.pool_id != pool.id:
        raise NotAuthorizedException(BAD_CREDENTIALS)
    triggers.pre_authentication(pool=pool, user=user, client=client, context=context)
    _check_can_sign_in(user)
    return _after_first_factor(client=client, user=user, context=context)


# --- Second factors: identity/services/mfa.py knows the factors; here is their place in the sequence.

def _after_first_factor(
    *, client: UserPoolClient, user: User, context: RequestContext, password: str | None = None, device_key: str | None = None
) -> SignInResult:
    """The password (or SRP proof, or new password) was right: finish, or ask for what MFA needs (and risk adds)."""
    if device_key and devices.tracks_devices(user.pool):
        return _after_first_factor_on_device(client=client, user=user, context=context, password=password, device_key=device_key)
    step = risk.next_step(user=user, client=client, context=context, step=mfa.next_mfa_step(user), password=password)
    if step.challenge is None:
        return _succeed(user, client, context, amr=("pwd",))
    # While wrong codes have locked the second factor, no new challenge (and no new code sent).
    lockout.check_not_locked(pool=user.pool, subject=lockout.mfa_subject_for(user), reserve=False)
    return _mfa_challenge(client=client, user=user, step=step, context=context)


def _mfa_code_digest(user: User, code: str) -> str:
    return crypto.keyed_digest("mfa-code", f"{user.pk}:{code}")


def _mfa_challenge(
    *, client: UserPoolClient, user: User, step: mfa.MfaStep, context: RequestContext = SYSTEM, device_key: str | None = None
) -> ChallengeResult:
    state: dict = {"device_key": device_key} if device_key else {}
    parameters = {"USER_ID_FOR_SRP": user.username}
    if step.challenge in (mfa.SMS_MFA, mfa.EMAIL_OTP):
        # The code lives only as a digest on this step's row, and expires with it (AuthSessionValidity).
        # Sent before the row exists: a code that did not go out leaves no step to answer.
        code, delivery = mfa.send_mfa_code(user=user, factor=step.challenge, client=client, context=context)
        state["code_digest"] = _mfa_code_digest(user, code)
        parameters.update({"CODE_DELIVERY_DELIVERY_MEDIUM": delivery.delivery_medium, "CODE_DELIVERY_DESTINATION": delivery.destination})
    elif step.challenge == mfa.SELECT_MFA_TYPE:
        state["options"] = list(step.options)
        parameters["MFAS_CAN_CHOOSE"] = json.dumps(list(step.options))
    elif step.challenge == mfa.MFA_SETUP:
        parameters["MFAS_CAN_SETUP"] = json.dumps(list(step.options))
    elif step.challenge == mfa.WEB_AUTHN:  # a passkey after the password; answered in passwordless.py
        from identity.services import passkeys

        parameters["CREDENTIAL_REQUEST_OPTIONS"], options_state = passkeys.mfa_request_options(user=user)
        state = {**state, **options_state}
    session = start_challenge(pool=user.pool, client=client, user=user, name=step.challenge, state=state)
    return ChallengeResult(name=step.challenge, session=session, parameters=parameters)


def _code_answer(*fields: str):
    def answer(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context) -> SignInResult:
        given = next((str(responses[name]) for name in fields if responses.get(name)), "")
        if user is None:  # a decoy step for an unknown name: no code answers it
            raise CodeMismatchException("Invalid code or auth state for the user.")
        with lockout.attempt(pool=user.pool, subject=lockout.mfa_subject_for(user)) as guard:
            right = bool(given) and crypto.digests_match(row.state.get("code_digest", ""), _mfa_code_digest(user, given))
            _count_second_factor(guard, right, CodeMismatchException("Invalid code or auth state for the user."))
        if row.state.get("setup_email"):  # MFA_SETUP's email set-up: the address is proven
            mfa.finish_email_setup(user=user, address=row.state["setup_email"], context=context)
        if row.state.get("amr"):  # a passwordless first factor's row names its own amr; risk-scored there
            from identity.services import passwordless

            return passwordless.first_factor_succeeded(user=user, client=client, context=context, amr=tuple(row.state["amr"]))
        return _finish(row, user, client, context, amr=("pwd", "mfa"))

    return answer


def _software_token_answer(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context) -> SignInResult:
    # A recovery code is accepted in the same field (our addition; Cognito has none).
    with lockout.attempt(pool=user.pool, subject=lockout.mfa_subject_for(user)) as guard:
        right = mfa.check_software_token(user=user, code=str(responses.get("SOFTWARE_TOKEN_MFA_CODE", "")))
        _count_second_factor(guard, right, CodeMismatchException("Invalid code received for user"))
    return _finish(row, user, client, context, amr=("pwd", "mfa"))


def _count_second_factor(guard: lockout.Attempt, right: bool, wrong: Exception) -> None:
    """Wrong codes lock out as wrong passwords do, across challenges, so a known password gives no endless guesses."""
    if not right:
        guard.failed()
        raise wrong
    guard.succeeded()


def _select_mfa_type_answer(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context) -> SignInResult:
    answer = str(responses.get("ANSWER", ""))
    answer = mfa.EMAIL_OTP if answer == "EMAIL_MFA" else answer
    if answer not in row.state.get("options", []):
        raise InvalidParameterException("Invalid ANSWER: choose one of MFAS_CAN_CHOOSE.")
    return _mfa_challenge(client=client, user=user, step=mfa.MfaStep(answer), context=context, device_key=row.state.get("device_key"))


def _mfa_setup_answer(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context) -> SignInResult:
    if responses.get("EMAIL") and not row.state.get("verified"):
        # Email MFA set up here: a code to the address given, then EMAIL_OTP (mfa.start_email_setup).
        code, delivery = mfa.start_email_setup(user=user, address=str(responses["EMAIL"]), client=client, context=context)
        state = {"code_digest": _mfa_code_digest(user, code), "setup_email": str(responses["EMAIL"]).strip()}
        session = start_challenge(pool=user.pool, client=client, user=user, name=mfa.EMAIL_OTP, state=state)
        parameters = {"USER_ID_FOR_SRP": user.username, "CODE_DELIVERY_DELIVERY_MEDIUM": delivery.delivery_medium,
                      "CODE_DELIVERY_DESTINATION": delivery.destination}
        return ChallengeResult(name=mfa.EMAIL_OTP, session=session, parameters=parameters)
    if not row.state.get("verified"):
        raise InvalidParameterException("MFA setup is not complete: call AssociateSoftwareToken and VerifySoftwareToken with the Session first.")
    return _finish(row, user, client, context, amr=("pwd", "mfa"))


_HANDLERS.update({
    mfa.SMS_MFA: _code_answer("SMS_MFA_CODE"),
    mfa.EMAIL_OTP: _code_answer("EMAIL_OTP_CODE", "EMAIL_MFA_CODE"),
    mfa.SOFTWARE_TOKEN_MFA: _software_token_answer,
    mfa.SELECT_MFA_TYPE: _select_mfa_type_answer,
    mfa.MFA_SETUP: _mfa_setup_answer,
})


def associate_software_token_in_session(*, session: str, context: RequestContext = SYSTEM) -> tuple[str, str]:
    """MFA_SETUP during sign-in: a new authenticator secret and the Session of the next step.

    Cognito: AssociateSoftwareToken with a Session. Raises NotAuthorizedException for a session
    that is not a live MFA_SETUP step.
    """
    def associate(row):
        if mfa.SOFTWARE_TOKEN_MFA not in mfa.pool_factors(row.pool):
            raise InvalidParameterException("Software token MFA is not enabled for this user pool.")
        return mfa.associate_software_token(user=row.user, context=context), False

    outcome = _advance_setup(session, associate)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def verify_software_token_in_session(*, session: str, code: str, friendly_name: str = "", context: RequestContext = SYSTEM) -> str:
    """MFA_SETUP during sign-in: confirm the authenticator; returns the Session to answer MFA_SETUP with.

    Cognito: VerifySoftwareToken with a Session. Raises NotAuthorizedException (bad session),
    EnableSoftwareTokenMFAException (wrong code; counted against the step's attempts).
    """
    outcome = _advance_setup(session, lambda row: (mfa.verify_software_token(user=row.user, code=code, friendly_name=friendly_name, context=context), True))
    if isinstance(outcome, Exception):
        raise outcome
    return outcome[1]


@transaction.atomic
def _advance_setup(session: str, work):
    # Errors are returned, not raised, so that a counted wrong attempt commits.
    row = AuthChallenge.objects.select_for_update(of=("self",)).select_related("user", "user__pool", "client").filter(
        session_digest=crypto.keyed_digest("auth-session", session or ""), challenge_name=mfa.MFA_SETUP,
    ).first()
    if row is None or row.consumed_at or row.expires_at <= clock.now() or row.user is None:
        return NotAuthorizedException("Invalid session for the user, session is expired.")
    try:
        value, verified = work(row)
    except IdentityError as exc:
        _count_wrong_answer(row)
        return exc
    _consume(row)
    # The next step inherits the deadline and the wrong-attempt count: one password proof does not
    # become a set-up session that stays alive for as long as the caller keeps calling.
    carried = {key: row.state[key] for key in ("device_key", "attempts") if row.state.get(key)}
    following = start_challenge(pool=row.pool, client=row.client, user=row.user, name=mfa.MFA_SETUP,
                                state={"verified": verified, **carried}, expires_at=row.expires_at)
    return value, following


# --- Devices (identity/services/devices.py): DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER.

DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER = "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"


def _after_first_factor_on_device(
    *, client: UserPoolClient, user: User, context: RequestContext, password: str | None, device_key: str
) -> SignInResult:
    """A sign-in that names a device (DEVICE_KEY). A confirmed device is proven by device SRP, before
    the tokens; a remembered one in a pool with ChallengeRequiredOnNewDevice instead of MFA (and of
    the MFA that risk would add), any other after MFA. An unconfirmed key is a new device again.
    Raises ResourceNotFoundException("Device does not exist.") for a key this user does not have."""
    device = devices.device_for_sign_in(user=user, device_key=device_key)
    if not device.confirmed:
        return _after_first_factor(client=client, user=user, context=context, password=password)
    # The device's key is what risk scoring knows the device by; it counts only once proven (below).
    context = dataclasses.replace(context, device_id=device.device_key)
    # The event stays InProgress until the device is proven: a known DEVICE_KEY alone makes no history.
    step = risk.next_step(user=user, client=client, context=context, step=mfa.next_mfa_step(user), password=password, pending=True)
    skipped = step.challenge not in (None, mfa.MFA_SETUP) and devices.skips_mfa(device)
    # While wrong second factors have locked MFA, no new step: a remembered device does not get round the lock.
    lockout.check_not_locked(pool=user.pool, subject=lockout.mfa_subject_for(user), reserve=False)
    if step.challenge is None or skipped:
        return _device_srp_challenge(client=client, user=user, device_key=device.device_key, amr=("pwd",), mfa_skipped=skipped)
    return _mfa_challenge(client=client, user=user, step=step, context=context, device_key=device.device_key)


def _after_first_factor_in_browser(
    *, client: UserPoolClient, user: User, context: RequestContext, password: str, browser_device: tuple[str, str]
) -> SignInResult:
    """The hosted pages' remembered browser (its cookie's device key and password): the same rule as a
    remembered SDK device, skipping MFA where the pool lets remembered devices do so."""
    device = devices.browser_device(user=user, device_key=browser_device[0], password=browser_device[1], context=context)
    if device is None or not devices.skips_mfa(device):
        return _after_first_factor(client=client, user=user, context=context, password=password)
    context = dataclasses.replace(context, device_id=device.device_key)
    step = risk.next_step(user=user, client=client, context=context, step=mfa.next_mfa_step(user), password=password)
    if step.challenge == mfa.MFA_SETUP:
        return _mfa_challenge(client=client, user=user, step=step, context=context)
    lockout.check_not_locked(pool=user.pool, subject=lockout.mfa_subject_for(user), reserve=False)
    devices.record_authenticated(device=device, context=context)
    return _succeed(user, client, context, amr=("pwd", "swk") if step.challenge else ("pwd",), device_key=device.device_key)


def _finish(row: AuthChallenge, user: User, client: UserPoolClient, context: RequestContext, *, amr: tuple[str, ...]) -> SignInResult:
    """The last factor was right: tokens, unless the sign-in named a confirmed device still to be proven."""
    device_key = row.state.get("device_key")
    if device_key:
        return _device_srp_challenge(client=client, user=user, device_key=device_key, amr=amr, mfa_skipped=False)
    return _succeed(user, client, context, amr=amr)


def _device_session(nonce: str) -> str:
    return crypto.keyed_digest("device-srp-session", nonce)


def _device_srp_challenge(*, client: UserPoolClient, user: User, device_key: str, amr: tuple[str, ...], mfa_skipped: bool) -> ChallengeResult:
    # Its Session can be found again from the username and device key (pending_device_session), for SDKs
    # that answer DEVICE_SRP_AUTH without one; this step grants nothing, the next one needs the device's secret.
    nonce = crypto.random_token(32)
    state = {"device_key": device_key, "amr": list(amr), "mfa_skipped": mfa_skipped, "nonce": nonce}
    session = start_challenge(pool=user.pool, client=client, user=user, name=DEVICE_SRP_AUTH, state=state, session=_device_session(nonce))
    return ChallengeResult(name=DEVICE_SRP_AUTH, session=session, parameters={"USERNAME": user.username, "USER_ID_FOR_SRP": user.username})


def pending_device_session(*, pool: UserPool, client: UserPoolClient, responses: dict) -> str:
    """The Session of the live DEVICE_SRP_AUTH step for the USERNAME and DEVICE_KEY answered, or "" when none."""
    user = directory.find_user(pool, str(responses.get("USERNAME") or "")) if responses.get("USERNAME") else None
    device_key = str(responses.get("DEVICE_KEY") or "")
    if user is None or not device_key:
        return ""
    rows = AuthChallenge.objects.filter(
        pool=pool, client=client, user=user, challenge_name=DEVICE_SRP_AUTH, consumed_at__isnull=True, expires_at__gt=clock.now(),
    ).order_by("-id").values_list("state", flat=True)[:5]
    nonce = next((state["nonce"] for state in rows if hmac.compare_digest(str(state.get("device_key", "")), device_key)), None)
    return _device_session(nonce) if nonce else ""


def _device_srp_answer(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context) -> SignInResult:
    """DEVICE_SRP_AUTH: the client's A for the device; answer with the device's salt, B and a SECRET_BLOCK."""
    state = row.state
    if not hmac.compare_digest(str(responses.get("DEVICE_KEY") or ""), state["device_key"]):
        raise NotAuthorizedException(BAD_CREDENTIALS)
    a_public = srp.parse_a(responses.get("SRP_A", ""))
    if a_public is None:
        raise InvalidParameterException("Missing or invalid SRP_A")
    device = devices.device_for_sign_in(user=user, device_key=state["device_key"])  # forgotten meanwhile: "Device does not exist."
    if not device.confirmed:
        raise ResourceNotFoundException(devices.DEVICE_NOT_FOUND)
    salt, verifier = devices.device_verifier(device)
    b_secret, b_public = srp.server_public(verifier)
    secret_block = base64.b64encode(secrets.token_bytes(64)).decode()
    following = {
        "A": format(a_public, "x"), "b": format(b_secret, "x"), "B": format(b_public, "x"), "v": format(verifier, "x"),
        "device_key": device.device_key, "group_key": device.device_group_key, "amr": state["amr"], "mfa_skipped": state["mfa_skipped"],
    }
    # It lives no longer than this step would have, however this step was found (pending_device_session).
    start_challenge(pool=row.pool, client=client, user=user, name=DEVICE_PASSWORD_VERIFIER, state=following, session=secret_block,
                    expires_at=row.expires_at)
    parameters = {"SALT": salt, "SRP_B": format(b_public, "x"), "SECRET_BLOCK": secret_block, "USERNAME": user.username, "DEVICE_KEY": device.device_key}
    return ChallengeResult(name=DEVICE_PASSWORD_VERIFIER, session=secret_block, parameters=parameters)


def _device_password_answer(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context) -> SignInResult:
    """DEVICE_PASSWORD_VERIFIER: the device's proof. A wrong one is audited and counts against this step's own
    MAX_CHALLENGE_ATTEMPTS only, not the user's lockout: the step can be reached without a Session
    (pending_device_session), so wrong proofs from whoever knows USERNAME and DEVICE_KEY must not lock the
    user out, and a 40-byte random device password gives no guess a chance."""
    state = row.state
    if responses.get("DEVICE_KEY") not in (None, state["device_key"]):
        raise NotAuthorizedException(BAD_CREDENTIALS)
    lockout.check_not_locked(pool=user.pool, subject=lockout.mfa_subject_for(user), reserve=False)
    timestamp = str(responses.get("TIMESTAMP", ""))
    moment = srp.parse_timestamp(timestamp)
    key = srp.session_key(a_public=int(state["A"], 16), b_public=int(state["B"], 16), b_secret=int(state["b"], 16), verifier=int(state["v"], 16))
    try:
        expected = srp.expected_device_signature(
            key=key, device_group_key=state["group_key"], device_key=state["device_key"],
            secret_block=str(responses.get("PASSWORD_CLAIM_SECRET_BLOCK", "")), timestamp=timestamp,
        ) if key and moment else ""
    except ValueError:  # a SECRET_BLOCK that is not base64
        expected = ""
    claimed = str(responses.get("PASSWORD_CLAIM_SIGNATURE", ""))
    in_window = moment is not None and abs(clock.now() - moment) <= SRP_TIMESTAMP_WINDOW
    if not expected or not in_window or not hmac.compare_digest(expected.encode(), claimed.encode()):
        events.sign_in_failed(user=user, context=context, details={"client_id": client.client_id, "reason": "device", "device_key": state["device_key"]})
        raise NotAuthorizedException(BAD_CREDENTIALS)
    _check_can_sign_in(user)
    device = devices.device_for_sign_in(user=user, device_key=state["device_key"])
    if state["mfa_skipped"] and not devices.skips_mfa(device):  # set not_remembered while this sign-in was under way
        raise NotAuthorizedException(BAD_CREDENTIALS)
    devices.record_authenticated(device=device, context=context)
    context = dataclasses.replace(context, device_id=device.device_key)
    result = _succeed(user, client, context, amr=(*state["amr"], "swk"), device_key=device.device_key)
    return dataclasses.replace(result, token_source="TokenGeneration_AuthenticateDevice")


_HANDLERS.update({DEVICE_SRP_AUTH: _device_srp_answer, DEVICE_PASSWORD_VERIFIER: _device_password_answer})


# CUSTOM_AUTH lives in its own module and registers its CUSTOM_CHALLENGE answer in _HANDLERS.
from identity.services import custom_auth  # noqa: E402  (it imports this module)
