"""A breached password is refused at sign-up the same way through the hosted pages and the Cognito API."""
from __future__ import annotations

import botocore.exceptions
import pytest

from identity.models import User
from identity.services import breached
from tests import factories
from tests.hostedui.conftest import text
from tests.test_both_faces import ApiFace, HostedFace

PAGE_SENTENCE = "This password has appeared in a data breach"


class HostedBreachFace(HostedFace):
    def sign_up(self, username, password, attributes):
        page = self.pages.get(self.pages.url("signup"))
        answer = text(self.pages.post(page, {"username": username, "password": password, "confirm_password": password, **attributes}))
        return "ok" if "Confirm your account" in answer else "breached" if PAGE_SENTENCE in answer else answer[:2000]


class ApiBreachFace(ApiFace):
    def sign_up(self, username, password, attributes):
        try:
            self.idp.sign_up(ClientId=self.client_id, Username=username, Password=password,
                             UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()])
        except botocore.exceptions.ClientError as exc:
            error = exc.response["Error"]
            return "breached" if (error["Code"], error["Message"]) == ("InvalidPasswordException", breached.BREACHED_MESSAGE) else str(error)
        return "ok"


@pytest.mark.parametrize("kind", [HostedBreachFace, ApiBreachFace], ids=["hostedui", "cognito_api"])
def test_a_breached_password_is_refused_at_sign_up(live_server, transactional_db, kind):
    pool = factories.create_pool(auto_verified_attributes=["email"], threat_protection_mode="ENFORCED")
    client = factories.create_client(pool=pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"],
                                     callback_urls=["https://app.example.com/callback"])
    face = kind(live_server, pool, client)
    assert face.sign_up("zoe", "Password1!", {"email": "zoe@example.com"}) == "breached"
    assert not User.objects.filter(pool=pool).exists()
    assert face.sign_up("zoe", "Unlisted-Horse-42", {"email": "zoe@example.com"}) == "ok"
