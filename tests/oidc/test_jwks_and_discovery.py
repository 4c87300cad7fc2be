"""The JWKS and discovery documents relying parties fetch, checked over HTTP with requests."""
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from identity import clock
from identity.services import tokens
from tests import factories


def test_tokens_verify_against_the_jwks_served_over_http(live_server, pool, client_app):
    user = factories.create_user(pool=pool)
    issued = tokens.issue_token_set(pool=pool, client=client_app, user=user, scopes=["openid"], auth_time=clock.now())
    response = requests.get(f"{live_server.url}/{pool.id}/.well-known/jwks.json", timeout=10)
    assert response.status_code == 200 and "max-age" in response.headers["Cache-Control"]
    key_set = KeySet.import_key_set(response.json())
    assert all("d" not in key for key in response.json()["keys"])  # never private parts
    assert jwt.decode(issued.id_token, key_set, algorithms=["RS256"]).claims["sub"] == str(user.sub)


def test_unknown_pool_is_a_404(client, db):
    assert client.get("/local_NOPE12345/.well-known/jwks.json").status_code == 404
