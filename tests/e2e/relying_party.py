"""A relying party as a real app would be one: PKCE (S256) authorize URLs, the code exchanged with requests, tokens verified."""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from identity.models import UserPool, UserPoolClient
from tests.oidc.conftest import verify


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint returned, with the JWTs' verified claims."""

    raw: dict
    id_claims: dict
    access_claims: dict


@dataclass
class RelyingParty:
    base_url: str
    pool: UserPool
    client: UserPoolClient
    redirect_uri: str
    scope: str = "openid email"
    # One pending request at a time, as a browser tab would have: its PKCE verifier, state and nonce.
    _pending: dict = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/{self.pool.id}"

    def authorize_url(self, **extra: str) -> str:
        """A fresh authorization request (new verifier, state and nonce); `extra` adds prompt, lang, max_age, …"""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        self._pending = {"verifier": verifier, "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16)}
        query = {
            "client_id": self.client.client_id, "response_type": "code", "scope": self.scope,
            "redirect_uri": self.redirect_uri, "state": self._pending["state"], "nonce": self._pending["nonce"],
            "code_challenge": challenge, "code_challenge_method": "S256", **extra,
        }
        return f"{self.issuer}/oauth2/authorize?{urlencode(query)}"

    def redeem(self, callback_url: str) -> Tokens:
        """Check the callback the browser landed on, exchange its code at /oauth2/token, verify the tokens."""
        assert callback_url.split("?")[0] == self.redirect_uri, f"landed on {callback_url}, not the callback"
        params = {name: values[0] for name, values in parse_qs(urlsplit(callback_url).query).items()}
        assert "error" not in params and params.get("state") == self._pending["state"], params
        response = requests.post(
            f"{self.issuer}/oauth2/token",
            data={
                "grant_type": "authorization_code", "code": params["code"], "redirect_uri": self.redirect_uri,
                "client_id": self.client.client_id, "code_verifier": self._pending["verifier"],
            },
            auth=(self.client.client_id, self.client.plain_secret) if getattr(self.client, "plain_secret", None) else None,
            timeout=10,
        )
        assert response.status_code == 200, response.text
        raw = response.json()
        id_claims = dict(verify(self.base_url, self.pool, raw["id_token"]).claims)
        access_claims = dict(verify(self.base_url, self.pool, raw["access_token"]).claims)
        assert id_claims["iss"] == access_claims["iss"] == self.issuer
        assert id_claims["aud"] == access_claims["client_id"] == self.client.client_id
        assert (id_claims["token_use"], access_claims["token_use"]) == ("id", "access")
        assert id_claims["nonce"] == self._pending["nonce"] and id_claims["sub"] == access_claims["sub"]
        return Tokens(raw=raw, id_claims=id_claims, access_claims=access_claims)
