"""Cognito's Lambda triggers: the event JSON, its delivery, and one function per point where a flow calls them.

Each trigger-point function is keyword-only and a no-op without a query when the pool has no such
trigger. When one is configured it builds Cognito's event (`version`, `triggerSource`, `region`,
`userPoolId`, `userName`, `callerContext`, `request`, `response` pre-filled with Cognito's defaults),
delivers it (identity.triggers_delivery), logs the invocation, checks the answer and returns what the
flow needs. Failures are Cognito's: the handler raised -> UserLambdaValidationException("<Trigger>
failed with error <message>."), a malformed answer -> InvalidLambdaResponseException, a timeout or an
unreachable target -> UnexpectedLambdaException. Call them outside the flow's transaction where the
flow's own writes must survive the trigger (PostConfirmation), and before writing where a failure must
leave nothing behind (PreSignUp): the invocation log row is written on the caller's connection.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Callable, TypeVar

from django.conf import settings

from identity import triggers_catalogue as catalogue
from identity import triggers_delivery as delivery
from identity import triggers_senders, triggers_tokens
from identity.context import SYSTEM, RequestContext
from identity.errors import InvalidLambdaResponseException, UnexpectedLambdaException, UserLambdaValidationException
from identity.models import Group, TriggerInvocation, User, UserPool, UserPoolClient
from identity.services import triggers_config
from identity.services.triggers_config import Target
from identity.triggers_tokens import NO_CHANGES, ClaimChanges

logger = logging.getLogger("identity.triggers")
SDK_VERSION = "aws-sdk-unknown-unknown"  # what Cognito sends when the caller's SDK is not known
T = TypeVar("T")


# The general entry point


def invoke(
    pool: UserPool, trigger_source: str, user_name: str | None, request: dict, client_id: str | None = None,
    *, sdk_version: str = SDK_VERSION,
) -> dict:
    """Invoke the pool's trigger for `trigger_source` with `request`; its checked `response`.

    Without a configured trigger, Cognito's default response. Raises UserLambdaValidationException,
    InvalidLambdaResponseException or UnexpectedLambdaException as Cognito does.
    """
    trigger = catalogue.trigger_of(trigger_source)
    target = triggers_config.target_for(pool, trigger)
    if target is None:
        return catalogue.default_response(trigger)
    event = build_event(pool, target, trigger_source, user_name, request, client_id, sdk_version=sdk_version)
    return _invoke(pool, target, event, _checker(trigger))


def build_event(
    pool: UserPool, target: Target, trigger_source: str, user_name: str | None, request: dict, client_id: str | None,
    *, sdk_version: str = SDK_VERSION,
) -> dict:
    """Cognito's event for one invocation."""
    return {
        "version": catalogue.event_version(target.trigger, target.version),
        "triggerSource": trigger_source,
        "region": settings.USERPOOLS_REGION,
        "userPoolId": pool.pk,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": sdk_version, "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE"},
        "request": request,
        "response": catalogue.default_response(target.trigger, target.version),
    }


def _invoke(pool: UserPool, target: Target, event: dict, read: Callable[[dict], T]) -> T:
    request_id = str(uuid.uuid4())
    started = time.monotonic()
    try:
        secret = triggers_config.trigger_secret(pool) if target.kind == "webhook" else ""
        answer, attempts = delivery.deliver(target, event, secret=secret, request_id=request_id)
        result = _read(answer, read)
    except delivery.DeliveryFailure as failure:
        _log(pool, target, event, started, failure.attempts, failure.outcome, failure.message)
        raise _cognito_error(target.trigger, failure) from None
    _log(pool, target, event, started, attempts, TriggerInvocation.Outcome.OK, "")
    return result


def _read(answer, read: Callable[[dict], T]) -> T:
    response = answer.get("response") if isinstance(answer, dict) else None
    if not isinstance(response, dict):
        raise delivery.Malformed("Unrecognizable lambda output")
    try:
        return read(response)
    except ValueError as exc:
        raise delivery.Malformed(f"Invalid lambda response: {exc}") from None


