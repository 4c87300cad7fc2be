"""Operators' access keys: issue, register a fixed pair, revoke, and the IAM-like scope check on each call."""
from __future__ import annotations

import secrets
import string
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction

from cognito_api.models import ApiCredential
from identity import clock, crypto, events
from identity.context import SYSTEM, RequestContext
from identity.errors import InvalidParameterException, ResourceNotFoundException, error_type
from identity.models import UserPool

AccessDeniedException = error_type("AccessDeniedException", "You do not have sufficient access to perform this action.")
ACCOUNT = "000000000000"  # the account part of ARNs: one server is one account
_KEY_ALPHABET = string.ascii_uppercase + string.digits


def pool_arn(pool_id: str) -> str:
    return f"arn:aws:cognito-idp:{settings.USERPOOLS_REGION}:{ACCOUNT}:userpool/{pool_id}"


@transaction.atomic
def create_access_key(
    *,
    operator=None,
    pool_ids: Iterable[str] = (),
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    description: str = "",
    context: RequestContext = SYSTEM,
) -> tuple[ApiCredential, str]:
    """A new access key and its secret (returned once; only an encrypted copy is kept).

    With no pool ids the key may manage every pool; with some, only those (ResourceNotFoundException
    names a missing one). A given id and secret, any non-empty strings, register a known pair for
    local development and CI, as Cognito emulators accept fixed test credentials; both or neither
    (InvalidParameterException, also for an id already taken).
    """
    if (access_key_id is None) != (secret_access_key is None) or access_key_id == "" or secret_access_key == "":
        raise InvalidParameterException("Give both an access key id and a secret access key, non-empty, or neither.")
    if access_key_id is not None and (len(access_key_id) > 128 or any(c.isspace() or c == "/" for c in access_key_id)):
        raise InvalidParameterException("An access key id has at most 128 characters, without spaces or '/'.")
    pools = _pools(pool_ids)
    key_id = access_key_id or "UP" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(18))
    secret = secret_access_key or secrets.token_urlsafe(30)
    try:
        with transaction.atomic():
            credential = ApiCredential.objects.create(
                access_key_id=key_id, secret_encrypted=crypto.encrypt(secret), operator=operator,
                description=description, all_pools=not pools,
            )
    except IntegrityError:
        raise InvalidParameterException(f"Access key {key_id} already exists.") from None
    credential.pools.set(pools)
    events.record("CreateAccessKey", context=context, details={"access_key_id": key_id, "pools": [p.id for p in pools]})
    return credential, secret


def _pools(pool_ids: Iterable[str]) -> list[UserPool]:
    wanted = list(dict.fromkeys(pool_ids))
    found = {pool.id: pool for pool in UserPool.objects.filter(id__in=wanted)}
    missing = [pool_id for pool_id in wanted if pool_id not in found]
    if missing:
        raise ResourceNotFoundException(f"User pool {missing[0]} does not exist.")
    return [found[pool_id] for pool_id in wanted]


@transaction.atomic
def revoke_access_key(*, access_key_id: str, context: RequestContext = SYSTEM) -> ApiCredential:
    """Revoke a key for good: calls signed with it get UnrecognizedClientException. Unknown: ResourceNotFoundException."""
    credential = ApiCredential.objects.select_for_update().filter(access_key_id=access_key_id).first()
    if credential is None:
        raise ResourceNotFoundException(f"Access key {access_key_id} does not exist.")
    if credential.active:
        credential.active, credential.revoked_at = False, clock.now()
        credential.save(update_fields=["active", "revoked_at"])
        events.record("RevokeAccessKey", context=context, details={"access_key_id": access_key_id})
    return credential


def pools_in_scope(credential: ApiCredential) -> set[str] | None:
    """The pool ids a key may manage, or None for every pool."""
    if credential.all_pools:
        return None
    return set(credential.pools.values_list("id", flat=True))


def authorize(credential: ApiCredential, *, action: str, pool_id: str | None) -> None:
    """Refuse, as IAM refuses, a call outside the key's scope.

    A call that names no pool (CreateUserPool, DescribeUserPoolDomain) acts on the whole account,
    so only an all-pools key may make it. The check comes before any lookup, so a scoped key cannot
    learn which other pools exist.
    """
    if credential.all_pools:
        return
    if pool_id is not None and pool_id in pools_in_scope(credential):
        return
    resource = pool_arn(pool_id) if pool_id is not None else "*"
    raise AccessDeniedException(
        f"User: arn:aws:iam::{ACCOUNT}:user/{credential.principal} is not authorized to perform: "
        f"cognito-idp:{action} on resource: {resource} because no identity-based policy allows the cognito-idp:{action} action"
    )


def authorize_python_triggers(credential: ApiCredential, *, action: str, params: dict) -> None:
    """A `python:` trigger runs code inside the server, beyond any one pool: only an all-pools key may name one.

    A key scoped to pools may still point triggers at webhooks.
    """
    config = params.get("LambdaConfig")
    if credential.all_pools or not isinstance(config, dict):
        return
    if any(isinstance(v, str) and v.startswith("python:") for v in _strings_in(config)):
        raise AccessDeniedException(
            f"User: arn:aws:iam::{ACCOUNT}:user/{credential.principal} is not authorized to perform: cognito-idp:{action} "
            "with an in-process (python:) trigger: only a key for all pools may run code in the server"
        )


def _strings_in(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, str):
        yield value
