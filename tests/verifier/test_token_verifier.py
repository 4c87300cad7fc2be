"""The resource-server verifier: fetches the JWKS over HTTP and refuses every kind of forged token."""
import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from django.http import JsonResponse
from django.test import RequestFactory

from identity import clock, crypto
from identity.models import SigningKey
from identity.services import tokens
from identity.services.pools import issuer_for
from tests import factories
from verifier import InvalidToken, TokenVerifier
from verifier.django import require_token


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict, claims: dict, sign) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{sign(signing_input.encode())}"


@pytest.fixture
def issued(transactional_db, real_keys):
    pool = factories.create_pool()
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, groups=["admins"])
    token_set = tokens.issue_token_set(pool=pool, client=client, user=user, scopes=["openid", "api/read"], auth_time=clock.now())
    return pool, client, token_set


@pytest.fixture(autouse=True)
def _issuer_is_live_server(live_server, settings):
    settings.USERPOOLS_BASE_URL = live_server.url


@pytest.fixture
def verifier_for():
    def make(pool, **kwargs):
        return TokenVerifier(issuer=issuer_for(pool), **kwargs)

    return make


def test_valid_tokens_pass_with_scopes_and_groups(issued, verifier_for):
    pool, client, token_set = issued
    verifier = verifier_for(pool, client_ids={client.client_id})
    claims = verifier.verify_access_token(token_set.access_token, scopes={"api/read"}, groups={"admins"})
    assert claims["client_id"] == client.client_id
    assert verifier.verify_id_token(token_set.id_token)["aud"] == client.client_id


def test_wrong_scope_group_client_or_use_is_refused(issued, verifier_for):
    pool, client, token_set = issued
    with pytest.raises(InvalidToken, match="missing scopes"):
        verifier_for(pool).verify_access_token(token_set.access_token, scopes={"api/write"})
    with pytest.raises(InvalidToken, match="groups"):
        verifier_for(pool).verify_access_token(token_set.access_token, groups={"staff"})
    with pytest.raises(InvalidToken, match="another client"):
        verifier_for(pool, client_ids={"someone-else"}).verify_access_token(token_set.access_token)
    with pytest.raises(InvalidToken, match="not an access"):
        verifier_for(pool).verify_access_token(token_set.id_token)


def test_another_pools_token_is_refused(issued, verifier_for):
    pool, _, token_set = issued
    other = factories.create_pool()
    with pytest.raises(InvalidToken):
        verifier_for(other).verify_access_token(token_set.access_token)


def test_alg_none_is_refused(issued, verifier_for):
    pool, client, token_set = issued
    claims = json.loads(base64.urlsafe_b64decode(token_set.access_token.split(".")[1] + "=="))
    forged = _forge({"alg": "none", "typ": "JWT"}, claims, lambda _: "")
    with pytest.raises(InvalidToken):
        verifier_for(pool).verify_access_token(forged)


def test_hs256_signed_with_the_public_key_is_refused(issued, verifier_for):
    pool, _, token_set = issued
    key = SigningKey.objects.get(pool=pool, state="current")
    private = serialization.load_pem_private_key(crypto.decrypt(key.private_key_encrypted).encode(), password=None)
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = json.loads(base64.urlsafe_b64decode(token_set.access_token.split(".")[1] + "=="))
    forged = _forge({"alg": "HS256", "kid": key.kid}, claims, lambda data: _b64(hmac.new(public_pem, data, hashlib.sha256).digest()))
    with pytest.raises(InvalidToken):
        verifier_for(pool).verify_access_token(forged)


def test_expired_token_is_refused(issued, verifier_for, monkeypatch):
    pool, _, token_set = issued
    monkeypatch.setattr(time, "time", lambda: 10**10)
    with pytest.raises(InvalidToken, match="expired"):
        verifier_for(pool).verify_access_token(token_set.access_token)


def test_django_decorator(issued, verifier_for):
    pool, _, token_set = issued
    view = require_token(verifier_for(pool), scopes={"api/read"})(lambda request: JsonResponse({"sub": request.token_claims["sub"]}))
    factory = RequestFactory()
    assert view(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token_set.access_token}")).status_code == 200
    assert view(factory.get("/")).status_code == 401
    assert view(factory.get("/", HTTP_AUTHORIZATION="Bearer nonsense")).status_code == 401
    strict = require_token(verifier_for(pool), scopes={"api/admin"})(lambda request: JsonResponse({}))
    assert strict(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token_set.access_token}")).status_code == 403
