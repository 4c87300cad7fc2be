"""The one place tokens are minted, refreshed, verified and revoked (ID, access, refresh)."""
from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from joserfc import jwt
from joserfc.errors import JoseError

from identity import clock, crypto, triggers, triggers_catalogue
from identity.errors import NotAuthorizedException, RefreshTokenReuseException, UnsupportedTokenTypeException
from identity.models import RefreshToken, RevokedOrigin, User, UserPool, UserPoolClient
from identity.services import claims as claim_builders
from identity.services import hotpath, keys, triggers_config
from identity.services.pools import issuer_for
from identity.triggers_tokens import NO_CHANGES, ClaimChanges


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    expires_in: int
    id_token: str | None = None
    refresh_token: str | None = None
    token_type: str = "Bearer"
    # Server-side handles of what was issued (never sent to clients): for revoking it later.
    origin_jti: str | None = None
    family: str | None = None

    def as_oauth(self) -> dict:
        body = {"access_token": self.access_token, "expires_in": self.expires_in, "token_type": self.token_type}
        body.update({k: v for k, v in (("id_token", self.id_token), ("refresh_token", self.refresh_token)) if v})
        return body

    def as_cognito(self) -> dict:
        """Cognito's AuthenticationResult."""
        body = {"AccessToken": self.access_token, "ExpiresIn": self.expires_in, "TokenType": self.token_type}
        body.update({k: v for k, v in (("IdToken", self.id_token), ("RefreshToken", self.refresh_token)) if v})
        return body


def _sign(pool: UserPool, payload: dict) -> str:
    loaded = keys.signing_keys(pool)
    return jwt.encode({"alg": "RS256", "kid": loaded.kid, "typ": "JWT"}, payload, loaded.private_key)


def _at_hash(access_token: str) -> str:
    # OIDC Core §3.1.3.6: left half of SHA-256 of the access token, base64url.
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _timestamps(lifetime: datetime.timedelta) -> tuple[int, int]:
    issued = int(clock.now().timestamp())
    return issued, issued + int(lifetime.total_seconds())


def mint_access_token(
    *, pool: UserPool, client: UserPoolClient, user: User, scopes: list[str], auth_time: int, origin_jti: str, event_id: str,
    groups: list | None = None, changes: ClaimChanges = NO_CHANGES, device_key: str = "",
) -> str:
    iat, exp = _timestamps(client.validity("AccessToken"))
    payload = {
        **claim_builders.access_token_claims(user, groups),
        "iss": issuer_for(pool),
        "client_id": client.client_id,
        "origin_jti": origin_jti,
        "event_id": event_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": auth_time,
        "exp": exp,
        "iat": iat,
        "jti": str(uuid.uuid4()),
        "version": 2,
    }
    if device_key:  # a sign-in on a tracked device (identity/services/devices.py), as Cognito's tokens say
        payload["device_key"] = device_key
    if changes is not NO_CHANGES:
        payload = changes.apply_to_access_token(payload)
    return _sign(pool, payload)


def mint_id_token(
    *,
    pool: UserPool,
    client: UserPoolClient,
    user: User,
    auth_time: int,
    origin_jti: str,
    event_id: str,
    nonce: str | None = None,
    access_token: str | None = None,
    amr: list[str] | None = None,
    groups: list | None = None,
    changes: ClaimChanges = NO_CHANGES,
) -> str:
    iat, exp = _timestamps(client.validity("IdToken"))
    payload = {
        **claim_builders.id_token_claims(user, client, groups),
        "iss": issuer_for(pool),
        "aud": client.client_id,
        "origin_jti": origin_jti,
        "event_id": event_id,
        "token_use": "id",
        "auth_time": auth_time,
        "exp": exp,
        "iat": iat,
        "jti": str(uuid.uuid4()),
    }
    if nonce:
        payload["nonce"] = nonce
    if access_token:
        payload["at_hash"] = _at_hash(access_token)
    if amr:
        payload["amr"] = list(amr)
    if changes is not NO_CHANGES:
        payload = changes.apply_to_id_token(payload)
    return _sign(pool, payload)


