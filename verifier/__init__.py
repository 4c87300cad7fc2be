"""Verify Userpools (and Cognito) tokens in a resource server: JWKS fetched and cached, claims checked.

This package imports nothing from Userpools itself, so an API can vendor or install it alone:

    verifier = TokenVerifier(issuer="https://id.example.com/local_Ab3dE5gH7", client_ids={"abc123"})
    claims = verifier.verify_access_token(token, scopes={"api/read"}, groups={"admins"})
"""
from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

__all__ = ["InvalidToken", "TokenVerifier"]


class InvalidToken(Exception):
    """The token must not be trusted; the message says why (safe to log, not to show)."""


@dataclass
class _JwksCache:
    url: str
    max_age: float
    timeout: float
    _keys: KeySet | None = None
    _fetched_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def key_set(self, kid: str | None) -> KeySet:
        fresh = time.monotonic() - self._fetched_at < self.max_age
        if self._keys is not None and fresh and self._knows(kid):
            return self._keys
        with self._lock:
            # An unknown kid may be a newly published key: refetch, but at most every 10 s.
            if self._keys is None or not fresh or (not self._knows(kid) and time.monotonic() - self._fetched_at > 10):
                self._keys = KeySet.import_key_set(self._fetch())
                self._fetched_at = time.monotonic()
        return self._keys

    def _knows(self, kid: str | None) -> bool:
        return any(key.kid == kid for key in self._keys.keys) if self._keys else False

    def _fetch(self) -> dict:
        with urllib.request.urlopen(self.url, timeout=self.timeout) as response:  # noqa: S310 (https in production)
            return json.load(response)


class TokenVerifier:
    """Checks signature (RS256 only), issuer, token_use, audience/client, expiry, scopes and groups."""

    def __init__(self, *, issuer: str, client_ids: set[str] | None = None, jwks_max_age: float = 3600.0,
                 leeway: int = 0, timeout: float = 5.0):
        self.issuer = issuer.rstrip("/")
        self.client_ids = set(client_ids or ())
        self.leeway = leeway
        self._jwks = _JwksCache(url=f"{self.issuer}/.well-known/jwks.json", max_age=jwks_max_age, timeout=timeout)

    def verify_access_token(self, token: str, *, scopes: set[str] = frozenset(), groups: set[str] = frozenset()) -> dict:
        claims = self._verify(token, token_use="access")
        if self.client_ids and claims.get("client_id") not in self.client_ids:
            raise InvalidToken("token was issued to another client")
        missing = set(scopes) - set(str(claims.get("scope", "")).split())
        if missing:
            raise InvalidToken(f"missing scopes: {' '.join(sorted(missing))}")
        self._check_groups(claims, groups)
        return claims

    def verify_id_token(self, token: str, *, groups: set[str] = frozenset()) -> dict:
        claims = self._verify(token, token_use="id")
        if self.client_ids and claims.get("aud") not in self.client_ids:
            raise InvalidToken("token was issued to another client")
        self._check_groups(claims, groups)
        return claims

    def _verify(self, token: str, *, token_use: str) -> dict:
        try:
            kid = jws.extract_compact(token.encode()).protected.get("kid")
            # Only RS256: no "none", and no HMAC keyed with the public key.
            decoded = jwt.decode(token, self._jwks.key_set(kid), algorithms=["RS256"])
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidToken(f"bad token: {exc}") from None
        claims = decoded.claims
        if decoded.header.get("alg") != "RS256":
            raise InvalidToken("unexpected algorithm")
        if claims.get("iss") != self.issuer:
            raise InvalidToken("wrong issuer")
        if claims.get("token_use") != token_use:
            raise InvalidToken(f"not an {token_use} token")
        if not isinstance(claims.get("exp"), int) or claims["exp"] + self.leeway <= time.time():
            raise InvalidToken("token has expired")
        return claims

    @staticmethod
    def _check_groups(claims: dict, groups: set[str]) -> None:
        if groups and not set(groups) & set(claims.get("cognito:groups", [])):
            raise InvalidToken("user is in none of the required groups")
