"""Signing keys per pool: create, rotate, publish (JWKS), and load for signing with an in-process cache."""
from __future__ import annotations

import base64
import datetime
import secrets
import threading
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import KeySet, RSAKey
from django.db import transaction
from django.db.models import Q

from identity import clock, crypto, events
from identity.context import SYSTEM, RequestContext
from identity.errors import ResourceNotFoundException
from identity.models import SigningKey, UserPool

State = SigningKey.State
# How long a node may sign with a key after rotation made another current; the old key stays
# published as retired, so tokens it signed meanwhile still verify.
CACHE_SECONDS = 60
MAX_TOKEN_LIFETIME = datetime.timedelta(days=1)  # Cognito's upper bound for ID and access tokens


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def generate_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_jwk(private_key: rsa.RSAPrivateKey) -> dict:
    numbers = private_key.public_key().public_numbers()
    # A random kid, unique across pools without coordination between nodes.
    return {"alg": "RS256", "e": _b64(numbers.e), "kid": secrets.token_urlsafe(24), "kty": "RSA", "n": _b64(numbers.n), "use": "sig"}


def _create_key(pool: UserPool, state: str) -> SigningKey:
    private_key = generate_rsa_key()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    jwk = _public_jwk(private_key)
    return SigningKey.objects.create(
        pool=pool,
        kid=jwk["kid"],
        state=state,
        private_key_encrypted=crypto.encrypt(pem),
        public_jwk=jwk,
        activated_at=clock.now() if state == State.CURRENT else None,
    )


@transaction.atomic
def create_initial_keys(pool: UserPool) -> SigningKey:
    """A new pool's keys: one current (signs now) and one next (published, signs after rotation)."""
    current = _create_key(pool, State.CURRENT)
    _create_key(pool, State.NEXT)
    return current


@transaction.atomic
def rotate_keys(*, pool: UserPool, context: RequestContext = SYSTEM) -> SigningKey:
    """Make the published next key current, retire the current one, and publish a new next key.

    The retired key stays in the JWKS until the longest-lived token it could have signed has
    expired. Returns the new current key. Command: `rotate_keys --pool ID`.
    """
    now = clock.now()
    keys = {key.state: key for key in SigningKey.objects.select_for_update().filter(pool=pool).exclude(state=State.RETIRED)}
    if State.NEXT not in keys:
        keys[State.NEXT] = _create_key(pool, State.NEXT)
    if State.CURRENT in keys:
        old = keys[State.CURRENT]
        old.state, old.retired_at = State.RETIRED, now
        old.unpublish_after = now + MAX_TOKEN_LIFETIME + datetime.timedelta(seconds=CACHE_SECONDS)
        old.save(update_fields=["state", "retired_at", "unpublish_after"])
    new_current = keys[State.NEXT]
    new_current.state, new_current.activated_at = State.CURRENT, now
    new_current.save(update_fields=["state", "activated_at"])
    _create_key(pool, State.NEXT)
    events.pool_updated(pool=pool, context=context, details={"rotated_keys": True, "current_kid": new_current.kid})
    forget_cached_keys(pool.id)
    return new_current


def published_keys(pool: UserPool) -> list[SigningKey]:
    now = clock.now()
    return list(
        SigningKey.objects.filter(pool=pool)
        .filter(Q(state__in=[State.NEXT, State.CURRENT]) | Q(state=State.RETIRED, unpublish_after__gt=now))
        .order_by("state", "-created_at")
    )


def published_keys_jwks(pool: UserPool) -> dict:
    """The JWKS read fresh from the database (no process cache)."""
    return {"keys": [key.public_jwk for key in published_keys(pool)]}


@dataclass(frozen=True)
class LoadedKeys:
    kid: str
    private_key: RSAKey
    key_set: KeySet
    jwks: dict
    loaded_at: float


_cache: dict[str, LoadedKeys] = {}
_lock = threading.Lock()


def signing_keys(pool: UserPool) -> LoadedKeys:
    """The pool's current private key (decrypted once per process per CACHE_SECONDS) and its JWKS."""
    cached = _cache.get(pool.id)
    if cached is not None and time.monotonic() - cached.loaded_at < CACHE_SECONDS:
        return cached
    with _lock:
        keys = published_keys(pool)
        current = next((k for k in keys if k.state == State.CURRENT), None)
        if current is None:
            raise ResourceNotFoundException(f"User pool {pool.id} has no signing key.")
        jwks = {"keys": [k.public_jwk for k in keys]}
        loaded = LoadedKeys(
            kid=current.kid,
            private_key=RSAKey.import_key(crypto.decrypt(current.private_key_encrypted)),
            key_set=KeySet.import_key_set(jwks),
            jwks=jwks,
            loaded_at=time.monotonic(),
        )
        _cache[pool.id] = loaded
        return loaded


def jwks(pool: UserPool) -> dict:
    """The pool's JSON Web Key Set: next, current and still-needed retired keys."""
    return signing_keys(pool).jwks


def forget_cached_keys(pool_id: str | None = None) -> None:
    with _lock:
        if pool_id is None:
            _cache.clear()
        else:
            _cache.pop(pool_id, None)