def issue_token_set(
    *,
    pool: UserPool,
    client: UserPoolClient,
    user: User,
    scopes: list[str],
    auth_time: datetime.datetime,
    nonce: str | None = None,
    amr: list[str] | tuple = (),
    include_id_token: bool = True,
    include_refresh_token: bool = True,
    event_id: str | None = None,
    with_at_hash: bool = False,
    trigger_source: str = "TokenGeneration_Authentication",
    device_key: str = "",
) -> TokenSet:
    """Mint access + ID tokens for a sign-in and store a new refresh-token family.

    Every face (token endpoint, InitiateAuth, federation) ends a successful sign-in here.
    `with_at_hash`: the ID token carries at_hash, as Cognito's OAuth endpoints do (its API does not).
    `trigger_source` is what the PreTokenGeneration trigger is told (TokenGeneration_HostedAuth for
    the OAuth endpoints, _NewPasswordChallenge, ...); its errors are raised before anything is stored.
    `device_key`: the tracked device of this sign-in; the access token and the refresh token carry it.
    """
    event_id = event_id or str(uuid.uuid4())
    record, changes = None, NO_CHANGES
    if include_refresh_token and triggers_config.target_for(pool, triggers_catalogue.PRE_TOKEN_GENERATION) is None:
        # No trigger can refuse these tokens: the refresh token is stored as the groups are read, in one trip.
        groups: list = []
        record, refresh = _new_refresh_token(
            pool=pool, client=client, user=user, scopes=scopes, auth_time=auth_time, amr=list(amr), device_key=device_key,
            save=lambda row: groups.extend(hotpath.insert_reading_groups(row, user)),
        )
    else:
        groups = claim_builders.user_groups(user)
        # The trigger runs first: when it refuses, no refresh token has been stored.
        changes = triggers.pre_token_generation(pool=pool, client=client, user=user, source=trigger_source, scopes=list(scopes), groups=groups)
        if include_refresh_token:
            record, refresh = _new_refresh_token(
                pool=pool, client=client, user=user, scopes=scopes, auth_time=auth_time, amr=list(amr), device_key=device_key, save=hotpath.insert,
            )
    origin_jti = str(record.origin_jti) if record else str(uuid.uuid4())
    issued = _mint(
        pool=pool, client=client, user=user, scopes=scopes, auth_time=auth_time, origin_jti=origin_jti,
        event_id=event_id, nonce=nonce, amr=list(amr), include_id_token=include_id_token,
        refresh_token=refresh if record else None, with_at_hash=with_at_hash, groups=groups, changes=changes, device_key=device_key,
    )
    return dataclasses.replace(issued, origin_jti=origin_jti, family=str(record.family) if record else None)


def _mint(
    *, pool, client, user, scopes, auth_time, origin_jti, event_id, nonce, amr, include_id_token, refresh_token, with_at_hash=False,
    groups=None, changes: ClaimChanges = NO_CHANGES, device_key: str = "",
) -> TokenSet:
    """The one place both tokens' claims are built: every path that mints user tokens comes here."""
    auth_ts = int(auth_time.timestamp())
    groups = claim_builders.user_groups(user) if groups is None else groups
    access = mint_access_token(
        pool=pool, client=client, user=user, scopes=scopes, auth_time=auth_ts, origin_jti=origin_jti, event_id=event_id,
        groups=groups, changes=changes, device_key=device_key,
    )
    id_token = None
    if include_id_token:
        id_token = mint_id_token(
            pool=pool, client=client, user=user, auth_time=auth_ts, origin_jti=origin_jti, event_id=event_id,
            nonce=nonce, access_token=access if with_at_hash else None, amr=amr, groups=groups, changes=changes,
        )
    expires_in = int(client.validity("AccessToken").total_seconds())
    return TokenSet(access_token=access, expires_in=expires_in, id_token=id_token, refresh_token=refresh_token)


def _refresh_digest(token: str) -> str:
    return crypto.keyed_digest("refresh-token", token)


