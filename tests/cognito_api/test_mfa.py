"""MFA over the Cognito API with boto3: every challenge sequence as Cognito orders them."""
from __future__ import annotations

import datetime
import json

import boto3
import pyotp
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from identity import clock
from identity.messaging import MemorySmsSender
from identity.services import mfa, mfa_config
from tests import factories
from tests.smtp_sink import running_sink, use_sink

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def api(live_server):
    client = boto3.client("cognito-idp", endpoint_url=live_server.url, region_name="local", aws_access_key_id="unused",
                          aws_secret_access_key="unused", config=Config(retries={"max_attempts": 0}))
    yield client
    client.close()


@pytest.fixture
def sms_outbox(settings):
    settings.USERPOOLS_SMS_SENDER = "memory"
    MemorySmsSender.outbox.clear()
    yield MemorySmsSender.outbox
    MemorySmsSender.outbox.clear()


@pytest.fixture
def moving_clock(monkeypatch):
    """identity.clock moved forward on demand (TOTP steps), shared with the live server's thread."""
    offset = {"seconds": 0}
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + datetime.timedelta(seconds=offset["seconds"]))

    def advance(seconds: int) -> datetime.datetime:
        offset["seconds"] += seconds
        return clock.now()

    return advance


def _pool(mode="OPTIONAL", **factors):
    pool = factories.create_pool()
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration=mode, **factors)
    pool.refresh_from_db()
    return pool


def _sign_in(api, client, username):
    return api.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})


def _code(secret: str, at: datetime.datetime | None = None) -> str:
    return pyotp.TOTP(secret).at(at or clock.now())


def _error(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_totp_enrolled_with_an_access_token_then_asked_at_sign_in(api, transactional_db, moving_clock):
    pool = _pool(software_token_enabled=True)
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="ana")
    access = _sign_in(api, client, "ana")["AuthenticationResult"]["AccessToken"]
    secret = api.associate_software_token(AccessToken=access)["SecretCode"]
    assert len(secret) >= 16 and pyotp.TOTP(secret).now()
    assert _error(api.verify_software_token, AccessToken=access, UserCode="000000")[0] == "EnableSoftwareTokenMFAException"
    assert api.verify_software_token(AccessToken=access, UserCode=_code(secret), FriendlyDeviceName="phone")["Status"] == "SUCCESS"
    me = api.get_user(AccessToken=access)
    assert me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA" and me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    moving_clock(30)  # the enrolment code's step is spent
    challenge = _sign_in(api, client, "ana")
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    code = _code(secret)
    done = api.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "ana", "SOFTWARE_TOKEN_MFA_CODE": code})
    assert done["AuthenticationResult"]["AccessToken"]
    # the same code is never accepted twice
    again = _sign_in(api, client, "ana")
    assert _error(api.respond_to_auth_challenge, ClientId=client.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=again["Session"],
                  ChallengeResponses={"USERNAME": "ana", "SOFTWARE_TOKEN_MFA_CODE": code})[0] == "CodeMismatchException"


def test_mfa_setup_from_a_session_when_mfa_is_required(api, transactional_db):
    pool = _pool("ON", software_token_enabled=True)
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="ben")
    challenge = _sign_in(api, client, "ben")
    assert challenge["ChallengeName"] == "MFA_SETUP"
    assert json.loads(challenge["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    associated = api.associate_software_token(Session=challenge["Session"])
    verified = api.verify_software_token(Session=associated["Session"], UserCode=_code(associated["SecretCode"]))
    assert verified["Status"] == "SUCCESS"
    # the first session was used up by AssociateSoftwareToken
    assert _error(api.associate_software_token, Session=challenge["Session"])[0] == "NotAuthorizedException"
    done = api.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="MFA_SETUP", Session=verified["Session"],
                                         ChallengeResponses={"USERNAME": "ben"})
    assert done["AuthenticationResult"]["IdToken"]



def test_mfa_setup_steps_keep_the_first_steps_deadline(api, transactional_db, moving_clock):
    pool = _pool("ON", software_token_enabled=True)
    client = factories.create_client(pool=pool)  # AuthSessionValidity: 3 minutes
    factories.create_user(pool=pool, username="ben")
    challenge = _sign_in(api, client, "ben")
    moving_clock(120)
    associated = api.associate_software_token(Session=challenge["Session"])
    moving_clock(90)  # 3.5 minutes after the password: the set-up session has run out
    code, _message = _error(api.verify_software_token, Session=associated["Session"], UserCode=_code(associated["SecretCode"], at=clock.now()))
    assert code == "NotAuthorizedException"

def test_mfa_setup_cannot_be_skipped(api, transactional_db):
    pool = _pool("ON", software_token_enabled=True)
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="ben")
    challenge = _sign_in(api, client, "ben")
    code, _message = _error(api.respond_to_auth_challenge, ClientId=client.client_id, ChallengeName="MFA_SETUP",
                            Session=challenge["Session"], ChallengeResponses={"USERNAME": "ben"})
    assert code == "InvalidParameterException"


