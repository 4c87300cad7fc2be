"""Choice-based sign-in (Cognito's USER_AUTH): a password, a code by email or SMS, or a passkey.

signin.py hands USER_AUTH and its challenges (SELECT_CHALLENGE, SMS_OTP, WEB_AUTHN) to this module;
the steps themselves are signin.py's: its challenge rows, its password and SRP checks, its code
digests (the codes are sent as MFA codes are, by mfa.send_mfa_code), and its way of succeeding.

A passwordless first factor is not followed by MFA: a code sent to the user's verified address or
a passkey is already "something you have". It is risk-scored as a password is
(`first_factor_succeeded`, risk.next_step). For that reason, as in Cognito, a pool that requires
MFA offers no code first factors, and a passkey only when the pool counts a user-verifying passkey
as MFA (WebAuthn FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION).
"""
from __future__ import annotations

from django.db import transaction

from identity import clock, crypto, ratelimit, triggers
from identity.context import SYSTEM, RequestContext
from identity.errors import IdentityError, InvalidParameterException, LimitExceededException, NotAuthorizedException, UserNotFoundException
from identity.messaging import details_for
from identity.models import AuthChallenge, User, UserPool, UserPoolClient
from identity.services import codes, directory, lockout, mfa, passkeys, risk, signin

USER_AUTH = "USER_AUTH"
SELECT_CHALLENGE = "SELECT_CHALLENGE"
PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN = "PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"
# Policies.SignInPolicy.AllowedFirstAuthFactors, in the order sign-in offers them.
FIRST_FACTORS = (WEB_AUTHN, EMAIL_OTP, SMS_OTP, PASSWORD)
# ConfirmSignUp's Session: an AuthChallenge row of this name, redeemed once by InitiateAuth(USER_AUTH).
SIGNED_UP = "SIGNED_UP"
SIGNING_UP = "SIGNING_UP"
AMR = {EMAIL_OTP: ("otp",), SMS_OTP: ("otp", "sms"), WEB_AUTHN: ("hwk",)}


def check_first_auth_factors(factors) -> list[str]:
    """AllowedFirstAuthFactors as stored: 1-4 of PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN, PASSWORD among them.

    Raises InvalidParameterException otherwise (as Cognito, which keeps the password factor on).
    """
    if not isinstance(factors, list) or not factors or not all(isinstance(f, str) for f in factors):
        raise InvalidParameterException("AllowedFirstAuthFactors must list 1 to 4 of PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN.")
    unknown = set(factors) - set(FIRST_FACTORS)
    if unknown:
        raise InvalidParameterException(f"AllowedFirstAuthFactors cannot include {', '.join(sorted(unknown))}.")
    if PASSWORD not in factors:
        raise InvalidParameterException("AllowedFirstAuthFactors must include PASSWORD.")
    return [factor for factor in FIRST_FACTORS if factor in factors]


def pool_challenges(pool: UserPool) -> list[str]:
    """The first-factor challenges the pool's settings allow, whoever signs in."""
    required = pool.mfa_configuration == UserPool.MfaConfiguration.ON
    challenges = []
    for factor in (f for f in FIRST_FACTORS if f in pool.allowed_first_auth_factors):
        if factor == PASSWORD:
            challenges += [PASSWORD, PASSWORD_SRP]
        elif factor in (EMAIL_OTP, SMS_OTP) and not required:
            challenges.append(factor)
        elif factor == WEB_AUTHN and (not required or pool.webauthn_factor_configuration == passkeys.MULTI_FACTOR):
            challenges.append(factor)
    return challenges


def available_challenges(pool: UserPool, user: User | None) -> list[str]:
    """What this user can sign in with first: the pool's choices that the user has the means for.

    No user stands for "anyone": the pool's whole list. In a pool that requires MFA a passkey is a
    way in only for a user with passkey MFA on (Cognito's WebAuthnMfaSettings).
    """
    offered = pool_challenges(pool)
    if user is None:
        return offered
    required = pool.mfa_configuration == UserPool.MfaConfiguration.ON
    usable = {
        PASSWORD: bool(user.password), PASSWORD_SRP: bool(user.password),
        EMAIL_OTP: user.is_verified("email"), SMS_OTP: user.is_verified("phone_number"),
        WEB_AUTHN: passkeys.has_passkeys(user) and (not required or mfa.preference_of(user).webauthn_enabled),
    }
    return [challenge for challenge in offered if usable[challenge]]


