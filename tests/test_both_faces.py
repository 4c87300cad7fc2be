"""The rules that the hosted pages and the Cognito API share come out the same through both faces.

Each test runs once per face (allauth's headless/browser idea): if a rule lived in a face, one of
the two runs would disagree.
"""
from __future__ import annotations

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from identity import clock
from identity.models import User
from tests import factories
from tests.hostedui.conftest import Pages, text

PASSWORD = factories.DEFAULT_PASSWORD
# What a person reads on the page, for each outcome the API names with an exception.
PAGE_SAYS = {
    "InvalidPasswordException": ["The password is too short.", "The password needs", "The password does not meet"],
    "UsernameExistsException": ["An account with this username already exists."],
    "InvalidParameterException": ["Attributes did not conform to the schema", "This field is required."],
    "NotAuthorizedException": ["Incorrect username or password."],
    "PasswordAttemptsExceeded": ["Too many failed sign-in attempts."],
}


class HostedFace:
    def __init__(self, live_server, pool, client):
        self.pages = Pages(pool, client)

    def sign_up(self, username, password, attributes):
        page = self.pages.get(self.pages.url("signup"))
        answer = self.pages.post(page, {"username": username, "password": password, "confirm_password": password, **attributes})
        return "ok" if "Confirm your account" in text(answer) else self._outcome(answer)

    def sign_in(self, username, password):
        answer = self.pages.post(self.pages.get(self.pages.url("login")), {"username": username, "password": password})
        return "ok" if getattr(answer, "callback", {}).get("code") else self._outcome(answer)

    @staticmethod
    def _outcome(answer):
        body = text(answer)
        found = [name for name, phrases in PAGE_SAYS.items() if any(phrase in body for phrase in phrases)]
        assert len(found) == 1, body[:3000]
        return found[0]


class ApiFace:
    def __init__(self, live_server, pool, client):
        self.idp = boto3.client("cognito-idp", endpoint_url=live_server.url, region_name="local", aws_access_key_id="unused",
                                aws_secret_access_key="unused", config=Config(retries={"max_attempts": 0}))
        self.client_id = client.client_id

    def sign_up(self, username, password, attributes):
        return self._call(self.idp.sign_up, ClientId=self.client_id, Username=username, Password=password,
                          UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()])

    def sign_in(self, username, password):
        return self._call(self.idp.initiate_auth, ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": username, "PASSWORD": password})

    @staticmethod
    def _call(action, **params):
        try:
            action(**params)
        except botocore.exceptions.ClientError as exc:
            error = exc.response["Error"]
            return "PasswordAttemptsExceeded" if error["Message"] == "Password attempts exceeded" else error["Code"]
        return "ok"


@pytest.fixture(params=["hostedui", "cognito_api"])
def face_for(request, live_server):
    kind = {"hostedui": HostedFace, "cognito_api": ApiFace}[request.param]
    return lambda pool, client: kind(live_server, pool, client)


@pytest.fixture
def shared_pool(transactional_db):
    pool = factories.create_pool(password_minimum_length=10, auto_verified_attributes=["email"])
    pool.schema = [dict(entry, Required=True) if entry["Name"] == "email" else entry for entry in pool.schema]
    pool.save()
    return pool


@pytest.fixture
def face(face_for, shared_pool):
    client = factories.create_client(pool=shared_pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"],
                                     callback_urls=["https://app.example.com/callback"])
    return face_for(shared_pool, client)


@pytest.mark.parametrize("password", ["Short-1a", "no-uppercase-1", "NO-LOWERCASE-1", "No-Numbers-here", "NoSymbols1234"])
def test_the_password_policy_refuses_the_same_passwords(face, shared_pool, password):
    assert face.sign_up("zoe", password, {"email": "zoe@example.com"}) == "InvalidPasswordException"
    assert not User.objects.filter(pool=shared_pool).exists()


def test_a_valid_sign_up_creates_an_unconfirmed_user(face, shared_pool):
    assert face.sign_up("zoe", "Long-enough-9", {"email": "zoe@example.com"}) == "ok"
    assert User.objects.get(pool=shared_pool, username="zoe").status == User.Status.UNCONFIRMED


def test_a_taken_username_is_refused(face, shared_pool):
    factories.create_user(pool=shared_pool, username="zoe", attributes={"email": "z@example.com"})
    assert face.sign_up("zoe", "Long-enough-9", {"email": "zoe@example.com"}) == "UsernameExistsException"


def test_a_required_attribute_is_required(face, shared_pool):
    assert face.sign_up("zoe", "Long-enough-9", {}) == "InvalidParameterException"
    assert not User.objects.filter(pool=shared_pool).exists()


def test_sign_in_and_bad_credentials_read_the_same(face, shared_pool):
    factories.create_user(pool=shared_pool, username="ana", attributes={"email": "ana@example.com"})
    assert face.sign_in("ana", "wrong-Passw0rd") == "NotAuthorizedException"
    # the client hides user existence: an unknown user reads as a wrong password in both faces
    assert face.sign_in("nobody", PASSWORD) == "NotAuthorizedException"
    assert face.sign_in("ana", PASSWORD) == "ok"


def test_lockout_reads_the_same(face, shared_pool, monkeypatch):
    stopped = clock.now()
    monkeypatch.setattr(clock, "now", lambda: stopped)  # no time passes, so the 1-second lock holds
    factories.create_user(pool=shared_pool, username="ana", attributes={"email": "ana@example.com"})
    for _ in range(5):
        assert face.sign_in("ana", "wrong-Passw0rd") == "NotAuthorizedException"
    # the fifth failure locked the account for a second: even the right password is refused now
    assert face.sign_in("ana", PASSWORD) == "PasswordAttemptsExceeded"
    assert face.sign_in("nobody", PASSWORD) == "NotAuthorizedException"
