"""Helpers for driving the hosted pages with Django's test client, as a browser without JavaScript would."""
from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core import mail
from django.test import Client

from tests import factories

CALLBACK = "https://app.example.com/callback"
VERIFIER = "hosted-pages-test-verifier-" + "x" * 30
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


class Pages:
    """A browser on one pool's hosted pages: follows our redirects, stops at the app's callback."""

    def __init__(self, pool, client, **authorize):
        self.pool = pool
        self.app = client
        # Authlib insists on https except for localhost.
        self.http = Client(enforce_csrf_checks=True, SERVER_NAME="localhost")
        self.authorize = {
            "client_id": client.client_id, "response_type": "code", "redirect_uri": CALLBACK, "scope": "openid",
            "state": "st4te", "code_challenge": CHALLENGE, "code_challenge_method": "S256", **authorize,
        }

    def url(self, route: str, **extra) -> str:
        return f"/{self.pool.id}/{route}?" + urlencode({**self.authorize, **extra})

    def get(self, url: str, **headers):
        return self.follow(self.http.get(url, **headers))

    def post(self, page, data: dict):
        """Submit the page's (first) form back to its own URL, with its CSRF token."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        return self.follow(self.http.post(page.request_url, {"csrfmiddlewaretoken": token, **data}))

    def follow(self, response):
        while response.status_code in (301, 302, 303):
            location = response["Location"]
            if location.startswith(CALLBACK):
                response.callback = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
                return response
            response = self.http.get(location)
            response.request_url = location
        if not hasattr(response, "request_url"):
            response.request_url = response.wsgi_request.get_full_path()
        return response


def text(response) -> str:
    return response.content.decode()


def last_code(address: str) -> str:
    message = [m for m in mail.outbox if address in m.to][-1]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


@pytest.fixture
def hosted_pool(db):
    return factories.create_pool(auto_verified_attributes=["email"])


@pytest.fixture
def app(hosted_pool):
    return factories.create_client(
        pool=hosted_pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email"],
        callback_urls=[CALLBACK],
    )


@pytest.fixture
def pages(hosted_pool, app):
    return Pages(hosted_pool, app)