def shown_username(pool: UserPool, user: User | None, username: str) -> str:
    """USERNAME in the challenge's parameters: the user's own, or for an unknown name the same
    made-up one SRP's decoy names (a UUID where email or phone is the username), stable per name."""
    return user.username if user is not None else signin._srp_decoy(pool, username)[0]


def initiate_user_auth(
    *, pool: UserPool, client: UserPoolClient, auth_parameters: dict, session: str | None = None,
    context: RequestContext = SYSTEM,
) -> signin.SignInResult:
    """USER_AUTH: sign in straight after sign-up (with ConfirmSignUp's Session), with PREFERRED_CHALLENGE,
    or else SELECT_CHALLENGE listing AvailableChallenges.

    A preferred challenge the user cannot use falls back to SELECT_CHALLENGE. Raises
    InvalidParameterException (flow not enabled, no USERNAME), NotAuthorizedException (SECRET_HASH,
    a Session that is not this user's live sign-up), UserNotFoundException (when the client does
    not hide existence), and what the chosen step raises.
    """
    if "ALLOW_USER_AUTH" not in client.explicit_auth_flows:
        raise InvalidParameterException("USER_AUTH flow not enabled for this client")
    username = auth_parameters.get("USERNAME")
    if not isinstance(username, str) or not username:
        raise InvalidParameterException("Missing required parameter USERNAME")
    signin.check_secret_hash(client, username, auth_parameters.get("SECRET_HASH"))
    if session:
        return _after_sign_up(pool=pool, client=client, username=username, session=session, context=context)
    user = directory.find_user(pool, username)
    if user is None and not client.hides_user_existence:
        raise UserNotFoundException("User does not exist.")
    # A client that hides who exists gets an answer that is the pool's alone, the same for a real
    # user and an unknown name: the pool's choices, a preference honoured whenever the pool offers
    # it (a method the user lacks is a step no answer completes), a name shaped like a real one.
    available = available_challenges(pool, None if client.hides_user_existence else user)
    preferred = auth_parameters.get("PREFERRED_CHALLENGE")
    if preferred in available:
        return begin(pool=pool, client=client, user=user, username=username, challenge=preferred, given=auth_parameters, context=context)
    state = {"available": available, "username": username}
    session = signin.start_challenge(pool=pool, client=client, user=user, name=SELECT_CHALLENGE, state=state)
    parameters = {"USERNAME": shown_username(pool, user, username)}
    return signin.ChallengeResult(name=SELECT_CHALLENGE, session=session, parameters=parameters, available_challenges=tuple(available))


def begin(
    *, pool: UserPool, client: UserPoolClient, user: User | None, username: str, challenge: str, given: dict, context: RequestContext,
) -> signin.SignInResult:
    """Start the chosen first factor; PASSWORD and PASSWORD_SRP take their fields (PASSWORD, SRP_A) from `given`."""
    if challenge == PASSWORD:
        password = given.get("PASSWORD")
        if not isinstance(password, str) or not password:
            raise InvalidParameterException("Missing required parameter PASSWORD")
        return signin.password_sign_in(pool=pool, client=client, username=username, password=password, context=context)
    if challenge == PASSWORD_SRP:
        srp_parameters = {"USERNAME": username, "SRP_A": given.get("SRP_A", ""), "SECRET_HASH": given.get("SECRET_HASH")}
        return signin._start_srp(pool=pool, client=client, auth_parameters=srp_parameters, context=context)
    triggers.pre_authentication(pool=pool, user=user, client=client, username=username, user_not_found=user is None, context=context)
    shown = shown_username(pool, user, username)
    if user is not None:
        user = _able_to_sign_in(user, client)
    if user is not None and challenge not in available_challenges(pool, user):
        # Only reached when the client hides who exists: the user lacks this method, so the step
        # is an unknown name's, and no message is sent.
        user = None
    if challenge in (EMAIL_OTP, SMS_OTP):
        return _send_code(pool=pool, client=client, user=user, username=username, shown=shown, challenge=challenge, context=context)
    options, state = passkeys.request_options(pool=pool, user=None if client.hides_user_existence else user)
    session = signin.start_challenge(pool=pool, client=client, user=user, name=WEB_AUTHN, state=state)
    return signin.ChallengeResult(name=WEB_AUTHN, session=session, parameters={"USERNAME": shown, "CREDENTIAL_REQUEST_OPTIONS": options})


