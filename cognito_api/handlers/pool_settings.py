"""A pool's MFA configuration and SAML signing certificate (SigV4-signed), in Cognito's shapes."""
from __future__ import annotations

import base64

from cognito_api import certificates
from cognito_api.params import optional, pool_from
from identity.errors import InvalidParameterException
from identity.models import UserPool
from identity.services import mfa_config


def _block(params: dict, name: str) -> dict | None:
    value = params.get(name)
    if value is not None and not isinstance(value, dict):
        raise InvalidParameterException(f"{name} must be an object.")
    return value


def mfa_config_type(pool: UserPool) -> dict:
    """GetUserPoolMfaConfig's answer: a factor's block appears when the factor is on, as Cognito's does."""
    body: dict = {
        "MfaConfiguration": pool.mfa_configuration,
        "SoftwareTokenMfaConfiguration": {"Enabled": pool.mfa_software_token_enabled},
        "WebAuthnConfiguration": {"UserVerification": pool.webauthn_user_verification, "FactorConfiguration": pool.webauthn_factor_configuration},
    }
    if pool.webauthn_relying_party_id:
        body["WebAuthnConfiguration"]["RelyingPartyId"] = pool.webauthn_relying_party_id
    if pool.mfa_sms_enabled:
        body["SmsMfaConfiguration"] = {"SmsAuthenticationMessage": pool.mfa_sms_message, "SmsConfiguration": pool.sms_configuration}
    if pool.mfa_email_enabled:
        body["EmailMfaConfiguration"] = {"Message": pool.mfa_email_message, "Subject": pool.mfa_email_subject}
    return body


def set_user_pool_mfa_config(params, context):
    sms, email = _block(params, "SmsMfaConfiguration"), _block(params, "EmailMfaConfiguration")
    token = _block(params, "SoftwareTokenMfaConfiguration") or {}
    enabled = token.get("Enabled", False)
    if not isinstance(enabled, bool):
        raise InvalidParameterException("SoftwareTokenMfaConfiguration.Enabled must be true or false.")
    pool = mfa_config.set_user_pool_mfa_config(
        pool=pool_from(params), mfa_configuration=optional(params, "MfaConfiguration"), software_token_enabled=enabled,
        sms_enabled=sms is not None, sms_message=(sms or {}).get("SmsAuthenticationMessage"),
        sms_configuration=(sms or {}).get("SmsConfiguration"),
        email_enabled=email is not None, email_subject=(email or {}).get("Subject"), email_message=(email or {}).get("Message"),
        webauthn=_block(params, "WebAuthnConfiguration"), context=context,
    )
    return mfa_config_type(pool)


def get_user_pool_mfa_config(params, context):
    return mfa_config_type(pool_from(params))


def get_signing_certificate(params, context):
    certificate = certificates.get_signing_certificate(pool=pool_from(params))
    # Base64 of the DER bytes, without PEM's armour lines, as Cognito answers.
    return {"Certificate": base64.b64encode(bytes(certificate.certificate_der)).decode()}


ACTIONS = {
    "SetUserPoolMfaConfig": set_user_pool_mfa_config,
    "GetUserPoolMfaConfig": get_user_pool_mfa_config,
    "GetSigningCertificate": get_signing_certificate,
}
