"""A pool's MFA mode and factors (Cognito's SetUserPoolMfaConfig), checked as Cognito checks them.

Sign-in enforces them through mfa.next_mfa_step; WebAuthn's FactorConfiguration says whether a passkey counts as MFA.
"""
from __future__ import annotations

from django.db import transaction

from identity import events, localcache
from identity.context import SYSTEM, RequestContext
from identity.errors import InvalidParameterException
from identity.models import UserPool

CODE = "{####}"
USER_VERIFICATION = ("required", "preferred")
FACTOR_CONFIGURATIONS = ("SINGLE_FACTOR", "MULTI_FACTOR_WITH_USER_VERIFICATION")
_DEFAULTS = {name: UserPool._meta.get_field(name).get_default() for name in ("mfa_sms_message", "mfa_email_subject", "mfa_email_message")}


@transaction.atomic
def set_user_pool_mfa_config(
    *,
    pool: UserPool,
    mfa_configuration: str | None = None,
    software_token_enabled: bool = False,
    sms_enabled: bool = False,
    sms_message: str | None = None,
    sms_configuration: dict | None = None,
    email_enabled: bool = False,
    email_subject: str | None = None,
    email_message: str | None = None,
    webauthn: dict | None = None,
    context: RequestContext = SYSTEM,
) -> UserPool:
    """Replace the pool's MFA mode and factors. Cognito: SetUserPoolMfaConfig.

    A factor left out is turned off; an enabled factor without a message gets the default one; an omitted mode or
    WebAuthn configuration (passkeys; MULTI_FACTOR_WITH_USER_VERIFICATION makes them an MFA factor) stays as it was; a given
    SmsConfiguration is kept whether or not SMS MFA is on (verification texts use it too).
    InvalidParameterException, changing nothing, for OFF with a factor, ON/OPTIONAL without one,
    an SMS message without {####} or over 140 characters, an email message without {####}, or a
    WebAuthn setting outside Cognito's values.
    """
    mode = mfa_configuration or pool.mfa_configuration
    if mode not in UserPool.MfaConfiguration.values:
        raise InvalidParameterException("MfaConfiguration must be OFF, ON or OPTIONAL.")
    factors = software_token_enabled or sms_enabled or email_enabled
    if mode == UserPool.MfaConfiguration.OFF and factors:
        raise InvalidParameterException("Invalid MFA configuration given, can't turn off MFA and configure an MFA together.")
    if mode != UserPool.MfaConfiguration.OFF and not factors:
        raise InvalidParameterException("Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.")
    fields = {
        "mfa_configuration": mode,
        "mfa_software_token_enabled": software_token_enabled,
        "mfa_sms_enabled": sms_enabled,
        "mfa_email_enabled": email_enabled,
    }
    # A message given is checked and kept; an enabled factor without one gets Cognito's default.
    for field, given, enabled, check in (("mfa_sms_message", sms_message, sms_enabled, _sms_message),
                                         ("mfa_email_subject", email_subject, email_enabled, _email_subject),
                                         ("mfa_email_message", email_message, email_enabled, _email_message)):
        if given is not None or enabled:
            fields[field] = check(given)
    if sms_configuration is not None:
        fields["sms_configuration"] = _sms_configuration(sms_configuration)
    if webauthn is not None:
        fields.update(_webauthn(webauthn))
    return _save(pool, fields, context)


def set_user_pool_mfa_mode(
    *, pool: UserPool, mfa_configuration: str, sms_configuration: dict | None = None, sms_message: str | None = None,
    context: RequestContext = SYSTEM,
) -> UserPool:
    """The MFA part of CreateUserPool/UpdateUserPool: a mode, and SMS as a factor when SmsConfiguration is given.

    OFF turns every factor off; ON or OPTIONAL keeps the factors already on and needs at least one
    (Cognito: "include an SmsConfiguration in the same request"), else InvalidParameterException.
    """
    if mfa_configuration not in UserPool.MfaConfiguration.values:
        raise InvalidParameterException("MfaConfiguration must be OFF, ON or OPTIONAL.")
    on = mfa_configuration != UserPool.MfaConfiguration.OFF
    return set_user_pool_mfa_config(
        pool=pool, mfa_configuration=mfa_configuration,
        software_token_enabled=on and pool.mfa_software_token_enabled,
        sms_enabled=on and (pool.mfa_sms_enabled or sms_configuration is not None),
        sms_message=sms_message or pool.mfa_sms_message, sms_configuration=sms_configuration,
        email_enabled=on and pool.mfa_email_enabled, email_subject=pool.mfa_email_subject, email_message=pool.mfa_email_message,
        context=context,
    )


def _sms_message(message: str | None) -> str:
    if message is None:
        return _DEFAULTS["mfa_sms_message"]
    if not isinstance(message, str) or CODE not in message or not 6 <= len(message) <= 140:
        raise InvalidParameterException("SmsAuthenticationMessage must contain {####} and have 6 to 140 characters.")
    return message


def _email_message(message: str | None) -> str:
    if message is None:
        return _DEFAULTS["mfa_email_message"]
    if not isinstance(message, str) or CODE not in message or not 6 <= len(message) <= 20000:
        raise InvalidParameterException("EmailMfaConfiguration.Message must contain {####} and have 6 to 20000 characters.")
    return message


def _email_subject(subject: str | None) -> str:
    if subject is None:
        return _DEFAULTS["mfa_email_subject"]
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 140:
        raise InvalidParameterException("EmailMfaConfiguration.Subject must have 1 to 140 characters.")
    return subject


def _sms_configuration(configuration: dict) -> dict:
    allowed = {"SnsCallerArn", "ExternalId", "SnsRegion"}
    if not isinstance(configuration, dict) or set(configuration) - allowed or not all(isinstance(v, str) for v in configuration.values()):
        raise InvalidParameterException("SmsConfiguration may hold SnsCallerArn, ExternalId and SnsRegion, as strings.")
    return dict(configuration)


def _webauthn(configuration: dict) -> dict:
    relying_party = configuration.get("RelyingPartyId", "")
    verification = configuration.get("UserVerification", "preferred")
    factor = configuration.get("FactorConfiguration", "SINGLE_FACTOR")
    if not isinstance(relying_party, str) or len(relying_party) > 127:
        raise InvalidParameterException("WebAuthnConfiguration.RelyingPartyId must have 1 to 127 characters.")
    if verification not in USER_VERIFICATION:
        raise InvalidParameterException("WebAuthnConfiguration.UserVerification must be required or preferred.")
    if factor not in FACTOR_CONFIGURATIONS:
        raise InvalidParameterException("WebAuthnConfiguration.FactorConfiguration must be SINGLE_FACTOR or MULTI_FACTOR_WITH_USER_VERIFICATION.")
    return {"webauthn_relying_party_id": relying_party, "webauthn_user_verification": verification, "webauthn_factor_configuration": factor}


def _save(pool: UserPool, fields: dict, context: RequestContext) -> UserPool:
    updated = UserPool.objects.select_for_update().get(pk=pool.pk)
    for name, value in fields.items():
        setattr(updated, name, value)
    updated.save(update_fields=[*fields, "updated_at"])
    localcache.forget_pool(updated.pk)
    events.pool_updated(pool=updated, context=context, details={"fields": sorted(fields), "mfa_configuration": updated.mfa_configuration})
    return updated