def test_sms_mfa_with_the_test_sender(api, transactional_db, sms_outbox):
    pool = _pool(sms_enabled=True, sms_message="Your code is {####}")
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="cai", attributes={"phone_number": "+15555550100", "phone_number_verified": "true"})
    mfa.set_user_mfa_preference(user=user, sms={"Enabled": True, "PreferredMfa": True})
    challenge = _sign_in(api, client, "cai")
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert "+15555550100" not in challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"]
    (text,) = [m["body"] for m in sms_outbox if m["to"] == "+15555550100"]
    code = text.removeprefix("Your code is ")
    assert _error(api.respond_to_auth_challenge, ClientId=client.client_id, ChallengeName="SMS_MFA", Session=challenge["Session"],
                  ChallengeResponses={"USERNAME": "cai", "SMS_MFA_CODE": "999999" if code != "999999" else "111111"})[0] == "CodeMismatchException"
    done = api.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="SMS_MFA", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "cai", "SMS_MFA_CODE": code})
    assert done["AuthenticationResult"]["AccessToken"]


def test_email_mfa_code_through_a_real_smtp_server(api, transactional_db, settings):
    pool = _pool(email_enabled=True)
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="dee", attributes={"email": "dee@example.com", "email_verified": "true"})
    mfa.set_user_mfa_preference(user=user, email={"Enabled": True})
    with running_sink() as (sink, port):
        use_sink(settings, port)
        challenge = _sign_in(api, client, "dee")
        assert challenge["ChallengeName"] == "EMAIL_OTP"
        code = sink.latest_code("dee@example.com")
    done = api.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="EMAIL_OTP", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "dee", "EMAIL_OTP_CODE": code})
    assert done["AuthenticationResult"]["AccessToken"]


def test_select_mfa_type_when_several_factors_and_none_preferred(api, transactional_db, sms_outbox):
    pool = _pool(software_token_enabled=True, sms_enabled=True)
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="eve", attributes={"phone_number": "+15555550101"})
    secret = mfa.associate_software_token(user=user)
    mfa.verify_software_token(user=user, code=_code(secret))
    mfa.set_user_mfa_preference(user=user, software_token={"Enabled": True, "PreferredMfa": False}, sms={"Enabled": True})
    challenge = _sign_in(api, client, "eve")
    assert challenge["ChallengeName"] == "SELECT_MFA_TYPE"
    assert sorted(json.loads(challenge["ChallengeParameters"]["MFAS_CAN_CHOOSE"])) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    chosen = api.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="SELECT_MFA_TYPE", Session=challenge["Session"],
                                           ChallengeResponses={"USERNAME": "eve", "ANSWER": "SMS_MFA"})
    assert chosen["ChallengeName"] == "SMS_MFA"
    code = sms_outbox[-1]["body"].split()[-1].rstrip(".")
    done = api.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="SMS_MFA", Session=chosen["Session"],
                                         ChallengeResponses={"USERNAME": "eve", "SMS_MFA_CODE": code})
    assert done["AuthenticationResult"]["AccessToken"]


def test_a_recovery_code_answers_the_totp_challenge_once(api, transactional_db):
    pool = _pool(software_token_enabled=True)
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="fay")
    mfa.verify_software_token(user=user, code=_code(mfa.associate_software_token(user=user)))
    recovery = mfa.generate_recovery_codes(user=user)
    assert len(recovery) == 10 and len(set(recovery)) == 10

    def answer(code):
        challenge = _sign_in(api, client, "fay")
        return api.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
                                             ChallengeResponses={"USERNAME": "fay", "SOFTWARE_TOKEN_MFA_CODE": code})

    assert answer(recovery[0])["AuthenticationResult"]
    with pytest.raises(ClientError, match="CodeMismatchException"):
        answer(recovery[0])
    assert mfa.unused_recovery_codes(user) == 9


def test_preferences_are_checked(api, transactional_db):
    pool = _pool(software_token_enabled=True)
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="gus")
    access = _sign_in(api, client, "gus")["AuthenticationResult"]["AccessToken"]
    code, message = _error(api.set_user_mfa_preference, AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert code == "InvalidParameterException" and "not verified software token" in message
    assert _error(api.set_user_mfa_preference, AccessToken=access, SMSMfaSettings={"Enabled": True})[0] == "InvalidParameterException"
    factors = api.get_user_auth_factors(AccessToken=access)
    assert factors["UserMFASettingList"] == [] and factors["ConfiguredUserAuthFactors"] == ["PASSWORD"]


def test_several_named_authenticators(transactional_db, moving_clock):
    pool = _pool(software_token_enabled=True)
    user = factories.create_user(pool=pool, username="hal")
    first = mfa.associate_software_token(user=user)
    mfa.verify_software_token(user=user, code=_code(first), friendly_name="phone")
    second = mfa.associate_software_token(user=user)
    mfa.verify_software_token(user=user, code=_code(second), friendly_name="tablet")
    assert sorted(user.totp_devices.values_list("name", flat=True)) == ["phone", "tablet"]
    moving_clock(60)
    assert mfa.check_software_token(user=user, code=_code(second))
    assert mfa.check_software_token(user=user, code=_code(first))


def test_sms_codes_per_user_are_limited(api, transactional_db, sms_outbox, monkeypatch):
    monkeypatch.setattr(mfa, "MFA_CODES_PER_HOUR", 2)
    pool = _pool(sms_enabled=True)
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="ivy", attributes={"phone_number": "+15555550109"})
    mfa.set_user_mfa_preference(user=user, sms={"Enabled": True, "PreferredMfa": True})
    for _ in range(2):
        assert _sign_in(api, client, "ivy")["ChallengeName"] == "SMS_MFA"
    assert _error(_sign_in, api=api, client=client, username="ivy")[0] == "LimitExceededException"
    assert len(sms_outbox) == 2
