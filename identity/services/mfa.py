"""Second factors: authenticator apps (TOTP), codes by SMS or email, passkeys, recovery codes, and the user's MFA choices.

The sign-in state machine (signin.py) asks `next_mfa_step` what to challenge after the first
factor and calls the checks here; the Cognito API and the hosted pages never decide MFA themselves.
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.db import transaction
from django_otp.oath import TOTP

from identity import clock, crypto, events, ratelimit
from identity.context import SYSTEM, RequestContext
from identity.errors import (
    CodeMismatchException,
    EnableSoftwareTokenMFAException,
    InvalidParameterException,
    LimitExceededException,
    NotAuthorizedException,
    SoftwareTokenMFANotFoundException,
)
from identity.messaging import CodeDeliveryDetails, MessageKind, deliver
from identity.models import MfaPreference, RecoveryCode, TotpDevice, User, UserPool, UserPoolClient
from identity.services import directory, lockout

SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP = (str(f) for f in MfaPreference.Factor)
MFA_SETUP, SELECT_MFA_TYPE = "MFA_SETUP", "SELECT_MFA_TYPE"
# A passkey as the second factor (WEB_AUTHN after a password) is our extension: Cognito counts a
# user-verifying passkey as MFA only when it is the first factor (WebAuthnMfaSettingsType).
WEB_AUTHN = "WEB_AUTHN"
MULTI_FACTOR = "MULTI_FACTOR_WITH_USER_VERIFICATION"
TOTP_STEP_SECONDS = 30
# One step either side (±30 s), as Cognito accepts for clock skew.
TOTP_DRIFT_STEPS = 1
TOTP_SECRET_BYTES = 20  # 32 base32 characters, as Cognito's SecretCode
RECOVERY_CODE_COUNT = 10
MAX_TOTP_DEVICES = 10
# SMS and email codes sent to one user in an hour: a person needs a few; a script with the password wants many.
MFA_CODES_PER_HOUR = 10


@dataclass(frozen=True)
class MfaStep:
    """What sign-in asks after the first factor: a factor's challenge, a choice, a set-up, or nothing."""

    challenge: str | None
    options: tuple[str, ...] = ()


def preference_of(user: User) -> MfaPreference:
    """The user's MFA choices (an unsaved all-off row for a user who never chose)."""
    try:
        return user.mfa
    except MfaPreference.DoesNotExist:
        return MfaPreference(user=user, pool_id=user.pool_id)


def pool_factors(pool: UserPool) -> list[str]:
    """The second factors the pool offers, WEB_AUTHN last (only with passkeys_count_as_mfa)."""
    flags = ((pool.mfa_software_token_enabled, SOFTWARE_TOKEN_MFA), (pool.mfa_sms_enabled, SMS_MFA), (pool.mfa_email_enabled, EMAIL_OTP))
    offered = [factor for on, factor in flags if on]
    return offered + [WEB_AUTHN] if offered and passkeys_count_as_mfa(pool) else offered


def passkeys_count_as_mfa(pool: UserPool) -> bool:
    """WebAuthnConfiguration.FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION, in a pool with passkeys
    (WEB_AUTHN among AllowedFirstAuthFactors, which is what lets users register them) and MFA not OFF."""
    return (pool.webauthn_factor_configuration == MULTI_FACTOR and WEB_AUTHN in pool.allowed_first_auth_factors
            and pool.mfa_configuration != UserPool.MfaConfiguration.OFF)


def _reachable(user: User, factor: str) -> bool:
    if factor == SMS_MFA:
        return bool(user.attributes.get("phone_number"))
    if factor == EMAIL_OTP:
        return bool(user.attributes.get("email"))
    if factor == WEB_AUTHN:
        from identity.services import passkeys  # passkeys.py needs nothing of this module

        return passkeys.has_passkeys(user)
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def usable_factors(user: User) -> list[str]:
    """The second factors this user has turned on, the pool offers and the user can answer now."""
    preference = preference_of(user)
    offered = pool_factors(user.pool)
    turned_on = preference.enabled_factors() + ([WEB_AUTHN] if preference.webauthn_enabled else [])
    return [f for f in turned_on if f in offered and _reachable(user, f)]


