"""Helpers for driving the OAuth endpoints over HTTP like a browser and a relying party."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests import factories

CALLBACK = "https://app.example.com/callback"
LOGOUT = "https://app.example.com/bye"
PASSWORD = factories.DEFAULT_PASSWORD


class Browser:
    """A requests session that follows redirects on our server but stops at the client's callback."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def go(self, url: str) -> requests.Response:
        while True:
            response = self.session.get(url, allow_redirects=False, timeout=10)
            location = response.headers.get("Location")
            if response.status_code not in (301, 302, 303) or not location:
                return response
            url = urljoin(url, location)
            if not url.startswith(self.base_url):
                response.final_url = url
                return response

    def submit(self, page: requests.Response, data: dict) -> requests.Response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = self.session.post(page.url, data={"csrfmiddlewaretoken": token, **data}, allow_redirects=False,
                                     headers={"Referer": page.url}, timeout=10)
        if response.status_code in (301, 302, 303):
            return self.go(urljoin(page.url, response.headers["Location"]))
        return response

    def sign_in(self, authorize_url: str, username: str, password: str = PASSWORD) -> requests.Response:
        page = self.go(authorize_url)
        assert "Sign in" in page.text, page.text[:500]
        return self.submit(page, {"username": username, "password": password})


def callback_params(response) -> dict:
    parts = urlsplit(response.final_url)
    return {k: v[0] for k, v in parse_qs(parts.query or parts.fragment).items()}


def verify(base_url: str, pool, token: str):
    """Check a token with joserfc against the JWKS fetched over HTTP."""
    key_set = KeySet.import_key_set(requests.get(f"{base_url}/{pool.id}/.well-known/jwks.json", timeout=10).json())
    return jwt.decode(token, key_set, algorithms=["RS256"])


@pytest.fixture
def browser(live_server):
    browser = Browser(live_server.url)
    yield browser
    browser.session.close()  # no keep-alive connection left for the server thread at exit


@pytest.fixture
def oauth_pool(transactional_db):
    return factories.create_pool()


@pytest.fixture
def confidential(oauth_pool):
    return factories.create_client(
        pool=oauth_pool, secret=True, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email", "profile"],
        callback_urls=[CALLBACK], logout_urls=[LOGOUT],
    )


@pytest.fixture
def public(oauth_pool):
    return factories.create_client(
        pool=oauth_pool, allowed_oauth_flows=["code", "implicit"], allowed_oauth_scopes=["openid", "email"],
        callback_urls=[CALLBACK], logout_urls=[LOGOUT],
    )


@pytest.fixture
def end_user(oauth_pool):
    return factories.create_user(pool=oauth_pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