def _new_refresh_token(*, pool, client, user, scopes, auth_time, amr, family=None, origin_jti=None, save=None, device_key="") -> tuple[RefreshToken, str]:
    token = crypto.random_token(48)
    fields = {"family": family} if family else {}
    if origin_jti:
        fields["origin_jti"] = origin_jti
    record = RefreshToken(
        pool=pool, client=client, user=user, token_digest=_refresh_digest(token), scopes=list(scopes),
        auth_time=auth_time, amr=amr, expires_at=clock.now() + client.validity("RefreshToken"), device_key=device_key or "", **fields,
    )
    (save or RefreshToken.save)(record)
    return record, token


def refresh(
    *, pool: UserPool, client: UserPoolClient, refresh_token: str, rotate: bool | None = None, with_at_hash: bool = False,
    device_key: str | None = None,
) -> TokenSet:
    """New access and ID tokens from a refresh token; with rotation, a new refresh token replaces it.

    Raises NotAuthorizedException (unknown, other client, expired, revoked, user disabled or signed
    out) and RefreshTokenReuseException (a rotated token used again: the whole family is revoked).
    Cognito: REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken; RFC 6749 §6. A `device_key` (DEVICE_KEY)
    other than the one the sign-in was tracked on is refused as an invalid token.
    """
    rotate = client.refresh_token_rotation if rotate is None else rotate
    if device_key:
        _check_refresh_device(pool, refresh_token or "", device_key)
    changes = _refresh_changes(pool, client, refresh_token or "")
    outcome = _rotate_fast(pool=pool, client=client, token=refresh_token or "") if rotate else None
    if outcome is None:
        outcome = _consume_refresh_token(pool=pool, client=client, token=refresh_token or "", rotate=rotate)
    if isinstance(outcome, Exception):
        raise outcome
    record, new_token = outcome
    groups = claim_builders.user_groups(record.user)
    return _mint(
        pool=pool, client=client, user=record.user, scopes=record.scopes, auth_time=record.auth_time,
        origin_jti=str(record.origin_jti), event_id=str(uuid.uuid4()), nonce=None, amr=record.amr,
        include_id_token=True,  # Cognito's refresh responses carry a new ID token too
        refresh_token=new_token, with_at_hash=with_at_hash, groups=groups, changes=changes, device_key=record.device_key,
    )


def _check_refresh_device(pool: UserPool, token: str, device_key: str) -> None:
    tracked = RefreshToken.objects.filter(pool=pool, token_digest=_refresh_digest(token)).values_list("device_key", flat=True).first()
    if tracked and tracked != device_key:
        raise NotAuthorizedException("Invalid Refresh Token")


def _refresh_changes(pool: UserPool, client: UserPoolClient, token: str) -> ClaimChanges:
    """PreTokenGeneration for a refresh, asked before the token is consumed, so a refusal leaves it usable."""
    if triggers_config.target_for(pool, triggers_catalogue.PRE_TOKEN_GENERATION) is None:
        return NO_CHANGES
    record = live_refresh_token(pool=pool, refresh_token=token)
    if record is None or record.client_id != client.client_id:
        return NO_CHANGES  # the consuming step says what is wrong with it
    return triggers.pre_token_generation(
        pool=pool, client=client, user=record.user, source="TokenGeneration_RefreshTokens", scopes=list(record.scopes),
    )


def live_refresh_token(*, pool: UserPool, refresh_token: str) -> RefreshToken | None:
    """The pool's refresh token if it would still refresh (not rotated, revoked, expired, or its user disabled). RFC 7662."""
    record = RefreshToken.objects.select_related("user").filter(pool=pool, token_digest=_refresh_digest(refresh_token or "")).first()
    if record is None or record.revoked_at or record.rotated_at or record.expires_at <= clock.now() or not record.user.enabled:
        return None
    if record.user.tokens_valid_after and record.created_at < record.user.tokens_valid_after:
        return None
    return record