def next_mfa_step(user: User) -> MfaStep:
    """Cognito's sequencing after a correct password.

    OFF: nothing. A user with factors on: the preferred one, the only one, or SELECT_MFA_TYPE
    (a passkey, WEB_AUTHN, is among the choices when passkey MFA is on for pool and user; it is
    never "preferred", as Cognito's WebAuthnMfaSettings has no PreferredMfa).
    A user with none: nothing when MFA is OPTIONAL; when it is ON, SMS or email if the pool
    offers it and the user has that address, else MFA_SETUP listing what can be set up at sign-in.
    """
    pool = user.pool
    if pool.mfa_configuration == UserPool.MfaConfiguration.OFF:
        return MfaStep(None)
    offered = pool_factors(pool)
    preference = preference_of(user)
    usable = usable_factors(user)
    if preference.preferred in usable:
        return MfaStep(preference.preferred)
    if len(usable) == 1:
        return MfaStep(usable[0])
    if usable:
        return MfaStep(SELECT_MFA_TYPE, tuple(usable))
    if pool.mfa_configuration == UserPool.MfaConfiguration.OPTIONAL:
        return MfaStep(None)
    for factor in (SMS_MFA, EMAIL_OTP):
        if factor in offered and user.is_verified("phone_number" if factor == SMS_MFA else "email"):
            return MfaStep(factor)
    # A passkey is registered with an access token, so it cannot be set up here (nor count alone).
    return MfaStep(MFA_SETUP, tuple(f for f in offered if f != WEB_AUTHN))


def send_mfa_code(
    *, user: User, factor: str, client: UserPoolClient | None = None, context: RequestContext = SYSTEM,
    destination: str | None = None,
) -> tuple[str, CodeDeliveryDetails]:
    """Send a one-time code by SMS or email with the pool's MFA message; returns the code and where it went.

    `destination` is an address the user is setting up (start_email_setup), else the stored one.
    `client` is the app client signing in: the CustomMessage / custom sender triggers see it as
    callerContext.clientId, as Cognito's CustomMessage_Authentication events carry it.

    Raises LimitExceededException past MFA_CODES_PER_HOUR for the user (each text costs money), and
    CodeDeliveryFailureException when the message does not go out (the caller then starts no step).
    """
    if not ratelimit.hit(f"mfa-code-send:{user.pk}", limit=MFA_CODES_PER_HOUR, window_seconds=3600):
        raise LimitExceededException("Attempt limit exceeded, please try after some time.")
    code = f"{secrets.randbelow(1_000_000):06d}"
    attribute = "phone_number" if factor == SMS_MFA else "email"
    return code, deliver(
        user=user, kind=MessageKind.MFA, code=code, attribute=attribute, destination=destination, client=client, context=context,
    )


# --- Email MFA set up during sign-in (MFA_SETUP answered with EMAIL, as Amplify's email set-up does) ---

def start_email_setup(
    *, user: User, address: str, client: UserPoolClient | None = None, context: RequestContext = SYSTEM,
) -> tuple[str, CodeDeliveryDetails]:
    """Send an MFA code to the address a user without email MFA gives at MFA_SETUP; returns it and where it went.

    Nothing about the user changes until the code comes back (finish_email_setup). Raises
    InvalidParameterException (the pool offers no email MFA, or not an email address),
    AliasExistsException (another account signs in with it), and what send_mfa_code raises.
    """
    from identity.errors import AliasExistsException
    from identity.services import attributes as attribute_rules
    from identity.services import directory

    if EMAIL_OTP not in pool_factors(user.pool):
        raise InvalidParameterException("Email MFA is not enabled for this user pool.")
    address = (address or "").strip()
    attribute_rules.check_writes(user.pool, {"email": address}, creating=False, admin=True)
    if "@" not in address:
        raise InvalidParameterException("Invalid email address format.")
    owner = directory.find_user(user.pool, address)
    if owner is not None and owner.pk != user.pk:
        raise AliasExistsException()
    return send_mfa_code(user=user, factor=EMAIL_OTP, destination=address, client=client, context=context)


