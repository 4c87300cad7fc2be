"""POST / with X-Amz-Target: the Cognito-compatible API, one table from action to handler."""
from __future__ import annotations

import dataclasses
import logging

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cognito_api import credentials, protocol, sigv4
from cognito_api.params import client_from_cached, client_known_here
from cognito_api.handlers import admin, auth, management, mfa, passwordless, pool_settings, self_service, signup
from cognito_api.handlers import devices, threats
from identity import ratelimit
from identity.context import RequestContext
from identity.errors import IdentityError
from identity.web import request_context

log = logging.getLogger(__name__)

ACTIONS = {
    "SignUp": signup.sign_up,
    "ConfirmSignUp": signup.confirm_sign_up,
    "ResendConfirmationCode": signup.resend_confirmation_code,
    "ForgotPassword": signup.forgot_password,
    "ConfirmForgotPassword": signup.confirm_forgot_password,
    "InitiateAuth": auth.initiate_auth,
    "RespondToAuthChallenge": auth.respond_to_auth_challenge,
    "GetUser": self_service.get_user,
    "UpdateUserAttributes": self_service.update_user_attributes,
    "DeleteUserAttributes": self_service.delete_user_attributes,
    "GetUserAttributeVerificationCode": self_service.get_user_attribute_verification_code,
    "VerifyUserAttribute": self_service.verify_user_attribute,
    "ChangePassword": self_service.change_password,
    "DeleteUser": self_service.delete_user,
    "GlobalSignOut": self_service.global_sign_out,
    "RevokeToken": self_service.revoke_token,
    "GetTokensFromRefreshToken": self_service.get_tokens_from_refresh_token,
    **mfa.ACTIONS,
    **passwordless.ACTIONS,
    **threats.ACTIONS,
    **devices.ACTIONS,
}
# Actions Cognito authorizes with IAM: here, with an operator's API credential (SigV4).
SIGNED_ACTIONS = {
    **admin.ACTIONS,
    **management.ACTIONS,
    **mfa.SIGNED_ACTIONS,
    **pool_settings.ACTIONS,
    **threats.SIGNED_ACTIONS,
    **devices.SIGNED_ACTIONS,
    "AdminInitiateAuth": auth.admin_initiate_auth,
    "AdminRespondToAuthChallenge": auth.admin_respond_to_auth_challenge,
}
POOL_LISTINGS = {"ListUserPools"}


@csrf_exempt
@require_POST
def dispatch(request):
    try:
        action, params = protocol.parse(request)
        return protocol.respond(_run(request, action, params))
    except IdentityError as exc:
        return protocol.error(exc)
    except Exception:
        # No stack trace to clients; the log keeps it.
        log.exception("Cognito API action failed")
        return protocol.error(IdentityError("An internal error occurred."), status=500)


def _run(request, action: str, params: dict) -> dict:
    if action in SIGNED_ACTIONS:
        return _run_signed(request, action, params)
    handler = ACTIONS.get(action)
    if handler is None:
        raise protocol.UnknownOperationException(f"Unknown operation {action}.")
    client_id = params.get("ClientId") if isinstance(params.get("ClientId"), str) else ""
    context: RequestContext = _with_client_metadata(request_context(request, actor=f"client:{client_id}" if client_id else "user"), params)
    # Public actions need no credential, so each caller address gets a budget, and each app client
    # that exists: a claimed ClientId is counted only once it resolves, and only after the address
    # passed, so junk requests cannot spend a real app's budget.
    if client_id and client_known_here(client_id):
        # Known without a query: the address and then (only if it passed) the client, in one cache call.
        ratelimit.limit_request(scope=ratelimit.SIGN_IN, ip_address=context.ip_address, client_id=client_id)
    else:
        ratelimit.limit_request(scope=ratelimit.SIGN_IN, ip_address=context.ip_address, client_id=None)
        if client_id and _client_exists(client_id):
            ratelimit.limit_request(scope=ratelimit.SIGN_IN, ip_address=None, client_id=client_id)
    return handler(params, context)


def _client_exists(client_id: str) -> bool:
    try:
        client_from_cached({"ClientId": client_id})
    except IdentityError:
        return False
    return True


def _with_client_metadata(context: RequestContext, params: dict) -> RequestContext:
    # ClientMetadata goes to the triggers the action invokes and is never stored (Cognito's rule).
    metadata = params.get("ClientMetadata")
    if isinstance(metadata, dict) and metadata and all(isinstance(v, str) for v in metadata.values()):
        return dataclasses.replace(context, client_metadata=dict(metadata))
    return context


def _run_signed(request, action: str, params: dict) -> dict:
    # A wrong key or signature is counted per address, and an address with too many is refused
    # before its signature is checked, so secrets cannot be guessed quickly.
    ip_address = request.META.get("REMOTE_ADDR")
    ratelimit.refuse_after_failures(scope=ratelimit.SIGNATURE, ip_address=ip_address)
    try:
        credential = sigv4.verify(request)
    except IdentityError:
        ratelimit.count_failure(scope=ratelimit.SIGNATURE, ip_address=ip_address)
        raise
    actor = f"operator:{credential.operator.get_username()}" if credential.operator_id else f"access-key:{credential.access_key_id}"
    context = _with_client_metadata(request_context(request, actor=actor), params)
    if action in POOL_LISTINGS:
        # IAM would deny these outright; a key scoped to pools sees just its own pools.
        return SIGNED_ACTIONS[action](params, context, pool_ids=credentials.pools_in_scope(credential))
    pool_id = params.get("UserPoolId")
    credentials.authorize(credential, action=action, pool_id=pool_id if isinstance(pool_id, str) else None)
    credentials.authorize_python_triggers(credential, action=action, params=params)
    return SIGNED_ACTIONS[action](params, context)
