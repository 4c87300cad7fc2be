"""Passkey actions of a signed-in user (access token): register, list, delete."""
from __future__ import annotations

from cognito_api.params import optional, required, signed_in_user
from identity.errors import InvalidParameterException
from identity.services import passkeys


def start_web_authn_registration(params: dict, context) -> dict:
    user, verified = signed_in_user(params)
    options = passkeys.start_web_authn_registration(user=user, client_id=verified.client_id, context=context)
    return {"CredentialCreationOptions": options}


def complete_web_authn_registration(params: dict, context) -> dict:
    user, verified = signed_in_user(params)
    credential = params.get("Credential")
    if not isinstance(credential, dict):
        raise InvalidParameterException("1 validation error detected: Value at 'credential' failed to satisfy constraint: Member must not be null")
    passkeys.complete_web_authn_registration(user=user, client_id=verified.client_id, credential=credential, context=context)
    return {}


def list_web_authn_credentials(params: dict, context) -> dict:
    user, _verified = signed_in_user(params)
    found, token = passkeys.list_web_authn_credentials(
        user=user, max_results=optional(params, "MaxResults", int), next_token=optional(params, "NextToken"),
    )
    body = {"Credentials": [_wire(passkeys.describe(credential)) for credential in found]}
    if token:
        body["NextToken"] = token
    return body


def _wire(description: dict) -> dict:
    # Cognito's timestamps are epoch seconds on the wire.
    return {**description, "CreatedAt": description["CreatedAt"].timestamp()}


def delete_web_authn_credential(params: dict, context) -> dict:
    user, _verified = signed_in_user(params)
    passkeys.delete_web_authn_credential(user=user, credential_id=required(params, "CredentialId"), context=context)
    return {}


ACTIONS = {
    "StartWebAuthnRegistration": start_web_authn_registration,
    "CompleteWebAuthnRegistration": complete_web_authn_registration,
    "ListWebAuthnCredentials": list_web_authn_credentials,
    "DeleteWebAuthnCredential": delete_web_authn_credential,
}
