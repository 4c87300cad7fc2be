"""The Cognito API's request limits, with boto3: Retry-After on the wire, budgets only for real clients, failed signatures counted."""
from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError

from cognito_api.credentials import create_access_key
from identity import clock, ratelimit
from tests import factories
from tests.cognito_api.conftest import boto3_client

WRONG = "Wrong-Horse-9"
TARGET = "AWSCognitoIdentityProviderService."


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """identity.clock stopped (the live server runs in this process), so no window ends mid-test."""
    moment = clock.now()
    monkeypatch.setattr(clock, "now", lambda: moment)


@pytest.fixture
def app(transactional_db):
    return factories.create_client(pool=factories.create_pool(), explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH"])


def initiate(idp, client_id: str) -> str:
    try:
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ana", "PASSWORD": WRONG})
    except ClientError as exc:
        return exc.response["Error"]["Code"]
    return "ok"


def test_too_many_requests_carries_retry_after(idp, live_server, app, settings):
    settings.USERPOOLS_RATE_LIMITS = {ratelimit.SIGN_IN: {"per_ip": 2, "per_client": 0, "window_seconds": 60}}
    assert [initiate(idp, app.client_id) for _ in range(2)] == ["NotAuthorizedException"] * 2
    with pytest.raises(ClientError) as caught:
        idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ana", "PASSWORD": WRONG})
    error = caught.value.response
    assert error["Error"]["Code"] == "TooManyRequestsException"
    retry_after = int(error["ResponseMetadata"]["HTTPHeaders"]["retry-after"])
    assert 1 <= retry_after <= 60 and f"retry in {retry_after} seconds" in error["Error"]["Message"]
    raw = requests.post(live_server.url, json={"ClientId": app.client_id, "Username": "ana"}, timeout=10,
                        headers={"X-Amz-Target": TARGET + "ForgotPassword", "Content-Type": "application/x-amz-json-1.1"})
    assert raw.status_code == 400 and raw.json()["__type"] == "TooManyRequestsException"
    assert 1 <= int(raw.headers["Retry-After"]) <= 60


def test_other_errors_carry_no_retry_after(live_server, app):
    raw = requests.post(live_server.url, json={"ClientId": app.client_id, "Username": "nobody"}, timeout=10,
                        headers={"X-Amz-Target": TARGET + "ConfirmSignUp", "Content-Type": "application/x-amz-json-1.1"})
    assert raw.status_code == 400 and "Retry-After" not in raw.headers


def test_junk_client_ids_spend_no_real_clients_budget(idp, app, settings):
    settings.USERPOOLS_RATE_LIMITS = {ratelimit.SIGN_IN: {"per_ip": 1000, "per_client": 3, "window_seconds": 60}}
    # The app's own id with a letter changed, and plain junk: neither names a client.
    junk = [initiate(idp, f"{app.client_id[:-1]}{'x' if app.client_id[-1] != 'x' else 'y'}")] + [initiate(idp, f"junk{n}") for n in range(9)]
    assert junk == ["ResourceNotFoundException"] * 10
    # The real client's budget is whole, and still enforced.
    assert [initiate(idp, app.client_id) for _ in range(4)] == ["NotAuthorizedException"] * 3 + ["TooManyRequestsException"]


def test_the_address_limit_comes_first_and_spares_the_clients_budget(idp, app, settings):
    settings.USERPOOLS_RATE_LIMITS = {ratelimit.SIGN_IN: {"per_ip": 2, "per_client": 5, "window_seconds": 60}}
    assert [initiate(idp, app.client_id) for _ in range(6)] == ["NotAuthorizedException"] * 2 + ["TooManyRequestsException"] * 4
    # Only the two requests the address was allowed reached the client's count: three are left.
    settings.USERPOOLS_RATE_LIMITS = {ratelimit.SIGN_IN: {"per_ip": 0, "per_client": 5, "window_seconds": 60}}
    assert [initiate(idp, app.client_id) for _ in range(4)] == ["NotAuthorizedException"] * 3 + ["TooManyRequestsException"]


def test_failed_signatures_are_counted_per_address(live_server, transactional_db, settings):
    settings.USERPOOLS_RATE_LIMITS = {ratelimit.SIGNATURE: {"per_ip": 2, "per_client": 0, "window_seconds": 60}}
    create_access_key(access_key_id="limit-key", secret_access_key="the-right-secret")
    good, bad = boto3_client(live_server.url, "limit-key", "the-right-secret"), boto3_client(live_server.url, "limit-key", "a-guess")
    assert good.list_user_pools(MaxResults=5)["UserPools"] == []  # a good signature is not counted
    codes = []
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            bad.list_user_pools(MaxResults=5)
        codes.append(caught.value.response["Error"]["Code"])
    assert codes == ["InvalidSignatureException"] * 2
    # Past the budget even the right key is refused until the window ends: guessing gets nowhere fast.
    with pytest.raises(ClientError) as caught:
        good.list_user_pools(MaxResults=5)
    assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert int(caught.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"]) >= 1
    good.close()
    bad.close()
