"""Rate-limit counters live in the shared cache: Redis in production, so every node sees one count."""
import base64
import datetime
import json
import os
import uuid

import pytest
import requests
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from identity import clock, ratelimit
from tests import factories

REDIS_URL = os.environ.get("USERPOOLS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS = {"BACKEND": "identity.cache.RedisCache", "LOCATION": REDIS_URL}


@pytest.fixture(params=["locmem", "redis"])
def cache_backend(request):
    if request.param == "locmem":
        yield request.param
        return
    # Undone before the suite's cache.clear() at teardown, which on Redis would flush other workers' keys.
    with override_settings(CACHES={"default": REDIS}):
        yield request.param


def test_allows_up_to_the_limit_in_a_window(cache_backend):
    key = f"test:{uuid.uuid4()}"
    assert [ratelimit.hit(key, limit=3, window_seconds=60) for _ in range(5)] == [True, True, True, False, False]
    ratelimit.reset(key)
    assert ratelimit.hit(key, limit=3, window_seconds=60)


def test_two_nodes_share_one_count_through_redis():
    with override_settings(CACHES={"default": REDIS, "other_node": REDIS}):
        key = f"test:{uuid.uuid4()}"
        assert ratelimit.hit(key, limit=2, window_seconds=60)
        assert caches["other_node"].get(f"rl:{key}") == 1
        caches["other_node"].incr(f"rl:{key}")
        assert ratelimit.hit(key, limit=2, window_seconds=60) is False


# Request limits on unauthenticated endpoints.

WINDOW_START = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)  # a multiple of 60 s


@pytest.fixture
def at(monkeypatch):
    """Freeze identity.clock at WINDOW_START + the given seconds."""

    def move(seconds: float) -> None:
        moment = WINDOW_START + datetime.timedelta(seconds=seconds)
        monkeypatch.setattr(clock, "now", lambda: moment)

    move(0)
    return move


@pytest.fixture
def small_limits(settings):
    settings.USERPOOLS_RATE_LIMITS = {
        ratelimit.SIGN_IN: {"per_ip": 3, "per_client": 5, "window_seconds": 60},
        ratelimit.TOKEN: {"per_ip": 2, "per_client": 0, "window_seconds": 10},
    }


def outcomes(times: int, **request) -> list:
    results = []
    for _ in range(times):
        try:
            ratelimit.limit_request(scope=ratelimit.SIGN_IN, **request)
            results.append("ok")
        except ratelimit.RequestsThrottled as exc:
            assert exc.code == "TooManyRequestsException"
            results.append(exc.retry_after)
    return results


def test_each_address_has_its_budget_per_window(small_limits, at, cache_backend):
    ip = f"198.51.100.{uuid.uuid4().int % 250}"
    at(15)
    assert outcomes(4, ip_address=ip, client_id=None) == ["ok", "ok", "ok", 45]
    assert outcomes(1, ip_address="203.0.113.9" + ip[-1], client_id=None) == ["ok"]  # another address
    at(59.2)
    assert outcomes(1, ip_address=ip, client_id=None) == [1]  # Retry-After rounds up, never 0
    at(60)
    assert outcomes(1, ip_address=ip, client_id=None) == ["ok"]


def test_each_client_has_its_budget_across_addresses(small_limits, at, cache_backend):
    client_id = uuid.uuid4().hex
    results = [outcomes(1, ip_address=f"192.0.2.{n}", client_id=client_id)[0] for n in range(6)]
    assert results == ["ok"] * 5 + [60]


def test_an_address_and_a_client_in_one_call_count_the_client_only_when_the_address_passed(small_limits, at, cache_backend):
    ip, client_id = f"198.51.100.{uuid.uuid4().int % 250}", uuid.uuid4().hex
    assert outcomes(5, ip_address=ip, client_id=client_id) == ["ok", "ok", "ok", 60, 60]
    # Only the three requests the address allowed reached the client's count: two are left.
    others = [outcomes(1, ip_address=f"2001:db8:{n}::1", client_id=client_id)[0] for n in range(3)]
    assert others == ["ok", "ok", 60]