def refresh_token_user(*, pool: UserPool, client: UserPoolClient, refresh_token: str) -> User | None:
    """Whose refresh token this is, if it is this client's (for checking SECRET_HASH first)."""
    record = RefreshToken.objects.filter(token_digest=_refresh_digest(refresh_token or ""), pool=pool, client=client).select_related("user").first()
    return record.user if record else None


def _rotate_fast(*, pool: UserPool, client: UserPoolClient, token: str) -> tuple[RefreshToken, str] | None:
    """The usual rotation in one statement where the database allows it; None means take the slow path."""
    if connection.vendor != "postgresql" or not token:
        return None
    new_token = crypto.random_token(48)
    now = clock.now()
    found = hotpath.rotate_in_one_statement(
        pool, client.client_id, _refresh_digest(token), new_digest=_refresh_digest(new_token), now=now,
        expires_at=now + client.validity("RefreshToken"),
    )
    return (found[0], new_token) if found else None


@transaction.atomic
def _consume_refresh_token(*, pool, client, token, rotate) -> Exception | tuple[RefreshToken, str | None]:
    # Returns errors rather than raising them, so a family revoked on reuse stays revoked.
    found = hotpath.refresh_token_and_user_for_update(pool, _refresh_digest(token))
    record = found[0] if found else None
    if record is None or record.client_id != client.client_id:
        return NotAuthorizedException("Invalid Refresh Token")
    if record.revoked_at is not None:
        return NotAuthorizedException("Refresh Token has been revoked")
    if record.rotated_at is not None:
        _revoke_family(record.family, pool=pool, client=client)
        return RefreshTokenReuseException("Refresh token has already been used; its sign-in has been revoked.")
    if record.expires_at <= clock.now():
        return NotAuthorizedException("Refresh Token has expired")
    user = record.user
    if not user.enabled:
        return NotAuthorizedException("User is disabled.")
    if user.tokens_valid_after and record.created_at < user.tokens_valid_after:
        return NotAuthorizedException("Refresh Token has been revoked")
    if not rotate:
        return record, None
    record.rotated_at = clock.now()
    hotpath.mark_rotated(record, record.rotated_at)
    _, new_token = _new_refresh_token(
        pool=pool, client=client, user=user, scopes=record.scopes, auth_time=record.auth_time, amr=record.amr,
        family=record.family, origin_jti=record.origin_jti, save=hotpath.insert, device_key=record.device_key,
    )
    return record, new_token


def revoke_issued(*, pool: UserPool, client: UserPoolClient, family: str | None, origin_jti: str | None) -> None:
    """Revoke what one sign-in produced: its refresh-token family and the tokens of its origin_jti."""
    if family:
        _revoke_family(uuid.UUID(str(family)), pool=pool, client=client)
    if origin_jti:
        _revoke_origins(pool, {uuid.UUID(str(origin_jti))}, client.validity("AccessToken"))


def _revoke_family(family: uuid.UUID, *, pool: UserPool, client: UserPoolClient) -> None:
    now = clock.now()
    records = RefreshToken.objects.filter(family=family, pool=pool)
    origins = set(records.values_list("origin_jti", flat=True))
    records.filter(revoked_at__isnull=True).update(revoked_at=now)
    _revoke_origins(pool, origins, client.validity("AccessToken"))


def _revoke_origins(pool: UserPool, origins, lifetime: datetime.timedelta) -> None:
    expires = clock.now() + max(lifetime, keys.MAX_TOKEN_LIFETIME)
    for origin in origins:
        RevokedOrigin.objects.get_or_create(origin_jti=origin, defaults={"pool": pool, "expires_at": expires})