def _able_to_sign_in(user: User, client: UserPoolClient) -> User | None:
    # Nothing is proven yet, so a disabled or unconfirmed account is, to a client that hides who
    # exists, an unknown name: it gets a step that no answer completes, and no message is sent.
    try:
        signin._check_can_sign_in(user)
    except IdentityError:
        if not client.hides_user_existence:
            raise
        return None
    return user


def _send_code(
    *, pool: UserPool, client: UserPoolClient, user: User | None, username: str, shown: str, challenge: str,
    context: RequestContext = SYSTEM,
) -> signin.ChallengeResult:
    attribute = "email" if challenge == EMAIL_OTP else "phone_number"
    state: dict = {"amr": list(AMR[challenge])}
    if user is None:
        # A step no code answers, shaped like a real one, so the reply does not tell who exists:
        # a destination masked as a real one is, and the same hourly limit a real user meets.
        key = crypto.keyed_digest("passwordless-decoy", f"{pool.pk}:{username.casefold()}")
        if not ratelimit.hit(f"mfa-code-send-decoy:{key}", limit=mfa.MFA_CODES_PER_HOUR, window_seconds=3600):
            raise LimitExceededException("Attempt limit exceeded, please try after some time.")
        delivery = details_for(attribute, _decoy_destination(attribute, username, key))
    else:
        # mfa.send_mfa_code limits how many codes a user is sent in an hour (LimitExceededException).
        code, delivery = mfa.send_mfa_code(user=user, factor=mfa.EMAIL_OTP if challenge == EMAIL_OTP else mfa.SMS_MFA, client=client, context=context)
        state["code_digest"] = signin._mfa_code_digest(user, code)
    session = signin.start_challenge(pool=pool, client=client, user=user, name=challenge, state=state)
    parameters = {
        "USERNAME": shown,
        "CODE_DELIVERY_DELIVERY_MEDIUM": delivery.delivery_medium, "CODE_DELIVERY_DESTINATION": delivery.destination,
    }
    return signin.ChallengeResult(name=challenge, session=session, parameters=parameters)


def _decoy_destination(attribute: str, username: str, key: str) -> str:
    # The name itself where it is an address of that kind (a real user signing in with it sees it
    # masked the same way), else a made-up one, the same at every attempt.
    if attribute == "email":
        return username.lower() if "@" in username else f"{key[:8]}@{key[8:14]}.com"
    if username.startswith("+") and username[1:].isdigit():
        return username
    return "+1" + "".join(str(int(c, 16) % 10) for c in key[:10])


# --- Answers (signin.respond_to_auth_challenge calls these inside its single-use row lock) ----------

def _select_challenge_answer(*, row: AuthChallenge, user: User | None, client: UserPoolClient, responses: dict, context) -> signin.SignInResult:
    answer = str(responses.get("ANSWER", ""))
    if answer not in row.state.get("available", []):
        raise InvalidParameterException("Invalid ANSWER: choose one of AvailableChallenges.")
    username = row.state.get("username") or (user.username if user else "")
    return begin(pool=row.pool, client=client, user=user, username=username, challenge=answer, given=responses, context=context)


def _web_authn_answer(*, row: AuthChallenge, user: User | None, client: UserPoolClient, responses: dict, context) -> signin.SignInResult:
    if row.state.get("second_factor"):
        return _web_authn_mfa_answer(row=row, user=user, client=client, responses=responses, context=context)
    assertion = passkeys.verify_assertion(user=user, state=row.state, credential=responses.get("CREDENTIAL"))
    # A passkey that verified the user counts as MFA where pool and user turned passkey MFA on.
    counts = assertion.user_verified and row.pool.webauthn_factor_configuration == passkeys.MULTI_FACTOR and mfa.preference_of(user).webauthn_enabled
    amr = AMR[WEB_AUTHN] + (("mfa",) if counts else ())
    # For adaptive authentication, user verification (a PIN or biometric on the key) is the second factor.
    return first_factor_succeeded(user=user, client=client, context=context, amr=amr, counts_as_mfa=assertion.user_verified)


