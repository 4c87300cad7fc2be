"""SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword."""
from __future__ import annotations

from cognito_api.params import attributes, checked_client, optional, required
from identity.services import passwordless, passwords, signup


def sign_up(params: dict, context) -> dict:
    username = required(params, "Username")
    client = checked_client(params, username)
    result = signup.sign_up(
        pool=client.pool, client=client, username=username, password=required(params, "Password"),
        attributes=attributes(params), validation_data=attributes(params, "ValidationData") or None, context=context,
    )
    body = {"UserConfirmed": result.user_confirmed, "UserSub": result.user_sub}
    if not result.user_confirmed and "ALLOW_USER_AUTH" in client.explicit_auth_flows:
        body["Session"] = passwordless.signing_up_session(user=result.user, client=client)
    if result.code_delivery:
        body["CodeDeliveryDetails"] = result.code_delivery.as_cognito()
    return body


def confirm_sign_up(params: dict, context) -> dict:
    username = required(params, "Username")
    client = checked_client(params, username)
    user = signup.confirm_sign_up(
        pool=client.pool, client=client, username=username, code=required(params, "ConfirmationCode"),
        force_alias_creation=bool(optional(params, "ForceAliasCreation", bool)), context=context,
    )
    # Given SignUp's Session, one for InitiateAuth(USER_AUTH) to sign the user in without asking again (passwordless.py).
    session = passwordless.sign_up_session(user=user, client=client, signing_up=optional(params, "Session"))
    return {"Session": session} if session else {}


def resend_confirmation_code(params: dict, context) -> dict:
    username = required(params, "Username")
    client = checked_client(params, username)
    details = signup.resend_confirmation_code(pool=client.pool, client=client, username=username, context=context)
    return {"CodeDeliveryDetails": details.as_cognito()}


def forgot_password(params: dict, context) -> dict:
    username = required(params, "Username")
    client = checked_client(params, username)
    details = passwords.forgot_password(pool=client.pool, client=client, username=username, context=context)
    return {"CodeDeliveryDetails": details.as_cognito()}


def confirm_forgot_password(params: dict, context) -> dict:
    username = required(params, "Username")
    client = checked_client(params, username)
    passwords.confirm_forgot_password(
        pool=client.pool, client=client, username=username, code=required(params, "ConfirmationCode"),
        password=required(params, "Password"), context=context,
    )
    return {}
