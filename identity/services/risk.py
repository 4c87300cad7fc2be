"""Adaptive authentication: a risk score for each sign-in, the pool's action for its level, and the event history.

The sign-in state machine calls `next_step` once, after the first factor, with the MFA step
mfa.next_mfa_step chose; the answer is that step, a forced MFA step, or NotAuthorizedException.
Failed passwords are counted by `record_failed_sign_in`. Signals come from what the server sees:
the device (RequestContext.device_id, else the user agent), the network (/24 or /64), failure
velocity for the user and for the address (cache counters), the hour against the user's history
(local time where GeoIP gives the address's time zone, else UTC),
and travel speed when a GeoIP database is configured. Cognito's modes: OFF does nothing, AUDIT
scores and records but never acts, ENFORCED applies the pool's action and notification, and its
IP exceptions: `check_address` refuses an always-block range before any credential is looked at,
and sign-ins from an always-allow (skipped) range are recorded without a score.
Other account events (SignUp, ForgotPassword, PasswordChange, ResendCode) are recorded by
`record_account_event`. The notification's links carry `feedback_token`, read back by
`auth_event_for_feedback` (the hosted feedback page) and `update_auth_event_feedback`.
"""
from __future__ import annotations

import datetime
import functools
import html
import ipaddress
import logging
import zoneinfo
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from identity import clock, crypto, messaging
from identity.context import RequestContext
from identity.errors import NotAuthorizedException, PasswordResetRequiredException, ResourceNotFoundException, error_type
from identity.models import AuthEvent, TotpDevice, User, UserPool
from identity.services import breached, geo, mfa

log = logging.getLogger(__name__)
UserPoolAddOnNotEnabledException = error_type(
    "UserPoolAddOnNotEnabledException", "Threat protection is not enabled for this user pool."
)
BLOCKED_MESSAGE = "Unable to login because of security reasons."
FAILURE_WINDOW_SECONDS = 900
HISTORY_SIZE = 50  # past sign-ins that define "known" devices, networks and hours
FEEDBACK_TOKEN_DAYS = 7
FEEDBACK_SALT = "identity.risk.auth-event-feedback"  # the token is good for this and nothing else
# Points per signal; a sum of 1-29 is Low, 30-59 Medium, 60 and more High.
POINTS = {
    "new_device": 25, "new_network": 20, "untrusted_device": 60, "untrusted_network": 45,
    "user_failures": 15, "many_user_failures": 35, "address_failures": 20, "many_address_failures": 40,
    "unusual_hour": 10, "impossible_travel": 60,
}
LEVELS = ((60, AuthEvent.Level.HIGH), (30, AuthEvent.Level.MEDIUM), (1, AuthEvent.Level.LOW))
Mode, Action = UserPool.ThreatProtectionMode, UserPool.RiskAction


@dataclass(frozen=True)
class Assessment:
    score: int
    level: str  # "" when nothing stood out
    reasons: tuple[str, ...]
    device_key: str
    network: str
    location: geo.Location | None = None