def first_factor_succeeded(
    *, user: User, client: UserPoolClient, context: RequestContext, amr: tuple[str, ...], counts_as_mfa: bool = False,
) -> signin.AuthenticationResult:
    """A passwordless first factor was right: adaptive authentication scores and records the sign-in
    as it does after a password (risk.next_step, which may block it), then the user is signed in.

    No MFA step follows a passwordless first factor (as in Cognito), so a risk action asking for
    MFA is met only by `counts_as_mfa` (a user-verifying passkey); without it, MFA_REQUIRED blocks.
    Raises NotAuthorizedException (blocked).
    """
    risk.next_step(user=user, client=client, context=context, step=mfa.MfaStep(None), passwordless=True, first_factor_is_mfa=counts_as_mfa)
    return signin._succeed(user, client, context, amr=amr)


def _web_authn_mfa_answer(*, row: AuthChallenge, user: User, client: UserPoolClient, responses: dict, context) -> signin.SignInResult:
    # The passkey as the second factor (mfa.WEB_AUTHN): a wrong assertion counts against the MFA
    # lockout as a wrong code does, so a known password gives no endless tries.
    # A CREDENTIAL that is not JSON (InvalidParameterException) compared nothing: its place is given back.
    with lockout.attempt(pool=user.pool, subject=lockout.mfa_subject_for(user)) as guard:
        right = mfa.check_passkey(user=user, state=row.state, credential=responses.get("CREDENTIAL"))
        signin._count_second_factor(guard, right, NotAuthorizedException("The passkey could not be verified."))
    return signin._finish(row, user, client, context, amr=("pwd", "mfa", "hwk"))  # a named device is proven next


HANDLERS = {
    SELECT_CHALLENGE: _select_challenge_answer,
    # EMAIL_OTP's answer is the MFA one (signin._code_answer): the row's state says which factor it was.
    SMS_OTP: signin._code_answer("SMS_OTP_CODE"),
    WEB_AUTHN: _web_authn_answer,
}


# --- Sign-in straight after sign-up -----------------------------------------------------------

def signing_up_session(*, user: User, client: UserPoolClient) -> str:
    """The Session SignUp returns, proof that whoever confirms is whoever signed up (with the password).

    It lives as long as the confirmation code does. Cognito: SignUp's Session.
    """
    session = crypto.random_token(96)
    AuthChallenge.objects.create(
        pool=user.pool, client=client, user=user, challenge_name=SIGNING_UP, session_digest=crypto.keyed_digest("auth-session", session),
        expires_at=clock.now() + codes.LIFETIMES[codes.Purpose.SIGN_UP],
    )
    return session


def sign_up_session(*, user: User, client: UserPoolClient, signing_up: str | None) -> str | None:
    """The Session ConfirmSignUp returns, when given SignUp's own Session for this user and app client:
    one InitiateAuth(USER_AUTH) within AuthSessionValidity then signs the user in. Without it, None:
    a confirmation code alone never signs anyone in."""
    if not signing_up or "ALLOW_USER_AUTH" not in client.explicit_auth_flows:
        return None
    consumed = AuthChallenge.objects.filter(
        session_digest=crypto.keyed_digest("auth-session", signing_up), pool=user.pool, client=client, user=user,
        challenge_name=SIGNING_UP, consumed_at__isnull=True, expires_at__gt=clock.now(),
    ).update(consumed_at=clock.now())
    if not consumed:
        return None
    return signin.start_challenge(pool=user.pool, client=client, user=user, name=SIGNED_UP)


def _after_sign_up(*, pool: UserPool, client: UserPoolClient, username: str, session: str, context: RequestContext) -> signin.SignInResult:
    with transaction.atomic():
        row = (
            AuthChallenge.objects.select_for_update(of=("self",)).select_related("user")
            .filter(session_digest=crypto.keyed_digest("auth-session", session), pool=pool, client=client, challenge_name=SIGNED_UP)
            .first()
        )
        if row is None or row.consumed_at or row.expires_at <= clock.now() or row.user is None or directory.find_user(pool, username) != row.user:
            raise NotAuthorizedException("Invalid session for the user, session is expired.")
        row.consumed_at = clock.now()
        row.save(update_fields=["consumed_at"])
    user = row.user
    user.pool = pool
    # The same rule as the hosted pages' sign-up: the code just confirmed was the first factor.
    return signin.sign_in_after_confirmation(pool=pool, client=client, user=user, context=context)