def finish_email_setup(*, user: User, address: str, context: RequestContext = SYSTEM) -> None:
    """The code sent to `address` came back: it becomes the user's verified email, and email MFA is on."""
    from identity.services import users

    users.admin_update_user_attributes(pool=user.pool, username=user.username, attributes={"email": address, "email_verified": "true"}, context=context)
    user.refresh_from_db()
    preference = preference_of(user)
    preference.email_enabled = True
    preference.save()
    events.mfa_changed(user=user, context=context, details={"factor": EMAIL_OTP, "action": "set_up_at_sign_in"})


# --- Authenticator apps -------------------------------------------------------------------------

def associate_software_token(*, user: User, context: RequestContext = SYSTEM) -> str:
    """Start enrolling an authenticator: a new secret (base32) for a device the user still has to verify.

    Unverified devices from earlier attempts are dropped. Cognito: AssociateSoftwareToken.
    Raises InvalidParameterException past MAX_TOTP_DEVICES devices.
    """
    if TotpDevice.objects.filter(user=user, confirmed=True).count() >= MAX_TOTP_DEVICES:
        raise InvalidParameterException(f"A user can have at most {MAX_TOTP_DEVICES} authenticator apps.")
    secret = base64.b32encode(secrets.token_bytes(TOTP_SECRET_BYTES)).decode()
    with transaction.atomic():
        TotpDevice.objects.filter(user=user, confirmed=False).delete()
        TotpDevice.objects.create(pool_id=user.pool_id, user=user, secret_encrypted=crypto.encrypt(secret))
    return secret


