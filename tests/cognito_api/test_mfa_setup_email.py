"""MFA_SETUP answered with EMAIL over boto3, as Amplify's email set-up sends it: a code to the address, then EMAIL_OTP.

Cognito's MFAS_CAN_SETUP lists EMAIL_OTP when the pool offers email MFA; ChallengeResponses
{USERNAME, EMAIL} sends the code, and the answered EMAIL_OTP signs in with email MFA on and the
address verified. SMS cannot be set up at sign-in (it needs a phone number on the account).
"""
from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError
from django.core import mail

from identity.models import User
from identity.services import mfa, mfa_config
from tests import factories

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def pool(transactional_db):
    created = factories.create_pool(username_attributes=["email"])
    mfa_config.set_user_pool_mfa_config(pool=created, mfa_configuration="ON", email_enabled=True, sms_enabled=True)
    return created


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool)


def _sign_in(idp, app, username):
    return idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})


def _error(call, **params) -> str:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"]


def test_email_given_at_mfa_setup_gets_the_code_then_signs_in_with_email_mfa_on(idp, app, pool):
    user = factories.create_user(pool=pool, username="6f1c2a7e-0000-4000-8000-000000000001", attributes={"email": "eli@example.com"})
    setup = _sign_in(idp, app, "6f1c2a7e-0000-4000-8000-000000000001")
    assert setup["ChallengeName"] == "MFA_SETUP"
    assert json.loads(setup["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SMS_MFA", "EMAIL_OTP"]
    respond = {"ClientId": app.client_id, "ChallengeName": "MFA_SETUP", "Session": setup["Session"]}
    assert _error(idp.respond_to_auth_challenge, **respond, ChallengeResponses={"USERNAME": user.username, "EMAIL": "nope"}) == "InvalidParameterException"
    mail.outbox.clear()
    step = idp.respond_to_auth_challenge(**respond, ChallengeResponses={"USERNAME": user.username, "EMAIL": "eli@example.com"})
    assert step["ChallengeName"] == "EMAIL_OTP" and step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "e***@e***"
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert mail.outbox[-1].to == ["eli@example.com"]
    done = idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="EMAIL_OTP", Session=step["Session"],
                                         ChallengeResponses={"USERNAME": user.username, "EMAIL_OTP_CODE": code})
    assert done["AuthenticationResult"]["AccessToken"]
    user.refresh_from_db()
    assert user.is_verified("email") and mfa.mfa_settings(user)["UserMFASettingList"] == ["EMAIL_OTP"]
    assert _sign_in(idp, app, "eli@example.com")["ChallengeName"] == "EMAIL_OTP"  # the verified email now signs in too


def test_another_accounts_login_cannot_be_taken_at_mfa_setup(idp, app, pool):
    factories.create_user(pool=pool, username="6f1c2a7e-0000-4000-8000-000000000002",
                          attributes={"email": "taken@example.com", "email_verified": "true"})
    factories.create_user(pool=pool, username="6f1c2a7e-0000-4000-8000-000000000003")
    setup = _sign_in(idp, app, "6f1c2a7e-0000-4000-8000-000000000003")
    code = _error(idp.respond_to_auth_challenge, ClientId=app.client_id, ChallengeName="MFA_SETUP", Session=setup["Session"],
                  ChallengeResponses={"USERNAME": "6f1c2a7e-0000-4000-8000-000000000003", "EMAIL": "taken@example.com"})
    assert code == "AliasExistsException"
    assert User.objects.get(username="6f1c2a7e-0000-4000-8000-000000000003").attributes.get("email") is None
