"""Adaptive authentication over boto3: passwordless first factors are scored like passwords, risk asks for MFA,
and the public feedback action does not tell who exists."""
from __future__ import annotations

import json
import re

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core import mail

from identity import localcache
from identity.messaging import MemorySmsSender
from identity.models import AuthEvent, UserPool
from identity.services import risk
from tests import factories
from tests.webauthn_authenticator import SoftwarePasskey

PASSWORD = factories.DEFAULT_PASSWORD
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def pool(transactional_db, live_server, settings):
    settings.USERPOOLS_BASE_URL = live_server.url  # the passkeys' relying party
    settings.USERPOOLS_SMS_SENDER = "memory"
    MemorySmsSender.outbox.clear()
    return factories.create_pool(
        allowed_first_auth_factors=["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"], threat_protection_mode="ENFORCED",
        mfa_configuration="OPTIONAL", mfa_email_enabled=True, risk_medium_action="NO_ACTION", risk_high_action="NO_ACTION", risk_low_notify=False, risk_medium_notify=False, risk_high_notify=False,
    )


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@pytest.fixture
def ana(pool):
    return factories.create_user(pool=pool, username="ana", attributes={
        "email": "ana@example.com", "email_verified": "true", "phone_number": "+15555550100", "phone_number_verified": "true",
    })


def _set(pool, **fields):
    UserPool.objects.filter(pk=pool.pk).update(**fields)
    localcache.clear()  # the live server's cached app client holds its pool for a few seconds


def _error(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def _last_event(user) -> AuthEvent:
    return AuthEvent.objects.filter(user=user).order_by("-id").first()


def _email_code_sign_in(idp, app):
    challenge = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_AUTH",
                                  AuthParameters={"USERNAME": "ana", "PREFERRED_CHALLENGE": "EMAIL_OTP"})
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    code = CODE.search(mail.outbox[-1].body).group(1)
    return idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="EMAIL_OTP", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "ana", "EMAIL_OTP_CODE": code})


def _distrust_this_device(signed_idp, pool, user):
    """Feedback Invalid on the user's last sign-in: the next one from the same device (boto3's user agent) is High risk."""
    signed_idp.admin_update_auth_event_feedback(UserPoolId=pool.id, Username=user.username,
                                                EventId=str(_last_event(user).event_id), FeedbackValue="Invalid")


def test_an_email_code_sign_in_is_scored_and_a_high_risk_one_is_blocked_when_enforced(idp, signed_idp, pool, app, ana):
    assert "AuthenticationResult" in _email_code_sign_in(idp, app)
    first = _last_event(ana)
    assert (first.event_type, first.response, first.risk_decision) == ("SignIn", "Pass", "NoRisk")
    assert first.challenges == [{"ChallengeName": "Mfa", "ChallengeResponse": "Success"}]
    _distrust_this_device(signed_idp, pool, ana)
    _set(pool, risk_high_action="BLOCK")
    assert _error(_email_code_sign_in, idp=idp, app=app) == ("NotAuthorizedException", risk.BLOCKED_MESSAGE)
    blocked = _last_event(ana)
    assert (blocked.response, blocked.risk_decision, blocked.risk_level, blocked.risk_reasons) == ("Fail", "Block", "High", ["untrusted_device"])


def test_in_audit_a_high_risk_code_sign_in_is_let_in_and_recorded_with_its_risk(idp, signed_idp, pool, app, ana):
    _email_code_sign_in(idp, app)
    _distrust_this_device(signed_idp, pool, ana)
    _set(pool, threat_protection_mode="AUDIT", risk_high_action="BLOCK")
    assert "AuthenticationResult" in _email_code_sign_in(idp, app)
    event = _last_event(ana)
    assert (event.response, event.risk_decision, event.risk_level, event.risk_score) == ("Pass", "AccountTakeover", "High", 60)
    listed = signed_idp.admin_list_user_auth_events(UserPoolId=pool.id, Username="ana")["AuthEvents"][0]
    assert listed["EventRisk"] == {"RiskDecision": "AccountTakeover", "RiskLevel": "High", "CompromisedCredentialsDetected": False}


def test_mfa_required_blocks_a_code_first_factor_no_mfa_can_follow(idp, signed_idp, pool, app, ana):
    # No MFA step follows a passwordless first factor (as in Cognito): a code alone cannot meet "MFA required".
    _email_code_sign_in(idp, app)
    _distrust_this_device(signed_idp, pool, ana)
    _set(pool, risk_high_action="MFA_REQUIRED")
    challenge = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "ana", "PREFERRED_CHALLENGE": "SMS_OTP"})
    code = CODE.search(MemorySmsSender.outbox[-1]["body"]).group(1)
    assert _error(idp.respond_to_auth_challenge, ClientId=app.client_id, ChallengeName="SMS_OTP", Session=challenge["Session"],
                  ChallengeResponses={"USERNAME": "ana", "SMS_OTP_CODE": code}) == ("NotAuthorizedException", risk.BLOCKED_MESSAGE)
    assert (_last_event(ana).risk_decision, _last_event(ana).risk_level) == ("Block", "High")
    _set(pool, risk_high_action="MFA_IF_CONFIGURED")  # no second factor can be asked: let through, recorded
    assert "AuthenticationResult" in _email_code_sign_in(idp, app)
    assert (_last_event(ana).response, _last_event(ana).risk_decision) == ("Pass", "AccountTakeover")


