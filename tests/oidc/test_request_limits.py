"""Request limits on the endpoints beyond sign-in and token: userInfo, logout, hosted-page views, JWKS, discovery, branding."""
from __future__ import annotations

import pytest
from django.test import Client

from identity import clock, ratelimit
from tests import factories


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    real = clock.now()
    moment = real.replace(second=0, microsecond=0)  # the start of a 60 s window: Retry-After is 60
    monkeypatch.setattr(clock, "now", lambda: moment)


@pytest.fixture
def pool(db):
    return factories.create_pool()


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"],
                                   callback_urls=["https://app.example.com/cb"], logout_urls=["https://app.example.com/bye"])


def limit(settings, scope: str, per_ip: int, per_client: int = 0) -> None:
    settings.USERPOOLS_RATE_LIMITS = {scope: {"per_ip": per_ip, "per_client": per_client, "window_seconds": 60}}


def statuses(http: Client, url: str, times: int, method: str = "get", **extra) -> list[int]:
    return [getattr(http, method)(url, **extra).status_code for _ in range(times)]


def test_userinfo_is_limited_per_address(client, pool, settings):
    limit(settings, ratelimit.TOKEN, 2)
    url = f"/{pool.id}/oauth2/userInfo"
    assert statuses(client, url, 3, HTTP_AUTHORIZATION="Bearer not-a-token") == [401, 401, 429]
    refused = client.get(url, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert refused["Retry-After"] == "60" and refused.json()["error"] == "too_many_requests"
    assert Client(REMOTE_ADDR="192.0.2.1").get(url).status_code == 401  # another address has its own budget


def test_logout_is_limited(client, pool, app, settings):
    limit(settings, ratelimit.PAGE, 2)
    url = f"/{pool.id}/logout?client_id={app.client_id}&logout_uri=https://app.example.com/bye"
    assert statuses(client, url, 3, HTTP_ACCEPT="text/html") == [302, 302, 429]
    refused = client.get(url, HTTP_ACCEPT="text/html")
    assert refused["Retry-After"] == "60" and "Too many requests" in refused.content.decode()


def test_jwks_and_discovery_have_a_generous_limit_per_address(client, pool, settings):
    assert ratelimit.request_limit(ratelimit.DISCOVERY).per_ip >= 60_000  # the default: relying parties poll freely
    limit(settings, ratelimit.DISCOVERY, 2)
    assert statuses(client, f"/{pool.id}/.well-known/jwks.json", 3) == [200, 200, 429]
    # One budget for the cheap documents together: discovery is already refused for this address.
    assert client.get(f"/{pool.id}/.well-known/openid-configuration").status_code == 429
    assert Client(REMOTE_ADDR="192.0.2.2").get(f"/{pool.id}/.well-known/openid-configuration").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.2").get(f"/{pool.id}/branding.css").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.2").get(f"/{pool.id}/branding.css").status_code == 429


def test_hosted_page_views_are_limited_not_only_their_posts(client, pool, app, settings):
    limit(settings, ratelimit.PAGE, 2)
    url = f"/{pool.id}/challenge?client_id={app.client_id}"  # no pending step: sent back to sign in
    assert statuses(client, url, 3) == [302, 302, 429]
    refused = client.get(url)
    assert refused["Retry-After"] == "60" and "Too many attempts" in refused.content.decode()
    # A POST counts in the sign-in scope, which this address has not used.
    assert client.post(url).status_code != 429


def test_hosted_pages_count_junk_client_ids_by_address_only(pool, app, settings):
    limit(settings, ratelimit.PAGE, 1000, per_client=2)
    for n in range(5):
        assert Client(REMOTE_ADDR=f"192.0.2.{n}").get(f"/{pool.id}/login?client_id=junk{n}").status_code == 400
    codes = [Client(REMOTE_ADDR=f"198.51.100.{n}").get(f"/{pool.id}/login?client_id={app.client_id}").status_code for n in range(3)]
    assert codes == [200, 200, 429]