def provisioning_uri(*, user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app scans (Google Authenticator's key-URI format)."""
    issuer = user.pool.name
    label = user.attributes.get("email") or user.username
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": 6, "period": TOTP_STEP_SECONDS})
    return f"otpauth://totp/{quote(issuer)}:{quote(label)}?{query}"


def verify_software_token(*, user: User, code: str, friendly_name: str = "", context: RequestContext = SYSTEM) -> TotpDevice:
    """Confirm the pending authenticator with a code it shows; TOTP is then on (and preferred if nothing is).

    Raises SoftwareTokenMFANotFoundException (nothing pending), EnableSoftwareTokenMFAException
    (wrong code). Cognito: VerifySoftwareToken.
    """
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-created_at").first()
        if device is None:
            raise SoftwareTokenMFANotFoundException("Software token TOTP multi-factor authentication (MFA) is not enabled for the user pool.")
        step = _matching_step(device, code)
        if step is None:
            raise EnableSoftwareTokenMFAException("Code mismatch and fail enable Software Token MFA")
        device.confirmed, device.last_step, device.last_used_at = True, step, clock.now()
        device.name = (friendly_name or "")[:128] or f"Authenticator {TotpDevice.objects.filter(user=user, confirmed=True).count() + 1}"
        device.save(update_fields=["confirmed", "last_step", "last_used_at", "name"])
        preference = preference_of(user)
        preference.software_token_enabled = True
        preference.preferred = preference.preferred or SOFTWARE_TOKEN_MFA
        preference.save()
        events.mfa_changed(user=user, context=context, details={"factor": SOFTWARE_TOKEN_MFA, "action": "device_added"})
    return device


def _matching_step(device: TotpDevice, code: str) -> int | None:
    """The time step whose code is `code`, if it is within the drift window and newer than the last one used."""
    if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
        return None
    totp = TOTP(base64.b32decode(crypto.decrypt(device.secret_encrypted)), step=TOTP_STEP_SECONDS, digits=6)
    totp.time = clock.now().timestamp()
    for drift in range(-TOTP_DRIFT_STEPS, TOTP_DRIFT_STEPS + 1):
        totp.drift = drift
        if totp.t() > device.last_step and secrets.compare_digest(f"{totp.token():06d}", code):
            return totp.t()
    return None


def check_software_token(*, user: User, code: str) -> bool:
    """A code from any of the user's authenticators, accepted once (its step is burned), or a recovery code."""
    with transaction.atomic():
        for device in TotpDevice.objects.select_for_update().filter(user=user, confirmed=True):
            step = _matching_step(device, code)
            if step is not None:
                device.last_step, device.last_used_at = step, clock.now()
                device.save(update_fields=["last_step", "last_used_at"])
                return True
    return use_recovery_code(user=user, code=code)


# --- Recovery codes (beyond Cognito, which has none) ---------------------------------------------

def _recovery_digest(user: User, code: str) -> str:
    return crypto.keyed_digest("recovery-code", f"{user.pk}:{code.replace('-', '').strip().lower()}")


def generate_recovery_codes(*, user: User, context: RequestContext = SYSTEM) -> list[str]:
    """Ten new single-use codes (shown once); the earlier ones stop working."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)]
    codes = [f"{code[:5]}-{code[5:]}" for code in codes]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(pool_id=user.pool_id, user=user, code_digest=_recovery_digest(user, code)) for code in codes]
        )
        events.mfa_changed(user=user, context=context, details={"action": "recovery_codes_generated"})
    return codes


def has_authenticator(user: User) -> bool:
    """Recovery codes stand in for an authenticator app's codes, so only its users get them."""
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def regenerate_recovery_codes(*, user: User, code: str, context: RequestContext = SYSTEM) -> list[str]:
    """Ten new codes for a signed-in user who proves the second factor again now; the old ones stop working.

    A stolen session cookie is not enough: `code` must be a current authenticator code (or one of
    the unused recovery codes, which it spends). Wrong codes count against the same second-factor
    lockout as sign-in's, so the page gives no endless guesses. Raises CodeMismatchException, or
    NotAuthorizedException while locked, or InvalidParameterException without an authenticator.
    """
    if not has_authenticator(user):
        raise InvalidParameterException("Recovery codes need an authenticator app; set one up first.")
    with lockout.attempt(pool=user.pool, subject=lockout.mfa_subject_for(user)) as guard:
        if not check_software_token(user=user, code=str(code or "").strip()):
            guard.failed()
            raise CodeMismatchException("Invalid code received for user")
        guard.succeeded()
    return generate_recovery_codes(user=user, context=context)


def admin_invalidate_recovery_codes(*, pool: UserPool, username: str, context: RequestContext = SYSTEM) -> int:
    """Delete a user's recovery codes (the console's action: operators never see codes); how many were unused."""
    user = directory.get_user(pool, username)
    with transaction.atomic():
        unused = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        RecoveryCode.objects.filter(user=user).delete()
        events.mfa_changed(user=user, context=context, details={"action": "recovery_codes_invalidated", "unused": unused})
    return unused


def use_recovery_code(*, user: User, code: str) -> bool:
    if not isinstance(code, str) or not 10 <= len(code) <= 16:
        return False
    used = RecoveryCode.objects.filter(user=user, code_digest=_recovery_digest(user, code), used_at__isnull=True).update(used_at=clock.now())
    return used == 1


def unused_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- Preferences ---------------------------------------------------------------------------------

def set_user_mfa_preference(
    *,
    user: User,
    software_token: dict | None = None,
    sms: dict | None = None,
    email: dict | None = None,
    webauthn: dict | None = None,
    context: RequestContext = SYSTEM,
) -> MfaPreference:
    """Turn factors on or off and choose the preferred one; a factor not given keeps its setting.

    Each setting is Cognito's {Enabled, PreferredMfa}; passkeys' (WebAuthnMfaSettings) is {Enabled}
    only. Raises InvalidParameterException for a factor the pool does not offer, TOTP without a
    verified authenticator, more than one preferred factor, or passkey MFA left as the user's only
    factor (Cognito: "at least one other MFA method ... to prevent account lockout").
    Cognito: SetUserMFAPreference / AdminSetUserMFAPreference.
    """
    preference = preference_of(user)
    offered = pool_factors(user.pool)
    given = {SOFTWARE_TOKEN_MFA: software_token, SMS_MFA: sms, EMAIL_OTP: email}
    if sum(bool(s and s.get("PreferredMfa")) for s in given.values()) > 1:
        raise InvalidParameterException("Only one MFA method can be preferred.")
    for factor, setting in given.items():
        if setting is None:
            continue
        enabled, preferred = bool(setting.get("Enabled")), bool(setting.get("PreferredMfa"))
        if (enabled or preferred) and factor not in offered:
            raise InvalidParameterException(f"{factor} is not enabled for this user pool.")
        if enabled and factor == SOFTWARE_TOKEN_MFA and not TotpDevice.objects.filter(user=user, confirmed=True).exists():
            raise InvalidParameterException("User has not verified software token mfa")
        setattr(preference, {SOFTWARE_TOKEN_MFA: "software_token_enabled", SMS_MFA: "sms_enabled", EMAIL_OTP: "email_enabled"}[factor], enabled or preferred)
        if preferred:
            preference.preferred = factor
        elif preference.preferred == factor:
            preference.preferred = ""
    if preference.preferred and preference.preferred not in preference.enabled_factors():
        preference.preferred = ""
    if webauthn is not None:
        preference.webauthn_enabled = bool(webauthn.get("Enabled"))
        if preference.webauthn_enabled and WEB_AUTHN not in offered:
            raise InvalidParameterException(
                "Passkey MFA is not enabled for this user pool: its WebAuthnConfiguration.FactorConfiguration must be MULTI_FACTOR_WITH_USER_VERIFICATION."
            )
    if preference.webauthn_enabled and not preference.enabled_factors():
        raise InvalidParameterException("Passkey MFA needs another MFA method (SMS, email or TOTP) turned on for the user as well.")
    with transaction.atomic():
        preference.save()
        details = {"enabled": preference.enabled_factors(), "preferred": preference.preferred, "webauthn": preference.webauthn_enabled}
        events.mfa_changed(user=user, context=context, details=details)
    return preference


def check_passkey(*, user: User, state: dict, credential) -> bool:
    """A passkey's answer to a WEB_AUTHN MFA step: one of the user's passkeys, user verified, counter up.

    The same check as passkey sign-in (passkeys.verify_assertion); raises InvalidParameterException
    for a CREDENTIAL that is not JSON.
    """
    from identity.services import passkeys

    try:
        assertion = passkeys.verify_assertion(user=user, state=state, credential=credential)
    except NotAuthorizedException:
        return False
    return assertion.user_verified


def mfa_settings(user: User) -> dict:
    """What GetUser / AdminGetUser report: PreferredMfaSetting (when set) and UserMFASettingList."""
    preference = preference_of(user)
    settings_ = {"UserMFASettingList": preference.enabled_factors()}
    if preference.preferred:
        settings_["PreferredMfaSetting"] = preference.preferred
    return settings_


def remove_totp_device(*, user: User, device_id: int, context: RequestContext = SYSTEM) -> None:
    """Forget one authenticator; with none left, TOTP is turned off for the user."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user, pk=device_id).delete()
        if not TotpDevice.objects.filter(user=user, confirmed=True).exists():
            preference = preference_of(user)
            if preference.software_token_enabled:
                preference.software_token_enabled = False
                preference.preferred = "" if preference.preferred == SOFTWARE_TOKEN_MFA else preference.preferred
                preference.save()
        events.mfa_changed(user=user, context=context, details={"factor": SOFTWARE_TOKEN_MFA, "action": "device_removed"})