def network_of(ip: str | None) -> str:
    """The address's /24 (IPv4) or /64 (IPv6): one home or office, whichever host in it."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    return str(ipaddress.ip_network(f"{address}/{24 if address.version == 4 else 64}", strict=False))


def device_key_of(context: RequestContext) -> str:
    seen = context.device_id or context.user_agent
    return crypto.keyed_digest("risk-device", seen)[:32] if seen else ""


# --- IP exceptions (RiskExceptionConfiguration) -------------------------------------------------

@functools.lru_cache(maxsize=256)
def _networks(ranges: tuple[str, ...]) -> tuple:
    networks = []
    for value in ranges:  # checked when set (risk_config.check_ip_ranges); a row edited by hand must not break sign-in
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except (TypeError, ValueError):
            log.warning("ignoring %r: not an IP range", value)
    return tuple(networks)


def in_ranges(ip: str | None, ranges: list[str]) -> bool:
    """Whether the address falls in one of the CIDR ranges (an IPv4-mapped IPv6 address as its IPv4 self)."""
    if not ip or not ranges:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address
    return any(address.version == network.version and address in network for network in _networks(tuple(ranges)))


def check_address(*, pool: UserPool, context: RequestContext) -> None:
    """Refuse a sign-in from the pool's always-block ranges, before any user or password is looked at.

    Only under ENFORCED (Cognito's IP exceptions are a full-function feature). Raises
    NotAuthorizedException with Cognito's "Unable to login because of security reasons."
    """
    if pool.threat_protection_mode == Mode.ENFORCED and in_ranges(context.ip_address, pool.risk_blocked_ip_ranges):
        log.info("sign-in to pool %s refused: %s is in a blocked range", pool.pk, context.ip_address)
        raise NotAuthorizedException(BLOCKED_MESSAGE)


# --- Failures ------------------------------------------------------------------------------------

def _failure_keys(pool: UserPool, user: User | None, ip: str | None) -> list[str]:
    window = int(clock.now().timestamp() // FAILURE_WINDOW_SECONDS)
    keys = [f"risk:{pool.pk}:ip:{ip or '-'}:{window}"]
    return keys + [f"risk:{pool.pk}:user:{user.pk}:{window}"] if user is not None else keys


def record_failed_sign_in(*, pool: UserPool, user: User | None, context: RequestContext) -> None:
    """Count a wrong password for the user and the address, and record it in the user's history."""
    if pool.threat_protection_mode == Mode.OFF:
        return
    for key in _failure_keys(pool, user, context.ip_address):
        if not cache.add(key, 1, timeout=FAILURE_WINDOW_SECONDS * 2):
            try:
                cache.incr(key)
            except ValueError:  # expired meanwhile
                cache.set(key, 1, timeout=FAILURE_WINDOW_SECONDS * 2)
    if user is not None:
        _record(user=user, context=context, assessment=_blank(context), response=AuthEvent.Response.FAIL,
                challenges=[_challenge("Password", False)])


# --- Scoring -------------------------------------------------------------------------------------

def assess(*, pool: UserPool, user: User, context: RequestContext) -> Assessment:
    """Score this sign-in of `user` against the user's last HISTORY_SIZE sign-ins and the failure counters."""
    past = list(
        AuthEvent.objects.filter(user=user, event_type=AuthEvent.Type.SIGN_IN)
        .values_list("response", "device_key", "network", "created_at", "feedback_value", "latitude", "longitude", "timezone")[:HISTORY_SIZE]
    )
    current = _blank(context)
    location = geo.locate(context.ip_address)
    reasons = _familiarity(past, current.device_key, current.network)
    reasons += _velocity(pool, user, context)
    passed = [row for row in past if row[0] == AuthEvent.Response.PASS]
    hour = local_hour(clock.now(), location.timezone if location else "")
    if _unusual_hour(hour, [local_hour(row[3], row[7]) for row in passed]):
        reasons.append("unusual_hour")
    if location and _impossible_travel(passed, location):
        reasons.append("impossible_travel")
    score = sum(POINTS[reason] for reason in reasons)
    level = next((name for floor, name in LEVELS if score >= floor), "")
    return replace(current, score=score, level=level, reasons=tuple(reasons), location=location)


def _blank(context: RequestContext) -> Assessment:
    return Assessment(score=0, level="", reasons=(), device_key=device_key_of(context), network=network_of(context.ip_address))


def _familiarity(past: list, device: str, network: str) -> list[str]:
    judged = {(kind, value): row[4] for row in reversed(past) for kind, value in (("d", row[1]), ("n", row[2])) if row[4]}
    if judged.get(("d", device)) == AuthEvent.Feedback.INVALID:
        return ["untrusted_device"]
    reasons = ["untrusted_network"] if judged.get(("n", network)) == AuthEvent.Feedback.INVALID else []
    passed = [row for row in past if row[0] == AuthEvent.Response.PASS]
    if not passed:  # a first sign-in has nothing to differ from
        return reasons
    trusted = {key for key, value in judged.items() if value == AuthEvent.Feedback.VALID}
    if device and ("d", device) not in trusted and device not in {row[1] for row in passed}:
        reasons.append("new_device")
    if network and ("n", network) not in trusted and network not in {row[2] for row in passed} \
            and "untrusted_network" not in reasons:
        reasons.append("new_network")
    return reasons


def _velocity(pool: UserPool, user: User, context: RequestContext) -> list[str]:
    keys = _failure_keys(pool, user, context.ip_address)
    counts = cache.get_many(keys)
    by_ip, by_user = counts.get(keys[0], 0), counts.get(keys[1], 0)
    reasons = ["many_user_failures"] if by_user >= 10 else ["user_failures"] if by_user >= 3 else []
    return reasons + (["many_address_failures"] if by_ip >= 50 else ["address_failures"] if by_ip >= 10 else [])


def local_hour(moment: datetime.datetime, zone: str) -> int:
    """The hour on the user's clock: in the time zone GeoIP gave for the sign-in's address, else UTC."""
    if zone:
        try:
            return moment.astimezone(zoneinfo.ZoneInfo(zone)).hour
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # a name this machine's tz database lacks, or malformed
            pass
    return moment.astimezone(datetime.timezone.utc).hour


def _unusual_hour(hour: int, past: list[int]) -> bool:
    if len(past) < 5:
        return False
    return min(min(abs(hour - h), 24 - abs(hour - h)) for h in past) >= 4


def _impossible_travel(passed: list, here: geo.Location) -> bool:
    last = next((row for row in passed if row[5] is not None), None)
    if last is None:
        return False
    kilometres = geo.distance_km(last[5], last[6], here.latitude, here.longitude)
    hours = max((clock.now() - last[3]).total_seconds() / 3600, 1 / 60)
    return kilometres > 500 and kilometres / hours > geo.MAX_TRAVEL_KMH


# --- Deciding ------------------------------------------------------------------------------------

def next_step(
    *, user: User, client, context: RequestContext, step: mfa.MfaStep, password: str | None = None,
    passwordless: bool = False, first_factor_is_mfa: bool = False, pending: bool = False,
) -> mfa.MfaStep:
    """After a proven first factor: score the sign-in, record it, and return the MFA step to take.

    OFF: `step` unchanged, nothing recorded. AUDIT: recorded, `step` unchanged. ENFORCED: the
    pool's action for the level (MFA_IF_CONFIGURED / MFA_REQUIRED may force an MFA step; a user
    without a factor is blocked under MFA_REQUIRED) and its notification. Raises
    NotAuthorizedException (blocked), PasswordResetRequiredException (a breached password at
    sign-in under BLOCK, which also sets the user RESET_REQUIRED).

    `passwordless`: the first factor was a code by email or SMS or a passkey (passwordless.py),
    after which, as in Cognito, no MFA step follows. A risk action that asks for MFA is then met
    only by `first_factor_is_mfa` (a passkey that verified the user); otherwise MFA_REQUIRED
    blocks and MFA_IF_CONFIGURED lets the sign-in through, as for a user without a second factor.
    `pending`: the sign-in still has a proof to give after this (a named device's SRP), so the
    event stays InProgress, not Pass, until it is given (complete_sign_in).
    """
    pool = user.pool
    if pool.threat_protection_mode == Mode.OFF:
        return step
    enforced = pool.threat_protection_mode == Mode.ENFORCED
    first = "Mfa" if passwordless else "Password"  # a code or passkey first factor: Cognito's other ChallengeName
    compromised = bool(password) and pool.compromised_credentials_check_sign_in and breached.is_breached(password)
    if enforced and in_ranges(context.ip_address, pool.risk_skipped_ip_ranges):
        assessment = replace(_blank(context), reasons=("skipped_ip_range",))  # always-allow: not risk-scored
    else:
        assessment = assess(pool=pool, user=user, context=context)
    if enforced and in_ranges(context.ip_address, pool.risk_blocked_ip_ranges):  # a path check_address did not guard
        _block(user, client, context, replace(assessment, reasons=("blocked_ip_range",)), compromised=compromised, notify=False, first_factor=first)
        raise NotAuthorizedException(BLOCKED_MESSAGE)
    if compromised and enforced and pool.compromised_credentials_action == UserPool.CompromisedCredentialsAction.BLOCK:
        _block(user, client, context, assessment, compromised=True)
        User.objects.filter(pk=user.pk).update(status=User.Status.RESET_REQUIRED)
        raise PasswordResetRequiredException("Password reset required for the user")
    action = getattr(pool, f"risk_{assessment.level.lower()}_action") if assessment.level and enforced else Action.NO_ACTION
    if action == Action.BLOCK:
        _block(user, client, context, assessment, compromised=compromised, first_factor=first)
        raise NotAuthorizedException(BLOCKED_MESSAGE)
    challenged = False
    if passwordless and action in (Action.MFA_IF_CONFIGURED, Action.MFA_REQUIRED):
        if not first_factor_is_mfa and action == Action.MFA_REQUIRED:
            _block(user, client, context, assessment, compromised=False, first_factor=first)
            raise NotAuthorizedException(BLOCKED_MESSAGE)
        challenged = first_factor_is_mfa
    elif action in (Action.MFA_IF_CONFIGURED, Action.MFA_REQUIRED):
        forced = step if step.challenge not in (None, mfa.MFA_SETUP) else _forced_mfa_step(user)
        if forced is None and action == Action.MFA_REQUIRED:
            _block(user, client, context, assessment, compromised=compromised)
            raise NotAuthorizedException(BLOCKED_MESSAGE)
        step, challenged = forced or step, forced is not None
    decision = AuthEvent.Decision.ACCOUNT_TAKEOVER if assessment.level else AuthEvent.Decision.NO_RISK
    response = AuthEvent.Response.IN_PROGRESS if step.challenge or pending else AuthEvent.Response.PASS
    event = _record(user=user, context=context, assessment=assessment, response=response, decision=decision,
                    compromised=compromised, challenges=[_challenge(first, True)])
    if enforced:
        _notify(user, client, event, compromised=compromised, email="MfaEmail" if challenged else "NoActionEmail")
    return step


def complete_sign_in(*, user: User, amr: tuple[str, ...]) -> None:
    """The MFA step that next_step led to was answered (or a remembered device stood in for it, "swk"): the event becomes Pass."""
    if not {"mfa", "swk"} & set(amr) or user.pool.threat_protection_mode == Mode.OFF:
        return
    since = clock.now() - datetime.timedelta(minutes=15)  # the longest auth session
    # The user's latest sign-in that did not fail: a passwordless one recorded as Pass leaves an older,
    # abandoned InProgress one as it was.
    event = (AuthEvent.objects.filter(user=user, event_type=AuthEvent.Type.SIGN_IN, created_at__gte=since)
             .exclude(response=AuthEvent.Response.FAIL).first())
    if event is not None and event.response == AuthEvent.Response.IN_PROGRESS:
        event.response, event.challenges = AuthEvent.Response.PASS, [*event.challenges, _challenge("Mfa", True)]
        event.save(update_fields=["response", "challenges"])


def _forced_mfa_step(user: User) -> mfa.MfaStep | None:
    """The MFA challenge a risky sign-in gets even where the pool's MFA would not ask: None if the user has no factor."""
    offered = mfa.pool_factors(user.pool)
    preference = mfa.preference_of(user)
    usable = mfa.usable_factors(user)
    if preference.preferred in usable:
        return mfa.MfaStep(preference.preferred)
    if usable:
        return mfa.MfaStep(usable[0]) if len(usable) == 1 else mfa.MfaStep(mfa.SELECT_MFA_TYPE, tuple(usable))
    for factor, attribute in ((mfa.EMAIL_OTP, "email"), (mfa.SMS_MFA, "phone_number")):
        if factor in offered and user.is_verified(attribute):
            return mfa.MfaStep(factor)
    return None


def _reachable(user: User, factor: str) -> bool:
    if factor == mfa.SOFTWARE_TOKEN_MFA:
        return TotpDevice.objects.filter(user=user, confirmed=True).exists()
    return bool(user.attributes.get("phone_number" if factor == mfa.SMS_MFA else "email"))


def _block(user: User, client, context: RequestContext, assessment: Assessment, *, compromised: bool, notify: bool = True,
           first_factor: str = "Password") -> None:
    event = _record(user=user, context=context, assessment=assessment, response=AuthEvent.Response.FAIL,
                    decision=AuthEvent.Decision.BLOCK, compromised=compromised, challenges=[_challenge(first_factor, True)])
    if notify:
        _notify(user, client, event, compromised=compromised, email="BlockEmail")


def _challenge(name: str, success: bool) -> dict:
    return {"ChallengeName": name, "ChallengeResponse": "Success" if success else "Failure"}


def _record(*, user: User, context: RequestContext, assessment: Assessment, response: str,
            decision: str = AuthEvent.Decision.NO_RISK, compromised: bool = False, challenges: list,
            event_type: str = AuthEvent.Type.SIGN_IN) -> AuthEvent:
    where = assessment.location
    return AuthEvent.objects.create(
        pool_id=user.pool_id, user=user, event_type=event_type, response=response, risk_decision=decision, risk_level=assessment.level,
        risk_score=assessment.score, risk_reasons=list(assessment.reasons), compromised_credentials=compromised,
        challenges=challenges, ip_address=context.ip_address, network=assessment.network, device_key=assessment.device_key,
        device_name=context.user_agent[:256], city=where.city if where else "", country=where.country if where else "",
        timezone=where.timezone if where else "", latitude=where.latitude if where else None,
        longitude=where.longitude if where else None, created_at=clock.now(),
    )


def record_account_event(*, user: User, event_type: str, context: RequestContext, response: str = AuthEvent.Response.PASS) -> None:
    """Record a SignUp, ForgotPassword, PasswordChange or ResendCode in the user's auth events (not scored).

    Cognito lists these beside sign-ins in AdminListUserAuthEvents (EventType). Nothing while the
    pool's threat protection is OFF. Called by the services that do them, inside their transaction.
    """
    if user.pool.threat_protection_mode == Mode.OFF:
        return
    assessment = replace(_blank(context), location=geo.locate(context.ip_address))
    _record(user=user, context=context, assessment=assessment, response=response, challenges=[], event_type=event_type)


# --- Notification and feedback -------------------------------------------------------------------

def feedback_links(event: AuthEvent, client) -> dict[str, str]:
    """The notification's one-click links, by FeedbackValue: the hosted feedback page with the event's token."""
    base = f"{settings.USERPOOLS_BASE_URL}/{event.pool_id}/auth-event-feedback"
    query = {"client_id": client.client_id if client is not None else "", "token": feedback_token(event)}
    return {value: f"{base}?{urlencode({**query, 'value': value})}" for value in AuthEvent.Feedback.values}


def _notify(user: User, client, event: AuthEvent, *, compromised: bool, email: str) -> None:
    """Email the user about this sign-in, when its level says to or the password is breached.

    `email` names the NotifyConfiguration template for what happened (BlockEmail, MfaEmail,
    NoActionEmail); without one, our own wording in the language of the page signed in on.
    """
    pool = user.pool
    level_says = bool(event.risk_level) and getattr(pool, f"risk_{event.risk_level.lower()}_notify")
    to = user.attributes.get("email")
    if not to or not (level_says or compromised):
        return
    links = feedback_links(event, client)
    where = ", ".join(part for part in (event.city, event.country) if part)
    place = f"{where} ({event.ip_address})" if where and event.ip_address else where or event.ip_address or ""
    facts = {
        "username": user.username, "ip-address": event.ip_address or "", "city": event.city, "country": event.country,
        "login-time": f"{event.created_at:%Y-%m-%d %H:%M:%S} UTC", "device-name": event.device_name,
        "one-click-link-valid": links["Valid"], "one-click-link-invalid": links["Invalid"],
    }
    configuration = pool.risk_notify_configuration or {}
    template = configuration.get(email)
    if template:
        subject, text, markup = _fill(template.get("Subject", ""), facts), _fill(template.get("TextBody"), facts), \
            _fill(template.get("HtmlBody"), facts, escape=True)
    else:
        subject, text = messaging.risk_notice(
            username=user.username, time=f"{event.created_at:%Y-%m-%d %H:%M}", place=place, device=event.device_name,
            blocked=email == "BlockEmail", compromised=compromised, valid_link=links["Valid"], invalid_link=links["Invalid"],
        )
        markup = None
    sender = configuration.get("From") or pool.email_from or settings.DEFAULT_FROM_EMAIL
    reply_to = [configuration["ReplyTo"]] if configuration.get("ReplyTo") else None
    subject = " ".join((subject or "").split())  # a header: no line breaks from a template or a username
    message = EmailMultiAlternatives(subject, text if text is not None else markup or "", sender, [to], reply_to=reply_to)
    if markup and text is not None:
        message.attach_alternative(markup, "text/html")
    elif markup:
        message.content_subtype = "html"
    # After commit, so a sign-in that fails later sends nothing it cannot stand by.
    transaction.on_commit(lambda: _send(user, message))


def _fill(template: str | None, facts: dict[str, str], *, escape: bool = False) -> str | None:
    """Cognito's notification placeholders ({username}, {ip-address}, {city}, {country}, {login-time},
    {device-name}, {one-click-link-valid}, {one-click-link-invalid}); values escaped in an HTML body."""
    if template is None:
        return None
    for name, value in facts.items():
        template = template.replace("{" + name + "}", html.escape(value or "") if escape else value or "")
    return template


def _send(user: User, message: EmailMultiAlternatives) -> None:
    try:
        message.send()
    except Exception as exc:  # the notice is advice: its failure must not fail the sign-in
        log.warning("risk notice for user %s failed: %s", user.pk, exc)


def _feedback_signer() -> signing.TimestampSigner:
    # "." as separator keeps the token inside Cognito's FeedbackToken alphabet [A-Za-z0-9-_=.].
    return signing.TimestampSigner(salt=FEEDBACK_SALT, sep=".")


def feedback_token(event: AuthEvent) -> str:
    """The signed, expiring value the notification's links carry (UpdateAuthEventFeedback's FeedbackToken).

    It names the pool, the user and the event, and is good for FEEDBACK_TOKEN_DAYS for feedback on
    that event only (its own salt). The signature is checked in constant time before anything is read.
    """
    return _feedback_signer().sign_object({"p": event.pool_id, "u": event.user_id, "e": str(event.event_id)})


def _read_feedback_token(token: str) -> dict:
    try:
        claims = _feedback_signer().unsign_object(token, max_age=datetime.timedelta(days=FEEDBACK_TOKEN_DAYS))
    except (signing.BadSignature, ValueError, TypeError):
        raise NotAuthorizedException("Invalid feedback token.") from None
    if not isinstance(claims, dict) or not {"p", "u", "e"} <= set(claims):
        raise NotAuthorizedException("Invalid feedback token.")
    return claims


def auth_event_for_feedback(*, pool: UserPool, token: str) -> AuthEvent:
    """The event a notification's token stands for, with its user: the hosted feedback page's lookup.

    The token is checked first, so nothing is looked up for a forged or expired one. Raises
    NotAuthorizedException (bad, expired or another pool's token), ResourceNotFoundException (the
    event or user is gone), UserPoolAddOnNotEnabledException (threat protection turned OFF since).
    """
    claims = _read_feedback_token(token)
    if claims["p"] != pool.id:
        raise NotAuthorizedException("Invalid feedback token.")
    _require_on(pool)
    event = AuthEvent.objects.select_related("user").filter(pool=pool, user_id=claims["u"], event_id=claims["e"]).first()
    if event is None:
        raise ResourceNotFoundException("Auth event not found.")
    return event


def update_auth_event_feedback(
    *, pool: UserPool, user: User, event_id: str, value: str, provider: str, token: str | None = None
) -> AuthEvent:
    """Mark an event Valid or Invalid: its device and network become trusted or untrusted for later scores.

    With `token` (the user's own answer), it must be this event's, unexpired. Cognito:
    AdminUpdateAuthEventFeedback / UpdateAuthEventFeedback, and the hosted feedback page. Raises
    UserPoolAddOnNotEnabledException (threat protection OFF), InvalidParameterException (value),
    ResourceNotFoundException (event), NotAuthorizedException (token).
    """
    from identity.errors import InvalidParameterException

    _require_on(pool)
    if value not in AuthEvent.Feedback.values:
        raise InvalidParameterException("FeedbackValue must be Valid or Invalid.")
    claims = _read_feedback_token(token) if token is not None else None
    event = _event_of(user, event_id)
    if claims is not None and (claims["p"], claims["u"], claims["e"]) != (event.pool_id, event.user_id, str(event.event_id)):
        raise NotAuthorizedException("Invalid feedback token.")
    event.feedback_value, event.feedback_provider, event.feedback_date = value, provider, clock.now()
    event.save(update_fields=["feedback_value", "feedback_provider", "feedback_date"])
    return event


def update_auth_event_feedback_by_token(*, pool: UserPool, username: str, event_id: str, value: str, token: str) -> AuthEvent:
    """The user's own answer (UpdateAuthEventFeedback, a public action): the token is checked before anyone is looked up.

    The token must be this pool's, unexpired, and name the event and the user given (by username or
    alias). An unknown user and a known one with a bad token get the same NotAuthorizedException, so
    the action does not tell who exists. Raises UserPoolAddOnNotEnabledException (threat protection
    OFF), InvalidParameterException (value), NotAuthorizedException (token, user or event mismatch),
    ResourceNotFoundException (the token's event is gone).
    """
    from identity.errors import InvalidParameterException
    from identity.services import directory

    _require_on(pool)
    if value not in AuthEvent.Feedback.values:
        raise InvalidParameterException("FeedbackValue must be Valid or Invalid.")
    claims = _read_feedback_token(token)
    user = directory.find_user(pool, username) if isinstance(username, str) and username else None
    if claims["p"] != pool.id or user is None or user.pk != claims["u"] or str(event_id) != claims["e"]:
        raise NotAuthorizedException("Invalid feedback token.")
    return update_auth_event_feedback(pool=pool, user=user, event_id=event_id, value=value, provider="User", token=token)


def _event_of(user: User, event_id: str) -> AuthEvent:
    try:
        return AuthEvent.objects.get(user=user, event_id=event_id)
    except (AuthEvent.DoesNotExist, ValidationError, ValueError):
        raise ResourceNotFoundException("Auth event not found.") from None


def _require_on(pool: UserPool) -> None:
    if pool.threat_protection_mode == Mode.OFF:
        raise UserPoolAddOnNotEnabledException()


def list_auth_events(*, pool: UserPool, user: User, max_results: int = 60, after: int | None = None) -> tuple[list[AuthEvent], int | None]:
    """The user's events, newest first, a page at a time; returns the page and the id to continue after.

    Cognito: AdminListUserAuthEvents. Raises UserPoolAddOnNotEnabledException when threat protection is OFF.
    """
    _require_on(pool)
    rows = AuthEvent.objects.filter(user=user)
    if after is not None:
        rows = rows.filter(id__lt=after)
    page = list(rows.order_by("-id")[: max_results + 1])
    return page[:max_results], (page[max_results - 1].id if len(page) > max_results else None)