def _cognito_error(trigger: str, failure: delivery.DeliveryFailure) -> Exception:
    if isinstance(failure, delivery.Rejected):
        return UserLambdaValidationException(f"{trigger} failed with error {failure.message}.")
    if isinstance(failure, delivery.Malformed):
        return InvalidLambdaResponseException(failure.message)
    # Why the target was unreachable (its address, a refusal) is for the operator's log, not the caller.
    reason = "a timeout" if "timed out" in failure.message else "an unreachable trigger"
    return UnexpectedLambdaException(f"{trigger} invocation failed due to {reason}.")


def _log(pool, target: Target, event: dict, started: float, attempts: int, outcome: str, message: str) -> None:
    duration_ms = int((time.monotonic() - started) * 1000)
    TriggerInvocation.objects.create(
        pool_id=pool.pk, trigger=target.trigger, trigger_source=event["triggerSource"], target_kind=target.kind,
        target=delivery.describe_target(target), attempts=attempts, duration_ms=duration_ms, outcome=outcome,
        error_message=message[:512],
    )
    level = logging.INFO if outcome == TriggerInvocation.Outcome.OK else logging.WARNING
    logger.log(level, "trigger %s %s on %s: %s in %d ms %s", event["triggerSource"], target.kind, pool.pk, outcome, duration_ms, message)


# Checking answers: the fields Cognito reads, with their types (None is always allowed)

_STRING_MAP, _WORDS = "string map", "list of strings"
_RESPONSE_FIELDS = {
    catalogue.PRE_SIGN_UP: {"autoConfirmUser": bool, "autoVerifyEmail": bool, "autoVerifyPhone": bool},
    catalogue.DEFINE_AUTH_CHALLENGE: {"challengeName": str, "issueTokens": bool, "failAuthentication": bool},
    catalogue.CREATE_AUTH_CHALLENGE: {"publicChallengeParameters": _STRING_MAP, "privateChallengeParameters": dict, "challengeMetadata": str},
    catalogue.VERIFY_AUTH_CHALLENGE_RESPONSE: {"answerCorrect": bool},
    catalogue.USER_MIGRATION: {
        "userAttributes": _STRING_MAP, "finalUserStatus": str, "messageAction": str, "desiredDeliveryMediums": _WORDS,
        "forceAliasCreation": bool, "enableSMSMFA": bool,
    },
    catalogue.CUSTOM_MESSAGE: {"smsMessage": str, "emailMessage": str, "emailSubject": str},
    catalogue.INBOUND_FEDERATION: {"userAttributesToMap": _STRING_MAP},
}


def _checker(trigger: str) -> Callable[[dict], dict]:
    fields = _RESPONSE_FIELDS.get(trigger, {})

    def check(response: dict) -> dict:
        for name, kind in fields.items():
            value = response.get(name)
            if value is not None and not _is(value, kind):
                raise ValueError(f"{name} must be a {kind if isinstance(kind, str) else kind.__name__}")
        return response

    return check


def _is(value, kind) -> bool:
    if kind == _STRING_MAP:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if kind == _WORDS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, kind)


# Building requests


def user_attributes(user: User | None) -> dict[str, str]:
    """`request.userAttributes`: a stored user's with sub and cognito:user_status first, as Cognito sends them."""
    if user is None:
        return {}
    if user._state.adding:  # not written yet (pre sign-up): only what was given
        return dict(user.attributes)
    return {"sub": str(user.sub), **user.attributes, "cognito:user_status": user.status}


def _request(user: User | None, context: RequestContext, client_metadata: dict | None, **fields) -> dict:
    request = {"userAttributes": user_attributes(user), **fields}
    metadata = context.client_metadata if client_metadata is None else client_metadata
    if metadata:
        request["clientMetadata"] = dict(metadata)
    return request