def test_a_user_verifying_passkey_meets_mfa_required_and_a_blocked_level_still_blocks_it(idp, signed_idp, pool, app, ana, live_server):
    access = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "ana", "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    authenticator = SoftwarePasskey(origin=live_server.url)
    options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    idp.complete_web_authn_registration(AccessToken=access, Credential=authenticator.create(options))

    def passkey_sign_in():
        challenge = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_AUTH",
                                      AuthParameters={"USERNAME": "ana", "PREFERRED_CHALLENGE": "WEB_AUTHN"})
        credential = authenticator.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
        return idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="WEB_AUTHN", Session=challenge["Session"],
                                             ChallengeResponses={"USERNAME": "ana", "CREDENTIAL": json.dumps(credential)})

    _distrust_this_device(signed_idp, pool, ana)
    _set(pool, risk_high_action="MFA_REQUIRED")
    assert authenticator.verifies_user
    assert "AuthenticationResult" in passkey_sign_in()
    event = _last_event(ana)
    assert (event.response, event.risk_level, event.challenges) == ("Pass", "High", [{"ChallengeName": "Mfa", "ChallengeResponse": "Success"}])
    authenticator.verifies_user = False  # presence only: no second factor
    assert _error(passkey_sign_in) == ("NotAuthorizedException", risk.BLOCKED_MESSAGE)
    authenticator.verifies_user = True
    _set(pool, risk_high_action="BLOCK")
    assert _error(passkey_sign_in) == ("NotAuthorizedException", risk.BLOCKED_MESSAGE)
    assert _last_event(ana).risk_decision == "Block"


def test_medium_risk_password_sign_in_under_mfa_required_gets_an_mfa_challenge(idp, pool, app, ana, live_server):
    _set(pool, risk_medium_action="MFA_REQUIRED")
    idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ana", "PASSWORD": PASSWORD})
    for _ in range(3):  # user failures (15) ...
        _error(idp.initiate_auth, ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
               AuthParameters={"USERNAME": "ana", "PASSWORD": "Wrong-passw0rd!"})
    # ... and a new device (25), another user agent: Medium.
    other_browser = boto3.client("cognito-idp", endpoint_url=live_server.url, region_name="local", aws_access_key_id="unused",
                                 aws_secret_access_key="unused", config=Config(retries={"max_attempts": 0}, user_agent_extra="another-device"))
    challenge = other_browser.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                            AuthParameters={"USERNAME": "ana", "PASSWORD": PASSWORD})
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    event = _last_event(ana)
    assert (event.response, event.risk_level, sorted(event.risk_reasons)) == ("InProgress", "Medium", ["new_device", "user_failures"])
    code = CODE.search(mail.outbox[-1].body).group(1)
    done = other_browser.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="EMAIL_OTP", Session=challenge["Session"],
                                                   ChallengeResponses={"USERNAME": "ana", "EMAIL_OTP_CODE": code})
    assert "AccessToken" in done["AuthenticationResult"]
    event.refresh_from_db()
    assert event.response == "Pass" and [c["ChallengeName"] for c in event.challenges] == ["Password", "Mfa"]
    other_browser.close()


def test_update_auth_event_feedback_gives_an_unknown_user_and_a_bad_token_the_same_answer(idp, pool, app, ana):
    idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ana", "PASSWORD": PASSWORD})
    event = _last_event(ana)
    token = risk.feedback_token(event)
    other = factories.create_user(pool=pool, username="bo")

    def feedback(username, event_id=str(event.event_id), feedback_token=token):
        return _error(idp.update_auth_event_feedback, UserPoolId=pool.id, Username=username, EventId=event_id,
                      FeedbackToken=feedback_token, FeedbackValue="Invalid")

    refused = ("NotAuthorizedException", "Invalid feedback token.")
    assert feedback("nobody-here") == refused  # unknown user, good token
    assert feedback("nobody-here", feedback_token="forged.token") == refused  # unknown user, bad token
    assert feedback("ana", feedback_token="forged.token") == refused  # known user, bad token
    assert feedback(other.username) == refused  # another user's name with ana's token
    assert feedback("ana", event_id="00000000-0000-4000-8000-000000000000") == refused  # another event
    event.refresh_from_db()
    assert event.feedback_value == ""
    idp.update_auth_event_feedback(UserPoolId=pool.id, Username="ana", EventId=str(event.event_id),
                                   FeedbackToken=token, FeedbackValue="Invalid")
    event.refresh_from_db()
    assert (event.feedback_value, event.feedback_provider) == ("Invalid", "User")
