"""The Cognito API is answered above the page middleware (cognito_api.middleware): same answers, same security headers."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import resolve

from cognito_api.views import dispatch
from tests import factories

TARGET = "AWSCognitoIdentityProviderService."


def api(client: Client, action: str, body: dict):
    return client.post("/", json.dumps(body), content_type="application/x-amz-json-1.1", HTTP_X_AMZ_TARGET=TARGET + action)


def test_the_root_of_the_main_site_is_the_api():
    # What CognitoApiMiddleware relies on: "/" resolves to the API's view.
    assert resolve("/").func is dispatch


@pytest.mark.django_db
def test_api_answers_carry_the_security_headers_and_no_cookies(pool):
    app = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="ana")
    response = api(Client(enforce_csrf_checks=True), "InitiateAuth", {
        "ClientId": app.client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "ana", "PASSWORD": factories.DEFAULT_PASSWORD},
    })
    assert response.status_code == 200 and json.loads(response.content)["AuthenticationResult"]["AccessToken"]
    assert response["Content-Type"] == "application/x-amz-json-1.1"
    assert response["Content-Length"] == str(len(response.content))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert not response.cookies and "Vary" not in response


@pytest.mark.django_db
def test_api_errors_and_other_methods_are_as_before(pool):
    error = api(Client(), "InitiateAuth", {"ClientId": "nope", "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {}})
    assert error.status_code == 400 and json.loads(error.content)["__type"] == "ResourceNotFoundException"
    assert error["x-amzn-ErrorType"] == "ResourceNotFoundException" and error["X-Frame-Options"] == "DENY"
    unknown = Client().post("/", "{}", content_type="application/x-amz-json-1.1")
    assert unknown.status_code == 400 and json.loads(unknown.content)["__type"] == "UnknownOperationException"
    assert Client().get("/").status_code == 405


@pytest.mark.django_db
def test_pages_still_get_sessions_and_csrf(pool):
    callback = "https://app.example.com/callback"
    app = factories.create_client(pool=pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"], callback_urls=[callback])
    browser = Client(enforce_csrf_checks=True, SERVER_NAME="localhost")  # Authlib allows http on localhost only
    url = f"/{pool.id}/login?" + urlencode({"client_id": app.client_id, "response_type": "code", "redirect_uri": callback, "scope": "openid"})
    page = browser.get(url)
    assert page.status_code == 200 and "csrftoken" in page.cookies and page["X-Frame-Options"] == "DENY"
    forged = browser.post(url, {"username": "ana", "password": "x"})  # no csrfmiddlewaretoken
    assert forged.status_code == 403
