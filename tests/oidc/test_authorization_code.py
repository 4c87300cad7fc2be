"""Authorization code + PKCE over HTTP, with Authlib's OAuth2Session as the relying party."""
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from tests.oidc.conftest import CALLBACK, callback_params, verify


_open_sessions = []


@pytest.fixture(autouse=True)
def _close_sessions():
    yield
    while _open_sessions:
        _open_sessions.pop().close()


def _session(live_server, pool, client, **kwargs):
    rp = OAuth2Session(
        client.client_id, getattr(client, "plain_secret", None), scope="openid email", redirect_uri=CALLBACK,
        code_challenge_method="S256", **kwargs,
    )
    _open_sessions.append(rp)
    return rp


def test_confidential_client_gets_verified_tokens(live_server, browser, oauth_pool, confidential, end_user):
    rp = _session(live_server, oauth_pool, confidential)
    verifier = generate_token(48)
    url, state = rp.create_authorization_url(f"{live_server.url}/{oauth_pool.id}/oauth2/authorize", code_verifier=verifier, nonce="n-42")
    landed = browser.sign_in(url, "ana")
    params = callback_params(landed)
    assert params["state"] == state and "code" in params
    token = rp.fetch_token(f"{live_server.url}/{oauth_pool.id}/oauth2/token", code=params["code"], code_verifier=verifier)
    id_token = verify(live_server.url, oauth_pool, token["id_token"])
    assert id_token.claims["aud"] == confidential.client_id and id_token.claims["nonce"] == "n-42" and "at_hash" in id_token.claims
    assert id_token.claims["email"] == "ana@example.com" and id_token.claims["cognito:username"] == "ana"
    assert verify(live_server.url, oauth_pool, token["access_token"]).claims["scope"] == "openid email"
    userinfo = rp.get(f"{live_server.url}/{oauth_pool.id}/oauth2/userInfo").json()
    assert userinfo["sub"] == str(end_user.sub) and userinfo["email"] == "ana@example.com"


def test_public_client_must_use_pkce(live_server, browser, oauth_pool, public, end_user):
    rp = OAuth2Session(public.client_id, scope="openid", redirect_uri=CALLBACK)
    _open_sessions.append(rp)
    url, _ = rp.create_authorization_url(f"{live_server.url}/{oauth_pool.id}/oauth2/authorize")
    response = browser.go(url)
    params = callback_params(response)
    assert params["error"] == "invalid_request" and "code_challenge" in params["error_description"]


def test_public_client_with_pkce_and_wrong_verifier(live_server, browser, oauth_pool, public, end_user):
    rp = _session(live_server, oauth_pool, public)
    verifier = generate_token(48)
    url, _ = rp.create_authorization_url(f"{live_server.url}/{oauth_pool.id}/oauth2/authorize", code_verifier=verifier)
    code = callback_params(browser.sign_in(url, "ana"))["code"]
    token_url = f"{live_server.url}/{oauth_pool.id}/oauth2/token"
    base = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "client_id": public.client_id}
    wrong = requests.post(token_url, data={**base, "code_verifier": generate_token(48)}, timeout=10)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = requests.post(token_url, data=base, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"] in ("invalid_request", "invalid_grant")


def test_code_is_single_use_and_replay_revokes(live_server, browser, oauth_pool, confidential, end_user):
    rp = _session(live_server, oauth_pool, confidential)
    verifier = generate_token(48)
    url, _ = rp.create_authorization_url(f"{live_server.url}/{oauth_pool.id}/oauth2/authorize", code_verifier=verifier)
    code = callback_params(browser.sign_in(url, "ana"))["code"]
    token_url = f"{live_server.url}/{oauth_pool.id}/oauth2/token"
    token = rp.fetch_token(token_url, code=code, code_verifier=verifier)
    replay = requests.post(
        token_url, auth=(confidential.client_id, confidential.plain_secret),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}, timeout=10,
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    userinfo = requests.get(f"{live_server.url}/{oauth_pool.id}/oauth2/userInfo", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)
    assert userinfo.status_code == 401 and "revoked" in userinfo.json()["error_description"]
    refreshed = requests.post(
        token_url, auth=(confidential.client_id, confidential.plain_secret),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}, timeout=10,
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
