"""OAuth authorization codes: issue, find, and redeem exactly once (RFC 6749 §4.1.2, §10.5)."""
from __future__ import annotations

import datetime

from django.db import transaction

from identity import clock, crypto
from identity.models import AuthorizationCode, User, UserPool, UserPoolClient
from identity.services import tokens

CODE_LIFETIME = datetime.timedelta(minutes=5)


def create_authorization_code(
    *,
    pool: UserPool,
    client: UserPoolClient,
    user: User,
    redirect_uri: str,
    scopes: list[str],
    auth_time: datetime.datetime,
    amr: list[str],
    nonce: str = "",
    code_challenge: str = "",
    code_challenge_method: str = "",
    code: str,
) -> AuthorizationCode:
    """Store a new code (its digest only) bound to pool, client, user, redirect URI and PKCE challenge."""
    return AuthorizationCode.objects.create(
        pool=pool, client=client, user=user, code_digest=crypto.keyed_digest("authorization-code", code),
        redirect_uri=redirect_uri, scopes=scopes, nonce=nonce or "", code_challenge=code_challenge or "",
        code_challenge_method=code_challenge_method or "", auth_time=auth_time, amr=amr,
        expires_at=clock.now() + CODE_LIFETIME,
    )


def find_authorization_code(*, pool: UserPool, client: UserPoolClient, code: str) -> AuthorizationCode | None:
    """The live code for this client, or None. Presenting a redeemed code revokes what it issued (§10.5)."""
    row = (
        AuthorizationCode.objects.select_related("user", "user__pool")
        .filter(code_digest=crypto.keyed_digest("authorization-code", code or ""), pool=pool, client=client)
        .first()
    )
    if row is None or row.expires_at <= clock.now():
        return None
    if row.redeemed_at is not None:
        tokens.revoke_issued(pool=pool, client=client, family=row.issued_family, origin_jti=row.issued_origin_jti)
        return None
    return row


@transaction.atomic
def redeem_authorization_code(*, code: AuthorizationCode) -> tokens.TokenSet | None:
    """Mint the tokens a code stands for, once: a concurrent second redemption gets None."""
    claimed = AuthorizationCode.objects.filter(pk=code.pk, redeemed_at__isnull=True).update(redeemed_at=clock.now())
    if not claimed:
        return None
    user = code.user
    if not user.enabled:
        return None
    issued = tokens.issue_token_set(
        pool=code.pool, client=code.client, user=user, scopes=code.scopes, auth_time=code.auth_time,
        nonce=code.nonce or None, amr=code.amr, include_id_token="openid" in code.scopes,
        include_refresh_token=True, with_at_hash=True, trigger_source="TokenGeneration_HostedAuth",
    )
    AuthorizationCode.objects.filter(pk=code.pk).update(issued_family=issued.family, issued_origin_jti=issued.origin_jti)
    return issued
