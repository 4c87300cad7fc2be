"""The other grants and endpoints over HTTP: implicit, refresh, client credentials, revoke, introspect, logout, SSO."""
from urllib.parse import urlencode

import pytest
import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from identity.services import pools
from tests import factories
from tests.oidc.conftest import CALLBACK, LOGOUT, callback_params, verify


def _authorize_url(base, pool, client, **extra):
    params = {"response_type": "code", "client_id": client.client_id, "redirect_uri": CALLBACK, "scope": "openid email", "state": "s1"}
    params.update(extra)
    return f"{base}/{pool.id}/oauth2/authorize?{urlencode(params)}"


def _code_flow(live_server, browser, pool, client, username="ana", **extra):
    verifier = generate_token(48)
    url = _authorize_url(live_server.url, pool, client, code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256", **extra)
    landed = browser.sign_in(url, username) if "Sign in" in browser.go(url).text else browser.go(url)
    code = callback_params(landed)["code"]
    response = requests.post(
        f"{live_server.url}/{pool.id}/oauth2/token", auth=(client.client_id, client.plain_secret) if client.plain_secret else None,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier,
              **({} if client.plain_secret else {"client_id": client.client_id})},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _token(live_server, pool, client, secret=None, **data):
    return requests.post(
        f"{live_server.url}/{pool.id}/oauth2/token", auth=(client.client_id, secret or client.plain_secret), data=data, timeout=10
    )


def test_implicit_flow_returns_tokens_in_the_fragment(live_server, browser, oauth_pool, public, end_user):
    url = _authorize_url(live_server.url, oauth_pool, public, response_type="token", nonce="n-1")
    params = callback_params(browser.sign_in(url, "ana"))
    assert params["state"] == "s1" and "refresh_token" not in params
    assert verify(live_server.url, oauth_pool, params["id_token"]).claims["nonce"] == "n-1"
    assert verify(live_server.url, oauth_pool, params["access_token"]).claims["token_use"] == "access"


def test_implicit_refused_to_a_client_without_it(live_server, browser, oauth_pool, confidential, end_user):
    params = callback_params(browser.go(_authorize_url(live_server.url, oauth_pool, confidential, response_type="token")))
    assert params["error"] == "unauthorized_client"


def test_refresh_rotates_and_detects_reuse(live_server, browser, oauth_pool, confidential, end_user):
    first = _code_flow(live_server, browser, oauth_pool, confidential)
    second = _token(live_server, oauth_pool, confidential, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"] and "id_token" in second
    reused = _token(live_server, oauth_pool, confidential, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    after = _token(live_server, oauth_pool, confidential, grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert after.status_code == 400


def test_refresh_without_rotation(live_server, browser, oauth_pool, end_user):
    client = factories.create_client(
        pool=oauth_pool, secret=True, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"],
        callback_urls=[CALLBACK], refresh_token_rotation=False,
    )
    first = _code_flow(live_server, browser, oauth_pool, client, scope="openid")
    for _ in range(2):
        again = _token(live_server, oauth_pool, client, grant_type="refresh_token", refresh_token=first["refresh_token"])
        assert again.status_code == 200 and "refresh_token" not in again.json()


def test_client_credentials_with_custom_scopes(live_server, oauth_pool):
    pools.create_resource_server(pool=oauth_pool, identifier="api", name="API", scopes=[{"ScopeName": "read"}, {"ScopeName": "write"}])
    machine = factories.create_client(pool=oauth_pool, secret=True, allowed_oauth_flows=["client_credentials"], allowed_oauth_scopes=["api/read"])
    granted = _token(live_server, oauth_pool, machine, grant_type="client_credentials", scope="api/read")
    assert granted.status_code == 200
    claims = verify(live_server.url, oauth_pool, granted.json()["access_token"]).claims
    assert claims["sub"] == machine.client_id and claims["scope"] == "api/read" and "refresh_token" not in granted.json()
    defaulted = _token(live_server, oauth_pool, machine, grant_type="client_credentials")
    assert verify(live_server.url, oauth_pool, defaulted.json()["access_token"]).claims["scope"] == "api/read"
    refused = _token(live_server, oauth_pool, machine, grant_type="client_credentials", scope="api/write")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    wrong_secret = _token(live_server, oauth_pool, machine, secret="x" * 51, grant_type="client_credentials")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"


def test_revoke_and_introspect(live_server, browser, oauth_pool, confidential, end_user):
    issued = _code_flow(live_server, browser, oauth_pool, confidential)
    base = f"{live_server.url}/{oauth_pool.id}/oauth2"
    auth = (confidential.client_id, confidential.plain_secret)
    active = requests.post(f"{base}/introspect", auth=auth, data={"token": issued["access_token"]}, timeout=10).json()
    assert active["active"] is True and active["sub"] == str(end_user.sub)
    assert requests.post(f"{base}/introspect", auth=auth, data={"token": issued["refresh_token"]}, timeout=10).json()["active"] is True
    unsupported = requests.post(f"{base}/revoke", auth=auth, data={"token": issued["access_token"]}, timeout=10)
    assert unsupported.status_code == 400 and unsupported.json()["error"] == "unsupported_token_type"
    assert requests.post(f"{base}/revoke", auth=auth, data={"token": issued["refresh_token"]}, timeout=10).status_code == 200
    assert requests.post(f"{base}/introspect", auth=auth, data={"token": issued["access_token"]}, timeout=10).json() == {"active": False}
    userinfo = requests.get(f"{base}/userInfo", headers={"Authorization": f"Bearer {issued['access_token']}"}, timeout=10)
    assert userinfo.status_code == 401 and "invalid_token" in userinfo.headers["WWW-Authenticate"]


def test_introspection_needs_a_confidential_client(live_server, oauth_pool, public):
    response = requests.post(f"{live_server.url}/{oauth_pool.id}/oauth2/introspect", data={"token": "x", "client_id": public.client_id}, timeout=10)
    assert response.status_code in (400, 401) and response.json()["error"] == "invalid_client"


def test_single_sign_on_and_both_logout_styles(live_server, browser, oauth_pool, confidential, public, end_user):
    issued = _code_flow(live_server, browser, oauth_pool, confidential)
    # A second client of the same pool signs in without a password.
    url = _authorize_url(live_server.url, oauth_pool, public, response_type="token")
    assert "access_token" in callback_params(browser.go(url))
    # Cognito's style.
    bye = browser.go(f"{live_server.url}/{oauth_pool.id}/logout?{urlencode({'client_id': public.client_id, 'logout_uri': LOGOUT})}")
    assert bye.final_url == LOGOUT
    assert "Sign in" in browser.go(url).text
    # OIDC's style, after signing in again.
    browser.sign_in(url, "ana")
    hint = issued["id_token"]
    bye = browser.go(f"{live_server.url}/{oauth_pool.id}/logout?" + urlencode({"id_token_hint": hint, "post_logout_redirect_uri": LOGOUT, "state": "z"}))
    assert bye.final_url == f"{LOGOUT}?state=z"
    assert "Sign in" in browser.go(url).text


def test_logout_to_an_unregistered_url_is_refused(live_server, browser, oauth_pool, public):
    page = browser.go(f"{live_server.url}/{oauth_pool.id}/logout?{urlencode({'client_id': public.client_id, 'logout_uri': LOGOUT + 'x'})}")
    assert page.status_code == 400 and not getattr(page, "final_url", None)


@pytest.mark.parametrize("redirect_uri", [CALLBACK + "/", CALLBACK.replace("https", "http"), CALLBACK[:-1], CALLBACK + "?x=1"])
def test_redirect_uri_differing_by_a_character_gets_an_error_page(live_server, browser, oauth_pool, confidential, redirect_uri):
    page = browser.go(_authorize_url(live_server.url, oauth_pool, confidential, redirect_uri=redirect_uri))
    assert page.status_code == 400 and "Location" not in page.headers and "couldn" in page.text


def test_unknown_client_gets_an_error_page(live_server, browser, oauth_pool, confidential):
    page = browser.go(_authorize_url(live_server.url, oauth_pool, confidential, client_id="nope"))
    assert page.status_code == 400 and "Location" not in page.headers


def test_scope_not_allowed_is_redirected_as_invalid_scope(live_server, browser, oauth_pool, public):
    params = callback_params(browser.go(_authorize_url(live_server.url, oauth_pool, public, scope="openid profile", code_challenge="x" * 43, code_challenge_method="S256")))
    assert params["error"] == "invalid_scope" and params["state"] == "s1"


def test_prompt_none_without_a_session(live_server, browser, oauth_pool, confidential):
    params = callback_params(browser.go(_authorize_url(live_server.url, oauth_pool, confidential, prompt="none")))
    assert params["error"] == "login_required" and params["state"] == "s1"


def test_prompt_login_and_max_age_force_reauthentication(live_server, browser, oauth_pool, confidential, end_user):
    _code_flow(live_server, browser, oauth_pool, confidential)
    assert "Sign in" in browser.go(_authorize_url(live_server.url, oauth_pool, confidential, prompt="login")).text
    assert "Sign in" in browser.go(_authorize_url(live_server.url, oauth_pool, confidential, max_age="0")).text
    assert "code" in callback_params(browser.go(_authorize_url(live_server.url, oauth_pool, confidential, max_age="3600")))


def test_codes_do_not_cross_clients_or_pools(live_server, browser, oauth_pool, confidential, end_user):
    other_client = factories.create_client(pool=oauth_pool, secret=True, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"], callback_urls=[CALLBACK])
    landed = browser.sign_in(_authorize_url(live_server.url, oauth_pool, confidential), "ana")
    code = callback_params(landed)["code"]
    stolen = _token(live_server, oauth_pool, other_client, grant_type="authorization_code", code=code, redirect_uri=CALLBACK)
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    other_pool = factories.create_pool()
    elsewhere = requests.post(
        f"{live_server.url}/{other_pool.id}/oauth2/token", auth=(confidential.client_id, confidential.plain_secret),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}, timeout=10,
    )
    assert elsewhere.status_code == 401 and elsewhere.json()["error"] == "invalid_client"
    honest = _token(live_server, oauth_pool, confidential, grant_type="authorization_code", code=code, redirect_uri=CALLBACK)
    assert honest.status_code == 200


def test_wrong_password_is_an_error_on_the_page(live_server, browser, oauth_pool, confidential, end_user):
    page = browser.sign_in(_authorize_url(live_server.url, oauth_pool, confidential), "ana", password="wrong-Passw0rd")
    assert page.status_code == 400 and "Incorrect username or password." in page.text


def test_login_hint_prefills_the_username(live_server, browser, oauth_pool, confidential):
    page = browser.go(_authorize_url(live_server.url, oauth_pool, confidential, login_hint="ana@example.com"))
    assert 'value="ana@example.com"' in page.text


def test_unknown_identity_provider_is_an_error_to_the_client(live_server, browser, oauth_pool, confidential):
    params = callback_params(browser.go(_authorize_url(live_server.url, oauth_pool, confidential, identity_provider="Google")))
    assert params["error"] == "invalid_request" and params["state"] == "s1"
    assert "Sign in" in browser.go(_authorize_url(live_server.url, oauth_pool, confidential, identity_provider="COGNITO")).text


def test_demo_callback_page_shows_the_code_escaped(client, db):
    page = client.get("/callback-demo", {"code": "abc<script>", "state": "s"}).content.decode()
    assert "abc&lt;script&gt;" in page and "<script>" not in page


def test_public_client_code_flow_with_pkce(live_server, browser, oauth_pool, public, end_user):
    public.plain_secret = None
    issued = _code_flow(live_server, browser, oauth_pool, public, scope="openid")
    assert verify(live_server.url, oauth_pool, issued["id_token"]).claims["aud"] == public.client_id
    assert "refresh_token" in issued


def test_expired_access_token_is_refused_at_userinfo(live_server, browser, oauth_pool, confidential, end_user, monkeypatch):
    import datetime

    from identity import clock

    issued = _code_flow(live_server, browser, oauth_pool, confidential)
    later = clock.now() + datetime.timedelta(hours=1, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = requests.get(f"{live_server.url}/{oauth_pool.id}/oauth2/userInfo", headers={"Authorization": f"Bearer {issued['access_token']}"}, timeout=10)
    assert response.status_code == 401 and "expired" in response.json()["error_description"]