def is_jwt(token: str) -> bool:
    """Whether a token is a signed JWT (our access and ID tokens are; refresh tokens are opaque)."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header


@transaction.atomic
def revoke_refresh_token(*, pool: UserPool, client: UserPoolClient, token: str) -> None:
    """Revoke a refresh token, its family and the access tokens minted from it.

    An unknown or already revoked token is not an error (RFC 7009 §2.2: the client's purpose is
    met), while an access or ID token is UnsupportedTokenTypeException: Cognito revokes them only
    through the refresh token they came from. Another client's token is NotAuthorizedException.
    Cognito: RevokeToken, /oauth2/revoke.
    """
    if is_jwt(token or ""):
        raise UnsupportedTokenTypeException()
    record = RefreshToken.objects.filter(token_digest=_refresh_digest(token or ""), pool=pool).first()
    if record is None:
        return
    if record.client_id != client.client_id:
        raise NotAuthorizedException("The token was not issued to this client.")
    _revoke_family(record.family, pool=pool, client=client)


def revoke_device_refresh_tokens(*, user: User, device_key: str) -> None:
    """Revoke the refresh tokens issued to sign-ins on one device (ForgetDevice)."""
    RefreshToken.objects.filter(user=user, device_key=device_key, revoked_at__isnull=True).update(revoked_at=clock.now())


@transaction.atomic
def global_sign_out(*, user: User) -> None:
    """Revoke every token the user holds: refresh tokens now, access/ID tokens by issue time.

    Cognito: GlobalSignOut, AdminUserGlobalSignOut.
    """
    now = clock.now()
    user.tokens_valid_after = now
    user.save(update_fields=["tokens_valid_after", "updated_at"])
    RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)


@dataclass(frozen=True)
class VerifiedAccessToken:
    user: User | None
    client_id: str
    scopes: list[str]
    claims: dict


def verify_access_token(*, pool: UserPool, token: str) -> VerifiedAccessToken:
    """Check an access token as our own APIs must: signature, issuer, use, expiry, and revocation.

    Raises NotAuthorizedException("Invalid Access Token" / "Access Token has expired" /
    "Access Token has been revoked").
    """
    try:
        decoded = jwt.decode(token or "", keys.signing_keys(pool).key_set, algorithms=["RS256"])
    except (JoseError, ValueError):
        raise NotAuthorizedException("Invalid Access Token") from None
    payload = decoded.claims
    if payload.get("iss") != issuer_for(pool) or payload.get("token_use") != "access":
        raise NotAuthorizedException("Invalid Access Token")
    if int(payload.get("exp", 0)) <= int(clock.now().timestamp()):
        raise NotAuthorizedException("Access Token has expired")
    user = None
    if payload.get("sub") != payload.get("client_id"):
        user = _token_user(pool, payload)
    return VerifiedAccessToken(user=user, client_id=payload.get("client_id", ""), scopes=payload.get("scope", "").split(), claims=payload)


def _token_user(pool: UserPool, payload: dict) -> User:
    """The token's user, if the token still stands: one query for user and revocation together."""
    try:
        origin = uuid.UUID(str(payload.get("origin_jti")))
        sub = uuid.UUID(str(payload.get("sub")))
    except ValueError:
        raise NotAuthorizedException("Invalid Access Token") from None
    user = hotpath.token_user(pool, sub=sub, origin_jti=origin)
    if user is None or not user.enabled or user.origin_revoked:
        raise NotAuthorizedException("Access Token has been revoked")
    if user.tokens_valid_after and int(payload.get("iat", 0)) <= int(user.tokens_valid_after.timestamp()):
        raise NotAuthorizedException("Access Token has been revoked")
    return user


def issue_client_credentials_token(*, pool: UserPool, client: UserPoolClient, scopes: list[str]) -> TokenSet:
    """An access token for a machine client: sub is the client id, scopes are its custom scopes.

    A V3_0 PreTokenGeneration trigger may change it (TokenGeneration_ClientCredentials); V1_0 and V2_0 are not called.
    """
    changes = triggers.pre_token_generation(pool=pool, client=client, user=None, source="TokenGeneration_ClientCredentials", scopes=list(scopes))
    iat, exp = _timestamps(client.validity("AccessToken"))
    payload = {
        "sub": client.client_id,
        "iss": issuer_for(pool),
        "client_id": client.client_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": iat,
        "exp": exp,
        "iat": iat,
        "jti": str(uuid.uuid4()),
        "version": 2,
    }
    if changes is not NO_CHANGES:
        payload = changes.apply_to_access_token(payload)
    return TokenSet(access_token=_sign(pool, payload), expires_in=exp - iat)
