"""Reading Cognito request parameters: required strings, attribute lists, the caller's pool and client."""
from __future__ import annotations

import json

from joserfc import jws

from identity import localcache
from identity.errors import InvalidParameterException, NotAuthorizedException, ResourceNotFoundException
from identity.models import User, UserPool, UserPoolClient
from identity.services import directory, signin, tokens

API_SCOPE = "aws.cognito.signin.user.admin"


def required(params: dict, name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidParameterException(f"1 validation error detected: Value at '{name[0].lower() + name[1:]}' failed to satisfy constraint: Member must not be null")
    return value


def optional(params: dict, name: str, kind=str):
    value = params.get(name)
    if value is not None and not isinstance(value, kind):
        raise InvalidParameterException(f"{name} has the wrong type.")
    return value


def attributes(params: dict, name: str = "UserAttributes") -> dict[str, str]:
    """Cognito's [{"Name": ..., "Value": ...}] as a dict."""
    items = params.get(name) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("Name"), str) for i in items):
        raise InvalidParameterException(f"{name} must be a list of Name/Value pairs.")
    return {item["Name"]: str(item.get("Value", "")) for item in items}


def attribute_list(user: User, client: UserPoolClient | None = None) -> list[dict]:
    """The user's attributes as Cognito returns them, sub first, limited to the client's readable ones."""
    from identity.services.claims import readable_attributes

    values = {"sub": str(user.sub), **readable_attributes(user, client)}
    return [{"Name": name, "Value": value} for name, value in values.items()]


def client_from(params: dict) -> UserPoolClient:
    """The app client named by ClientId; its pool comes with it."""
    client_id = required(params, "ClientId")
    client = UserPoolClient.objects.select_related("pool").filter(client_id=client_id).first()
    if client is None:
        raise ResourceNotFoundException("User pool client %s does not exist." % client_id)
    return client


def client_from_cached(params: dict) -> UserPoolClient:
    """client_from for the sign-in path, where the lookup was a fifth of the work: the row is reused
    for a few seconds per process, and forgotten at once when this node changes it (identity.localcache)."""
    client_id = required(params, "ClientId")
    # A client never moves to another pool, so its pool id can be kept as long as the client itself.
    pool_id = localcache.get_or_load(
        ("client-pool", client_id), lambda: UserPoolClient.objects.filter(client_id=client_id).values_list("pool_id", flat=True).first()
    )
    try:
        client = directory.find_client_cached(directory.get_pool_cached(pool_id), client_id) if pool_id else None
    except ResourceNotFoundException:
        client = None
    if client is None:
        raise ResourceNotFoundException("User pool client %s does not exist." % client_id)
    return client


def client_known_here(client_id: str) -> bool:
    """Whether client_from_cached would find this client without a query (all its rows fresh in this process)."""
    pool_id = localcache.peek(("client-pool", client_id))
    return bool(pool_id) and localcache.peek(("pool", pool_id)) is not None and localcache.peek(("client", pool_id, client_id)) is not None


def checked_client(params: dict, username: str | None) -> UserPoolClient:
    """ClientId plus SECRET_HASH, which clients with a secret must send."""
    client = client_from(params)
    if username is not None:
        signin.check_secret_hash(client, username, params.get("SecretHash"))
    return client


def pool_from(params: dict) -> UserPool:
    return directory.get_pool(required(params, "UserPoolId"))


def signed_in_user(params: dict) -> tuple[User, tokens.VerifiedAccessToken]:
    """The user an AccessToken stands for; it must carry Cognito's API scope."""
    token = required(params, "AccessToken")
    pool = _token_pool(token)
    verified = tokens.verify_access_token(pool=pool, token=token)
    if verified.user is None or API_SCOPE not in verified.scopes:
        raise NotAuthorizedException("Access Token does not have required scopes")
    return verified.user, verified


def _token_pool(token: str) -> UserPool:
    try:
        claims = json.loads(jws.extract_compact(token.encode()).payload)
        pool_id = str(claims["iss"]).rstrip("/").rsplit("/", 1)[1]
        return directory.get_pool_cached(pool_id)
    except Exception:
        raise NotAuthorizedException("Invalid Access Token") from None