def test_one_ipv6_host_rotating_through_its_64_shares_one_budget(small_limits, at, cache_backend):
    prefix = f"2001:db8:{uuid.uuid4().int % 0xffff:x}:1"
    rotating = [f"{prefix}:{uuid.uuid4().hex[:4]}:{n}::{n + 1}" for n in range(4)]
    assert [outcomes(1, ip_address=ip, client_id=None)[0] for ip in rotating] == ["ok", "ok", "ok", 60]
    assert outcomes(1, ip_address=f"2001:db8:{uuid.uuid4().int % 0xffff:x}:2::1", client_id=None) == ["ok"]  # the next /64


def test_an_ipv4_mapped_address_counts_as_its_ipv4_address(small_limits, at, cache_backend):
    ip = f"198.51.100.{uuid.uuid4().int % 250}"
    assert outcomes(2, ip_address=ip, client_id=None) == ["ok", "ok"]
    assert outcomes(2, ip_address=f"::ffff:{ip}", client_id=None) == ["ok", 60]


def test_address_key_leaves_ipv4_and_unparsable_addresses_as_they_are():
    assert ratelimit.address_key("192.0.2.7") == "192.0.2.7"
    assert ratelimit.address_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert ratelimit.address_key("fe80::1%eth0") == "fe80::/64"
    assert ratelimit.address_key("not:an:address") == "not:an:address"

def test_a_limit_of_zero_is_no_limit(small_limits, at):
    for _ in range(20):
        ratelimit.limit_request(scope=ratelimit.TOKEN, ip_address=None, client_id="c" * 26)
    with pytest.raises(ratelimit.RequestsThrottled):
        for _ in range(3):
            ratelimit.limit_request(scope=ratelimit.TOKEN, ip_address="192.0.2.1", client_id=None)


def test_the_defaults_are_far_above_normal_use(settings):
    del settings.USERPOOLS_RATE_LIMITS
    sign_in, token = ratelimit.request_limit(ratelimit.SIGN_IN), ratelimit.request_limit(ratelimit.TOKEN)
    assert (sign_in.per_ip, sign_in.per_client, sign_in.window_seconds) == (3_000, 30_000, 60)
    assert (token.per_ip, token.per_client) == (300_000, 600_000)


def test_two_nodes_share_request_counts_through_redis(small_limits, at):
    ip = f"198.51.100.{uuid.uuid4().int % 250}"
    with override_settings(CACHES={"default": REDIS, "other_node": REDIS}):
        assert outcomes(2, ip_address=ip, client_id=None) == ["ok", "ok"]
        key = caches["default"].make_and_validate_key(f"rl:{ratelimit.SIGN_IN}:ip:{ip}:{int(WINDOW_START.timestamp())}")
        # What the other node reads through its own connection is the count this one made.
        assert caches["other_node"]._cache.get_client(key).get(key) == b"2"
        assert caches["other_node"].get(f"rl:{ratelimit.SIGN_IN}:ip:{ip}:{int(WINDOW_START.timestamp())}") == 2
        assert outcomes(2, ip_address=ip, client_id=None) == ["ok", 60]


# The decorator other faces apply.


def _view(request, pool_id=None):
    return HttpResponse("page")