def _client_id(client: UserPoolClient | None) -> str | None:
    return client.client_id if client is not None else None


def _name(user: User | None, username: str | None) -> str | None:
    return user.username if user is not None else username


def _run(pool: UserPool, trigger: str, source: str, user_name, request: dict, client, read: Callable[[dict], T] | None = None) -> T | dict:
    if source not in catalogue.SOURCES[trigger]:
        raise ValueError(f"{source!r} is not a triggerSource of {trigger}")
    target = triggers_config.target_for(pool, trigger)
    event = build_event(pool, target, source, user_name, request, _client_id(client))
    return _invoke(pool, target, event, read or _checker(trigger))


def _configured(pool: UserPool, trigger: str) -> bool:
    return triggers_config.target_for(pool, trigger) is not None


# Trigger points: sign-up and confirmation


@dataclass(frozen=True)
class PreSignUpOutcome:
    auto_confirm: bool = False
    auto_verify_email: bool = False
    auto_verify_phone: bool = False


def pre_sign_up(
    *, pool: UserPool, user: User, client: UserPoolClient | None = None, source: str = "PreSignUp_SignUp",
    validation_data: dict | None = None, context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> PreSignUpOutcome:
    """PreSignUp, before the user is written (`user` may be unsaved). Raises to refuse the sign-up.

    `source`: PreSignUp_SignUp, PreSignUp_AdminCreateUser or PreSignUp_ExternalProvider. Auto-verify
    flags are true only for an attribute the user has.
    """
    if not _configured(pool, catalogue.PRE_SIGN_UP):
        return PreSignUpOutcome()
    request = _request(user, context, client_metadata, validationData=validation_data or None)
    response = _run(pool, catalogue.PRE_SIGN_UP, source, user.username, request, client)
    return PreSignUpOutcome(
        auto_confirm=bool(response.get("autoConfirmUser")),
        auto_verify_email=bool(response.get("autoVerifyEmail")) and bool(user.attributes.get("email")),
        auto_verify_phone=bool(response.get("autoVerifyPhone")) and bool(user.attributes.get("phone_number")),
    )


def post_confirmation(
    *, pool: UserPool, user: User, client: UserPoolClient | None = None, source: str = "PostConfirmation_ConfirmSignUp",
    context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> None:
    """PostConfirmation, after the confirmation is committed (a failure leaves the user confirmed, as Cognito).

    `source`: PostConfirmation_ConfirmSignUp or PostConfirmation_ConfirmForgotPassword.
    """
    if _configured(pool, catalogue.POST_CONFIRMATION):
        _run(pool, catalogue.POST_CONFIRMATION, source, user.username, _request(user, context, client_metadata), client)


# Trigger points: sign-in


def pre_authentication(
    *, pool: UserPool, user: User | None, client: UserPoolClient | None = None, username: str | None = None,
    user_not_found: bool = False, validation_data: dict | None = None, context: RequestContext = SYSTEM,
    client_metadata: dict | None = None,
) -> None:
    """PreAuthentication, before the password is checked; raises UserLambdaValidationException to deny.

    With `user_not_found` (a hidden-existence client and no such user), `user` is None and `username` is as typed.
    """
    if not _configured(pool, catalogue.PRE_AUTHENTICATION):
        return
    fields = {"validationData": validation_data or None}
    if user_not_found:
        fields["userNotFound"] = True
    request = _request(user, context, client_metadata, **fields)
    _run(pool, catalogue.PRE_AUTHENTICATION, "PreAuthentication_Authentication", _name(user, username), request, client)


def post_authentication(
    *, pool: UserPool, user: User, client: UserPoolClient | None = None, new_device_used: bool = False,
    context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> None:
    """PostAuthentication, once the user is authenticated and before tokens are issued (not on refresh)."""
    if _configured(pool, catalogue.POST_AUTHENTICATION):
        request = _request(user, context, client_metadata, newDeviceUsed=new_device_used)
        _run(pool, catalogue.POST_AUTHENTICATION, "PostAuthentication_Authentication", user.username, request, client)


@dataclass(frozen=True)
class ChallengeResult:
    """One step of a custom-auth session, as `request.session[]` lists it."""

    challenge_name: str
    challenge_result: bool
    challenge_metadata: str | None = None

    def as_event(self) -> dict:
        item = {"challengeName": self.challenge_name, "challengeResult": self.challenge_result}
        if self.challenge_name == "CUSTOM_CHALLENGE":
            item["challengeMetadata"] = self.challenge_metadata
        return item


@dataclass(frozen=True)
class DefineAuthChallengeOutcome:
    challenge_name: str | None = None
    issue_tokens: bool = False
    fail_authentication: bool = False


CUSTOM_AUTH_CHALLENGES = (
    "CUSTOM_CHALLENGE", "PASSWORD_VERIFIER", "SMS_MFA", "EMAIL_OTP", "SOFTWARE_TOKEN_MFA", "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER", "ADMIN_NO_SRP_AUTH", "SRP_A",
)


def _custom_auth_request(user, context, client_metadata, session, user_not_found, **fields) -> dict:
    fields["session"] = [step.as_event() for step in session]
    if user_not_found:
        fields["userNotFound"] = True
    return _request(user, context, client_metadata, **fields)


def define_auth_challenge(
    *, pool: UserPool, user: User | None, client: UserPoolClient | None = None, session: list[ChallengeResult] = (),
    username: str | None = None, user_not_found: bool = False, context: RequestContext = SYSTEM,
    client_metadata: dict | None = None,
) -> DefineAuthChallengeOutcome:
    """DefineAuthChallenge: what comes next in a CUSTOM_AUTH flow.

    Without the trigger a custom-auth flow cannot run: the flow should refuse CUSTOM_AUTH (this returns
    fail_authentication). An answer that neither issues tokens, fails, nor names a challenge it knows
    is InvalidLambdaResponseException.
    """
    if not _configured(pool, catalogue.DEFINE_AUTH_CHALLENGE):
        return DefineAuthChallengeOutcome(fail_authentication=True)
    request = _custom_auth_request(user, context, client_metadata, session, user_not_found)
    response = _run(pool, catalogue.DEFINE_AUTH_CHALLENGE, "DefineAuthChallenge_Authentication", _name(user, username), request, client, _define_reader)
    return response


def _define_reader(response: dict) -> DefineAuthChallengeOutcome:
    _checker(catalogue.DEFINE_AUTH_CHALLENGE)(response)
    outcome = DefineAuthChallengeOutcome(
        challenge_name=response.get("challengeName") or None,
        issue_tokens=bool(response.get("issueTokens")), fail_authentication=bool(response.get("failAuthentication")),
    )
    if outcome.issue_tokens and outcome.fail_authentication:
        raise ValueError("issueTokens and failAuthentication cannot both be true")
    if not (outcome.issue_tokens or outcome.fail_authentication) and outcome.challenge_name not in CUSTOM_AUTH_CHALLENGES:
        raise ValueError("challengeName must name a challenge when neither issueTokens nor failAuthentication is true")
    return outcome


@dataclass(frozen=True)
class CreateAuthChallengeOutcome:
    public_challenge_parameters: dict
    private_challenge_parameters: dict
    challenge_metadata: str | None = None


def create_auth_challenge(
    *, pool: UserPool, user: User | None, challenge_name: str, client: UserPoolClient | None = None,
    session: list[ChallengeResult] = (), username: str | None = None, user_not_found: bool = False,
    context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> CreateAuthChallengeOutcome:
    """CreateAuthChallenge: the challenge DefineAuthChallenge named, with its public and private parameters.

    Without the trigger there is nothing to ask: empty parameters (the flow should not reach here).
    """
    if not _configured(pool, catalogue.CREATE_AUTH_CHALLENGE):
        return CreateAuthChallengeOutcome({}, {})
    request = _custom_auth_request(user, context, client_metadata, session, user_not_found, challengeName=challenge_name)
    response = _run(pool, catalogue.CREATE_AUTH_CHALLENGE, "CreateAuthChallenge_Authentication", _name(user, username), request, client)
    return CreateAuthChallengeOutcome(
        public_challenge_parameters=dict(response.get("publicChallengeParameters") or {}),
        private_challenge_parameters=dict(response.get("privateChallengeParameters") or {}),
        challenge_metadata=response.get("challengeMetadata"),
    )


def verify_auth_challenge_response(
    *, pool: UserPool, user: User | None, private_challenge_parameters: dict, challenge_answer: str,
    client: UserPoolClient | None = None, username: str | None = None, user_not_found: bool = False,
    context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> bool:
    """VerifyAuthChallengeResponse: whether the user's answer is right (False without the trigger)."""
    if not _configured(pool, catalogue.VERIFY_AUTH_CHALLENGE_RESPONSE):
        return False
    fields = {"privateChallengeParameters": dict(private_challenge_parameters), "challengeAnswer": challenge_answer}
    if user_not_found:
        fields["userNotFound"] = True
    request = _request(user, context, client_metadata, **fields)
    response = _run(pool, catalogue.VERIFY_AUTH_CHALLENGE_RESPONSE, "VerifyAuthChallengeResponse_Authentication", _name(user, username), request, client)
    return response.get("answerCorrect") is True


# Trigger points: tokens


def pre_token_generation(
    *, pool: UserPool, client: UserPoolClient, user: User | None, source: str, scopes: list[str] = (),
    groups: list[Group] | None = None, context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> ClaimChanges:
    """PreTokenGeneration: the changes to make to the tokens about to be minted (NO_CHANGES without the trigger).

    `source` is one of TokenGeneration_HostedAuth, _Authentication, _NewPasswordChallenge,
    _AuthenticateDevice, _RefreshTokens or _ClientCredentials (then `user` is None, and only a V3_0
    trigger is invoked). `scopes` are the access token's, sent to V2_0/V3_0. `groups` are the user's
    in token order if the caller has them already (else read here, only when the trigger is set).
    Apply the result with `changes.apply_to_id_token(claims)` and `changes.apply_to_access_token(claims)`.
    """
    target = triggers_config.target_for(pool, catalogue.PRE_TOKEN_GENERATION)
    machine = source == "TokenGeneration_ClientCredentials"
    if target is None or (machine and target.version != "V3_0"):
        return NO_CHANGES
    if source not in catalogue.SOURCES[catalogue.PRE_TOKEN_GENERATION]:
        raise ValueError(f"{source!r} is not a triggerSource of PreTokenGeneration")
    request = _request(user, context, client_metadata, groupConfiguration=_group_configuration(user, groups))
    if target.version != "V1_0":
        request["scopes"] = list(scopes)
    event = build_event(pool, target, source, user.username if user is not None else None, request, client.client_id)
    return _invoke(pool, target, event, lambda response: _claim_changes(response, target.version))


def _group_configuration(user: User | None, groups: list[Group] | None) -> dict:
    from identity.services.claims import group_claims

    claims = group_claims(user, groups) if user is not None else {}
    return {
        "groupsToOverride": claims.get("cognito:groups", []),
        "iamRolesToOverride": claims.get("cognito:roles", []),
        "preferredRole": claims.get("cognito:preferred_role"),
    }


def _claim_changes(response: dict, version: str) -> ClaimChanges:
    try:
        changes = triggers_tokens.parse_claim_changes(response, version)
    except triggers_tokens.InvalidClaimChanges as exc:
        raise ValueError(str(exc)) from None
    if changes.ignored:
        logger.warning("pre token generation asked to change reserved claims, ignored: %s", ", ".join(changes.ignored))
    return changes


# Trigger points: migration, messages, senders, federation


@dataclass(frozen=True)
class UserMigrationOutcome:
    attributes: dict
    final_user_status: str = "RESET_REQUIRED"
    message_action: str | None = None
    desired_delivery_mediums: tuple[str, ...] = ("EMAIL",)
    force_alias_creation: bool = False
    enable_sms_mfa: bool = False


def user_migration(
    *, pool: UserPool, username: str, source: str, client: UserPoolClient | None = None, password: str | None = None,
    validation_data: dict | None = None, context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> UserMigrationOutcome | None:
    """UserMigration, for a username the pool does not know: the legacy user to create, or None.

    `source`: UserMigration_Authentication (with the `password` the user typed, to be checked by the
    legacy store; it is never logged) or UserMigration_ForgotPassword (no password; the user ends
    RESET_REQUIRED). None when there is no trigger or it returns no userAttributes.
    """
    if not _configured(pool, catalogue.USER_MIGRATION):
        return None
    request = _request(None, context, client_metadata, validationData=validation_data or None)
    del request["userAttributes"]  # a user to migrate has none here yet
    if source == "UserMigration_Authentication":
        request["password"] = password
    return _run(pool, catalogue.USER_MIGRATION, source, username, request, client, _migration_reader(source))


def _migration_reader(source: str) -> Callable[[dict], UserMigrationOutcome | None]:
    def read(response: dict) -> UserMigrationOutcome | None:
        _checker(catalogue.USER_MIGRATION)(response)
        if not response.get("userAttributes"):
            return None
        status = response.get("finalUserStatus") or "RESET_REQUIRED"
        if status not in ("CONFIRMED", "RESET_REQUIRED"):
            raise ValueError("finalUserStatus must be CONFIRMED or RESET_REQUIRED")
        if response.get("messageAction") not in (None, "SUPPRESS", "RESEND"):
            raise ValueError("messageAction must be SUPPRESS or RESEND")
        mediums = tuple(response.get("desiredDeliveryMediums") or ("EMAIL",))
        if set(mediums) - {"EMAIL", "SMS"}:
            raise ValueError("desiredDeliveryMediums may hold EMAIL and SMS only")
        return UserMigrationOutcome(
            attributes=dict(response["userAttributes"]),
            final_user_status="RESET_REQUIRED" if source == "UserMigration_ForgotPassword" else status,
            message_action=response.get("messageAction"), desired_delivery_mediums=mediums,
            force_alias_creation=bool(response.get("forceAliasCreation")), enable_sms_mfa=bool(response.get("enableSMSMFA")),
        )

    return read


@dataclass(frozen=True)
class CustomMessageOutcome:
    """Templates to render instead of the pool's: None keeps the pool's own for that part."""

    email_subject: str | None = None
    email_message: str | None = None
    sms_message: str | None = None


CODE_PARAMETER, USERNAME_PARAMETER = "{####}", "{username}"
_MESSAGE_LIMITS = {"emailSubject": 140, "emailMessage": 20000, "smsMessage": 140}


def custom_message(
    *, pool: UserPool, user: User, source: str, client: UserPoolClient | None = None,
    code_parameter: str = CODE_PARAMETER, username_parameter: str | None = None, link_parameter: str | None = None,
    context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> CustomMessageOutcome | None:
    """CustomMessage: the subject and bodies to send, still holding the placeholders (None without the trigger).

    `source`: CustomMessage_SignUp, _AdminCreateUser (pass `username_parameter="{username}"`),
    _ResendCode, _ForgotPassword, _UpdateUserAttribute, _VerifyUserAttribute, _Authentication. The
    flow substitutes the code (and username) itself; a message without the code placeholder is
    ignored (the pool's own template is used), as Cognito requires the placeholder.
    """
    if not _configured(pool, catalogue.CUSTOM_MESSAGE):
        return None
    fields = {"codeParameter": code_parameter, "usernameParameter": username_parameter}
    if link_parameter is not None:
        fields["linkParameter"] = link_parameter
    request = _request(user, context, client_metadata, **fields)
    read = _message_reader(code_parameter, username_parameter)
    return _run(pool, catalogue.CUSTOM_MESSAGE, source, user.username, request, client, read)


def _message_reader(code_parameter: str, username_parameter: str | None) -> Callable[[dict], CustomMessageOutcome]:
    def read(response: dict) -> CustomMessageOutcome:
        _checker(catalogue.CUSTOM_MESSAGE)(response)
        return _message_outcome(response, code_parameter, username_parameter)

    return read


def _message_outcome(response: dict, code_parameter: str, username_parameter: str | None) -> CustomMessageOutcome:
    parts = {}
    for name, limit in _MESSAGE_LIMITS.items():
        value = response.get(name)
        if value is None:
            continue
        if len(value) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
        needs = [] if name == "emailSubject" else [code_parameter] + ([username_parameter] if username_parameter else [])
        if all(placeholder in value for placeholder in needs):
            parts[name] = value
        else:
            logger.warning("custom message %s lacks %s: the pool's template is used", name, " and ".join(needs))
    return CustomMessageOutcome(email_subject=parts.get("emailSubject"), email_message=parts.get("emailMessage"), sms_message=parts.get("smsMessage"))


def custom_email_sender(
    *, pool: UserPool, user: User, source: str, code: str | None, client: UserPoolClient | None = None,
    context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> bool:
    """CustomEmailSender: hand the message to the pool's sender, asynchronously. True if one is configured
    (the flow then sends no email itself). The code is encrypted for the receiver (identity.triggers_senders)."""
    return _send(pool, catalogue.CUSTOM_EMAIL_SENDER, "customEmailSenderRequestV1", user, source, code, client, context, client_metadata)


def custom_sms_sender(
    *, pool: UserPool, user: User, source: str, code: str | None, client: UserPoolClient | None = None,
    context: RequestContext = SYSTEM, client_metadata: dict | None = None,
) -> bool:
    """CustomSMSSender: as custom_email_sender, for text messages."""
    return _send(pool, catalogue.CUSTOM_SMS_SENDER, "customSMSSenderRequestV1", user, source, code, client, context, client_metadata)


def _send(pool, trigger, request_type, user, source, code, client, context, client_metadata) -> bool:
    target = triggers_config.target_for(pool, trigger)
    if target is None:
        return False
    if source not in catalogue.SOURCES[trigger]:
        raise ValueError(f"{source!r} is not a triggerSource of {trigger}")
    encrypted = triggers_senders.encrypt_code(code, triggers_config.sender_public_key(pool)) if code is not None else None
    request = _request(user, context, client_metadata, type=request_type, code=encrypted)
    event = build_event(pool, target, source, user.username, request, _client_id(client))

    def deliver() -> None:
        try:
            _invoke(pool, target, event, lambda response: response)
        except (UserLambdaValidationException, InvalidLambdaResponseException, UnexpectedLambdaException):
            pass  # logged by _invoke; nobody is waiting for the answer

    triggers_senders.run_after_commit(deliver)
    return True


def inbound_federation(
    *, pool: UserPool, username: str, provider_name: str, provider_type: str, attributes: dict,
    client: UserPoolClient | None = None, context: RequestContext = SYSTEM,
) -> dict | None:
    """InboundFederation: the attributes to map from the provider, or None to keep the provider's own.

    `attributes` holds tokenResponse / idToken / userInfo (OIDC and social) or samlResponse (SAML).
    An answer with attributes keeps only those; an empty one keeps the originals.
    """
    if not _configured(pool, catalogue.INBOUND_FEDERATION):
        return None
    request = {"providerName": provider_name, "providerType": provider_type, "attributes": attributes}
    response = _run(pool, catalogue.INBOUND_FEDERATION, "InboundFederation_ExternalProvider", username, request, client)
    return dict(response["userAttributesToMap"]) if response.get("userAttributesToMap") else None
