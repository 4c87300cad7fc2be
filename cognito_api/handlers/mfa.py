"""MFA actions: authenticator enrolment (by access token or during sign-in) and the user's MFA preference."""
from __future__ import annotations

from cognito_api.params import optional, pool_from, required, signed_in_user
from identity.services import directory, mfa, passwordless, signin

_SETTINGS = {"software_token": "SoftwareTokenMfaSettings", "sms": "SMSMfaSettings", "email": "EmailMfaSettings", "webauthn": "WebAuthnMfaSettings"}


def associate_software_token(params: dict, context) -> dict:
    if params.get("Session") and not params.get("AccessToken"):
        secret, session = signin.associate_software_token_in_session(session=required(params, "Session"), context=context)
        return {"SecretCode": secret, "Session": session}
    user, _verified = signed_in_user(params)
    return {"SecretCode": mfa.associate_software_token(user=user, context=context)}


def verify_software_token(params: dict, context) -> dict:
    code = required(params, "UserCode")
    name = optional(params, "FriendlyDeviceName") or ""
    if params.get("Session") and not params.get("AccessToken"):
        session = signin.verify_software_token_in_session(session=required(params, "Session"), code=code, friendly_name=name, context=context)
        return {"Status": "SUCCESS", "Session": session}
    user, _verified = signed_in_user(params)
    mfa.verify_software_token(user=user, code=code, friendly_name=name, context=context)
    return {"Status": "SUCCESS"}


def _settings(params: dict) -> dict:
    chosen = {}
    for argument, name in _SETTINGS.items():
        value = optional(params, name, dict)
        if value is not None:
            chosen[argument] = value
    return chosen


def set_user_mfa_preference(params: dict, context) -> dict:
    user, _verified = signed_in_user(params)
    mfa.set_user_mfa_preference(user=user, context=context, **_settings(params))
    return {}


def admin_set_user_mfa_preference(params: dict, context) -> dict:
    user = directory.get_user(pool_from(params), required(params, "Username"))
    mfa.set_user_mfa_preference(user=user, context=context, **_settings(params))
    return {}


def get_user_auth_factors(params: dict, context) -> dict:
    user, _verified = signed_in_user(params)
    return auth_factors(user)


def admin_get_user_auth_factors(params: dict, context) -> dict:
    return auth_factors(directory.get_user(pool_from(params), required(params, "Username")))


def auth_factors(user) -> dict:
    settings = mfa.mfa_settings(user)
    configured = ["PASSWORD"] if user.password else []
    # The passwordless first factors the user can sign in with (passwordless.py).
    configured += [c for c in passwordless.available_challenges(user.pool, user) if c in ("EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")]
    if "SOFTWARE_TOKEN_MFA" in settings["UserMFASettingList"]:
        configured.append("SOFTWARE_TOKEN")
    return {"Username": user.username, **settings, "ConfiguredUserAuthFactors": configured}


ACTIONS = {
    "AssociateSoftwareToken": associate_software_token,
    "VerifySoftwareToken": verify_software_token,
    "SetUserMFAPreference": set_user_mfa_preference,
    "GetUserAuthFactors": get_user_auth_factors,
}
SIGNED_ACTIONS = {
    "AdminSetUserMFAPreference": admin_set_user_mfa_preference,
    "AdminGetUserAuthFactors": admin_get_user_auth_factors,
}
