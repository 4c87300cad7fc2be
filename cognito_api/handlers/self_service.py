"""What a signed-in user does with an access token, and token management."""
from __future__ import annotations

import re

from cognito_api.params import attribute_list, attributes, client_from, required, signed_in_user
from identity.errors import InvalidParameterException, NotAuthorizedException, UnsupportedOperationException, error_type
from identity.models import UserPoolClient
from identity.services import directory, mfa, passwords, pools, tokens, users


def _client_of(user, verified) -> UserPoolClient | None:
    return directory.find_client_cached(user.pool, verified.client_id)


def get_user(params: dict, context) -> dict:
    user, verified = signed_in_user(params)
    body = {"Username": user.username, "UserAttributes": attribute_list(user, _client_of(user, verified))}
    return {**body, **mfa.mfa_settings(user)}


def update_user_attributes(params: dict, context) -> dict:
    user, verified = signed_in_user(params)
    deliveries = users.update_user_attributes(user=user, client=_client_of(user, verified), attributes=attributes(params), context=context)
    return {"CodeDeliveryDetailsList": [d.as_cognito() for d in deliveries]}


def delete_user_attributes(params: dict, context) -> dict:
    user, verified = signed_in_user(params)
    names = params.get("UserAttributeNames") or []
    users.delete_user_attributes(user=user, client=_client_of(user, verified), names=[str(n) for n in names], context=context)
    return {}


def get_user_attribute_verification_code(params: dict, context) -> dict:
    user, verified = signed_in_user(params)
    details = users.get_user_attribute_verification_code(
        user=user, client=_client_of(user, verified), attribute_name=required(params, "AttributeName"), context=context
    )
    return {"CodeDeliveryDetails": details.as_cognito()}


def verify_user_attribute(params: dict, context) -> dict:
    user, _ = signed_in_user(params)
    users.verify_user_attribute(user=user, attribute_name=required(params, "AttributeName"), code=required(params, "Code"), context=context)
    return {}


def change_password(params: dict, context) -> dict:
    user, _ = signed_in_user(params)
    passwords.change_password(
        user=user, previous_password=params.get("PreviousPassword") or "", proposed_password=required(params, "ProposedPassword"),
        context=context,
    )
    return {}


def delete_user(params: dict, context) -> dict:
    user, _ = signed_in_user(params)
    users.delete_user(user=user, context=context)
    return {}


def global_sign_out(params: dict, context) -> dict:
    user, _ = signed_in_user(params)
    tokens.global_sign_out(user=user)
    return {}


# RevokeToken's refusal of a client is UnauthorizedException, the only such error in Cognito's model for it.
UnauthorizedException = error_type("UnauthorizedException", "The client is not authorized.")


def _authenticated_client(params: dict, refusal: type = NotAuthorizedException) -> UserPoolClient:
    client = client_from(params)
    if client.has_secret and not pools.check_client_secret(client, params.get("ClientSecret") or ""):
        raise refusal(f"Client {client.client_id} is configured with secret but the secret did not match.")
    return client


# Cognito's model for RevokeToken's Token; a value outside it is refused before anything is looked up.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9\-_=.]+")


def revoke_token(params: dict, context) -> dict:
    token = required(params, "Token")
    if not TOKEN_PATTERN.fullmatch(token):
        raise InvalidParameterException(
            "1 validation error detected: Value at 'token' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+"
        )
    client = _authenticated_client(params, UnauthorizedException)
    if not client.enable_token_revocation:
        raise UnsupportedOperationException("Token revocation is not enabled for this app client.")
    try:
        tokens.revoke_refresh_token(pool=client.pool, client=client, token=token)
    except NotAuthorizedException as refused:  # another client's token
        raise UnauthorizedException(refused.message) from None
    return {}


def get_tokens_from_refresh_token(params: dict, context) -> dict:
    client = _authenticated_client(params)
    device_key = params.get("DeviceKey") if isinstance(params.get("DeviceKey"), str) else None
    issued = tokens.refresh(pool=client.pool, client=client, refresh_token=required(params, "RefreshToken"), device_key=device_key)
    return {"AuthenticationResult": issued.as_cognito()}
