"""InitiateAuth and RespondToAuthChallenge: the sign-in state machine, then tokens."""
from __future__ import annotations

from cognito_api.params import API_SCOPE, client_from, client_from_cached, optional, required
from identity.errors import InvalidParameterException, NotAuthorizedException
from identity.services import devices, signin, tokens

REFRESH_FLOWS = {"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"}


def initiate_auth(params: dict, context) -> dict:
    client = client_from_cached(params)
    flow = required(params, "AuthFlow")
    auth_parameters = optional(params, "AuthParameters", dict) or {}
    if flow in REFRESH_FLOWS:
        return _refresh(client, auth_parameters)
    if flow.startswith("ADMIN_"):
        raise InvalidParameterException(f"{flow} is only for AdminInitiateAuth.")
    result = signin.initiate_auth(
        pool=client.pool, client=client, auth_flow=flow, auth_parameters=auth_parameters, context=context, session=optional(params, "Session"),
    )
    return sign_in_response(client, result, context)


def respond_to_auth_challenge(params: dict, context) -> dict:
    client = client_from_cached(params)
    name = required(params, "ChallengeName")
    responses = optional(params, "ChallengeResponses", dict) or {}
    session = optional(params, "Session")
    if not session and name in (signin.PASSWORD_VERIFIER, signin.DEVICE_PASSWORD_VERIFIER):
        # SDKs answer PASSWORD_VERIFIER without a Session: the echoed SECRET_BLOCK names the step.
        session = responses.get("PASSWORD_CLAIM_SECRET_BLOCK")
    if not session and name == signin.DEVICE_SRP_AUTH:
        # pycognito (and older SDKs) answer DEVICE_SRP_AUTH without one: the username and device key name it.
        session = signin.pending_device_session(pool=client.pool, client=client, responses=responses)
    if not session:
        raise InvalidParameterException("Missing required parameter Session")
    result = signin.respond_to_auth_challenge(
        pool=client.pool, client=client, challenge_name=name, session=session, responses=responses, context=context,
    )
    return sign_in_response(client, result, context)


def sign_in_response(client, result, context) -> dict:
    """Tokens for a finished sign-in, or the next challenge, in Cognito's shape."""
    if isinstance(result, signin.ChallengeResult):
        body = {"ChallengeName": result.name, "Session": result.session, "ChallengeParameters": result.parameters}
        if result.available_challenges:
            body["AvailableChallenges"] = list(result.available_challenges)
        return body
    device_key, new_device = devices.track_sign_in(user=result.user, proven_device_key=result.device_key, context=context)
    issued = tokens.issue_token_set(
        pool=client.pool, client=client, user=result.user, scopes=[API_SCOPE], auth_time=result.auth_time, amr=result.amr,
        include_refresh_token="ALLOW_REFRESH_TOKEN_AUTH" in client.explicit_auth_flows, trigger_source=result.token_source,
        device_key=device_key,
    )
    authentication = issued.as_cognito()
    if new_device:
        authentication["NewDeviceMetadata"] = new_device
    return {"AuthenticationResult": authentication, "ChallengeParameters": {}}


def _refresh(client, auth_parameters: dict) -> dict:
    if "ALLOW_REFRESH_TOKEN_AUTH" not in client.explicit_auth_flows:
        raise InvalidParameterException("REFRESH_TOKEN_AUTH flow not enabled for this client")
    token = auth_parameters.get("REFRESH_TOKEN") or ""
    _check_refresh_secret_hash(client, token, auth_parameters.get("SECRET_HASH"))
    # As Cognito: this legacy flow never rotates; GetTokensFromRefreshToken does.
    device_key = auth_parameters.get("DEVICE_KEY") if isinstance(auth_parameters.get("DEVICE_KEY"), str) else None
    issued = tokens.refresh(pool=client.pool, client=client, refresh_token=token, rotate=False, device_key=device_key)
    return {"AuthenticationResult": issued.as_cognito(), "ChallengeParameters": {}}


def _check_refresh_secret_hash(client, token: str, secret_hash: str | None) -> None:
    if not client.has_secret:
        return
    user = tokens.refresh_token_user(pool=client.pool, client=client, refresh_token=token)
    names = [user.username, str(user.sub)] if user else []
    from identity.services.pools import check_secret_hash

    if not any(check_secret_hash(client, username=name, secret_hash=secret_hash) for name in names):
        raise NotAuthorizedException(f"Unable to verify secret hash for client {client.client_id}")


def admin_initiate_auth(params: dict, context) -> dict:
    from cognito_api.params import pool_from

    pool = pool_from(params)
    client = client_from(params)
    if client.pool_id != pool.id:
        raise InvalidParameterException("The client does not belong to this user pool.")
    flow = required(params, "AuthFlow")
    auth_parameters = optional(params, "AuthParameters", dict) or {}
    if flow in REFRESH_FLOWS:
        return _refresh(client, auth_parameters)
    # CUSTOM_AUTH is both an InitiateAuth and an AdminInitiateAuth flow, as in Cognito.
    if not flow.startswith("ADMIN_") and flow not in ("CUSTOM_AUTH", "USER_AUTH"):
        raise InvalidParameterException(f"{flow} is not an AdminInitiateAuth flow.")
    result = signin.initiate_auth(
        pool=pool, client=client, auth_flow=flow, auth_parameters=auth_parameters, context=context, session=optional(params, "Session"),
    )
    return sign_in_response(client, result, context)


def admin_respond_to_auth_challenge(params: dict, context) -> dict:
    from cognito_api.params import pool_from

    pool = pool_from(params)
    client = client_from(params)
    if client.pool_id != pool.id:
        raise InvalidParameterException("The client does not belong to this user pool.")
    return respond_to_auth_challenge(params, context)