def test_throttle_answers_429_with_retry_after(small_limits, at):
    view = ratelimit.throttle()(_view)
    factory = RequestFactory()
    responses = [view(factory.post("/x", {"client_id": "abc"}, REMOTE_ADDR="192.0.2.7")) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[-1]["Retry-After"] == "60"
    assert json.loads(responses[-1].content)["error"] == "too_many_requests"
    page = view(factory.get("/x", REMOTE_ADDR="192.0.2.7", HTTP_ACCEPT="text/html,*/*"))
    assert page.status_code == 429 and page["Content-Type"].startswith("text/html") and "Try again in 60 seconds" in page.content.decode()


def test_throttle_can_count_only_some_methods(small_limits, at):
    view = ratelimit.throttle(methods=("POST",))(_view)
    factory = RequestFactory()
    assert {view(factory.get("/x", REMOTE_ADDR="192.0.2.8")).status_code for _ in range(10)} == {200}
    assert [view(factory.post("/x", REMOTE_ADDR="192.0.2.8")).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_throttle_counts_the_client_named_by_basic_auth(small_limits, at, db):
    pool = factories.create_pool()
    client = factories.create_client(pool=pool)
    view = ratelimit.throttle()(_view)
    factory = RequestFactory()
    basic = "Basic " + base64.b64encode(f"{client.client_id}:secret".encode()).decode()
    codes = [view(factory.post("/x", REMOTE_ADDR=f"192.0.2.{n}", HTTP_AUTHORIZATION=basic), pool_id=pool.id).status_code for n in range(6)]
    assert codes == [200] * 5 + [429]
    # A malformed header names no client; the request is still counted by address.
    assert view(factory.post("/x", REMOTE_ADDR="192.0.2.99", HTTP_AUTHORIZATION="Basic %%%"), pool_id=pool.id).status_code == 200


def test_throttle_gives_no_budget_to_a_client_that_does_not_exist(small_limits, at, db):
    pool = factories.create_pool()
    client = factories.create_client(pool=pool)
    view = ratelimit.throttle()(_view)
    factory = RequestFactory()
    # Junk ids (and a real id of another pool's request path) from many addresses: counted by address only.
    junk = [view(factory.post("/x", {"client_id": f"junk{n}"}, REMOTE_ADDR=f"192.0.2.{n}"), pool_id=pool.id).status_code for n in range(10)]
    assert junk == [200] * 10
    assert view(factory.post("/x", {"client_id": client.client_id}, REMOTE_ADDR="192.0.2.50"), pool_id="local_nosuchpool").status_code == 200
    codes = [view(factory.post("/x", {"client_id": client.client_id}, REMOTE_ADDR=f"192.0.2.{100 + n}"), pool_id=pool.id).status_code for n in range(6)]
    assert codes == [200] * 5 + [429]


def test_a_request_refused_for_its_address_spends_no_client_budget(small_limits, at, db):
    pool = factories.create_pool()
    client = factories.create_client(pool=pool)
    for _ in range(10):  # one address far past its limit of 3
        with pytest.raises(ratelimit.RequestsThrottled):
            for _ in range(4):
                ratelimit.limit_request(scope=ratelimit.SIGN_IN, ip_address="192.0.2.200", client_id=client.client_id)
    # Three were let through in total; the client (limit 5) still has two.
    assert outcomes(3, ip_address=None, client_id=client.client_id) == ["ok", "ok", 60]


def test_oauth_token_and_authorize_endpoints_are_throttled(live_server, transactional_db, small_limits, at):
    pool = factories.create_pool()
    token_url, authorize_url = f"{live_server.url}/{pool.id}/oauth2/token", f"{live_server.url}/{pool.id}/oauth2/authorize"
    tokens = [requests.post(token_url, data={"grant_type": "client_credentials", "client_id": "nobody"}, timeout=10) for _ in range(3)]
    assert [r.status_code for r in tokens] == [401, 401, 429]  # the TOKEN scope allows 2 per address here
    assert tokens[-1].headers["Retry-After"] == "10" and tokens[-1].json()["error"] == "too_many_requests"
    pages = [requests.get(authorize_url, params={"client_id": "nobody", "response_type": "code"}, timeout=10) for _ in range(4)]
    assert [r.status_code for r in pages] == [400, 400, 400, 429]
    assert pages[-1].headers["Retry-After"] == "60"
