"""Choice-based sign-in (USER_AUTH) and passkeys over the Cognito API with boto3, as Cognito sequences them."""
from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError
from django.core import mail
from pycognito.aws_srp import AWSSRP

from identity import localcache
from identity.messaging import MemorySmsSender
from identity.models import User, WebAuthnCredential
from identity.services import mfa, mfa_config, pools
from tests import factories
from tests.webauthn_authenticator import SoftwarePasskey

PASSWORD = factories.DEFAULT_PASSWORD
CODE = re.compile(r"\b(\d{6})\b")
EVERY_FACTOR = ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]


@pytest.fixture
def sms_outbox(settings):
    settings.USERPOOLS_SMS_SENDER = "memory"
    MemorySmsSender.outbox.clear()
    yield MemorySmsSender.outbox
    MemorySmsSender.outbox.clear()


@pytest.fixture
def pool(transactional_db, live_server, settings):
    # The relying party is the live server's host, as a pool without a domain gets it from USERPOOLS_BASE_URL.
    settings.USERPOOLS_BASE_URL = live_server.url
    return factories.create_pool(allowed_first_auth_factors=EVERY_FACTOR)


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@pytest.fixture
def legacy(pool):
    """A client that does not hide who exists: its choices are the user's own (a hiding client's are the pool's)."""
    return factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                                   prevent_user_existence_errors="LEGACY")


@pytest.fixture
def ana(pool):
    return factories.create_user(pool=pool, username="ana", attributes={
        "email": "ana@example.com", "email_verified": "true", "phone_number": "+15555550100", "phone_number_verified": "true",
    })


def _start(idp, app, username="ana", **parameters):
    return idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": username, **parameters})


def _answer(idp, app, challenge, **responses):
    return idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName=challenge["ChallengeName"], Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "ana", **responses})


def _error(call, **params) -> str:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"]


def _username_of(idp, result) -> str:
    return idp.get_user(AccessToken=result["AuthenticationResult"]["AccessToken"])["Username"]


def test_without_a_preference_the_user_selects_from_the_available_challenges(idp, legacy, ana):
    app = legacy
    selection = _start(idp, app)
    assert selection["ChallengeName"] == "SELECT_CHALLENGE"
    # no passkey yet, so no WEB_AUTHN; the order is the pool's
    assert selection["AvailableChallenges"] == ["EMAIL_OTP", "SMS_OTP", "PASSWORD", "PASSWORD_SRP"]
    assert _error(_answer, idp=idp, app=app, challenge=selection, ANSWER="WEB_AUTHN") == "InvalidParameterException"
    done = _answer(idp, app, selection, ANSWER="PASSWORD", PASSWORD=PASSWORD)
    assert _username_of(idp, done) == "ana" and done["AuthenticationResult"]["RefreshToken"]


def test_selecting_password_srp_continues_into_the_password_verifier(idp, app, ana, pool):
    selection = _start(idp, app)
    srp = AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=app.client_id, client=idp)
    verifier = _answer(idp, app, selection, ANSWER="PASSWORD_SRP", SRP_A=srp.get_auth_params()["SRP_A"])
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    responses = srp.process_challenge(verifier["ChallengeParameters"], {"USERNAME": "ana"})
    done = idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses)
    assert _username_of(idp, done) == "ana"


def test_a_wrong_password_chosen_from_the_selection_is_refused(idp, app, ana):
    selection = _start(idp, app)
    assert _error(_answer, idp=idp, app=app, challenge=selection, ANSWER="PASSWORD", PASSWORD="Wrong-passw0rd!") == "NotAuthorizedException"


def test_preferred_email_otp_sends_a_code_by_mail_and_signs_in_without_mfa(idp, app, ana, pool, sms_outbox):
    # SMS MFA is on for the user: a passwordless first factor is not followed by it.
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="OPTIONAL", sms_enabled=True)
    ana.refresh_from_db()
    mfa.set_user_mfa_preference(user=ana, sms={"Enabled": True, "PreferredMfa": True})
    mail.outbox.clear()
    challenge = _start(idp, app, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] != "ana@example.com"  # masked
    assert mail.outbox[-1].to == ["ana@example.com"]
    code = CODE.search(mail.outbox[-1].body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert _error(_answer, idp=idp, app=app, challenge=challenge, EMAIL_OTP_CODE=wrong) == "CodeMismatchException"
    done = _answer(idp, app, challenge, EMAIL_OTP_CODE=code)
    assert _username_of(idp, done) == "ana"
    assert sms_outbox == []  # no MFA code was sent
    # the step was used up
    assert _error(_answer, idp=idp, app=app, challenge=challenge, EMAIL_OTP_CODE=code) == "NotAuthorizedException"


def test_sms_otp_chosen_from_the_selection_sends_a_text(idp, app, ana, sms_outbox):
    selection = _start(idp, app)
    challenge = _answer(idp, app, selection, ANSWER="SMS_OTP")
    assert challenge["ChallengeName"] == "SMS_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert sms_outbox[-1]["to"] == "+15555550100"
    code = CODE.search(sms_outbox[-1]["body"]).group(1)
    done = _answer(idp, app, challenge, SMS_OTP_CODE=code)
    assert _username_of(idp, done) == "ana"


def test_code_factors_need_a_verified_address_and_a_pool_that_allows_them(idp, legacy, pool):
    app = legacy
    factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com"})  # not verified
    assert _start(idp, app)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    # a preference the user cannot use falls back to the selection
    assert _start(idp, app, PREFERRED_CHALLENGE="EMAIL_OTP")["ChallengeName"] == "SELECT_CHALLENGE"
    pools.update_user_pool(pool=pool, allowed_first_auth_factors=["PASSWORD"])
    localcache.clear()  # the cached app client holds its pool for a few seconds
    User.objects.filter(username="ana").update(attributes={"email": "ana@example.com", "email_verified": "true"})
    assert _start(idp, app)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


def test_a_pool_that_requires_mfa_offers_no_code_first_factor(idp, legacy, ana, pool):
    app = legacy
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="ON", software_token_enabled=True)
    assert _start(idp, app)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


def test_user_auth_needs_its_client_flag(idp, pool, ana):
    other = factories.create_client(pool=pool)  # password and SRP flows only
    assert _error(idp.initiate_auth, ClientId=other.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "ana"}) == "InvalidParameterException"


def test_an_unknown_user_gets_a_selection_that_leads_nowhere(idp, app, pool):
    selection = _start(idp, app, username="nobody")
    assert selection["ChallengeName"] == "SELECT_CHALLENGE" and "EMAIL_OTP" in selection["AvailableChallenges"]
    challenge = idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="SELECT_CHALLENGE", Session=selection["Session"],
                                              ChallengeResponses={"USERNAME": "nobody", "ANSWER": "EMAIL_OTP"})
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert _error(idp.respond_to_auth_challenge, ClientId=app.client_id, ChallengeName="EMAIL_OTP", Session=challenge["Session"],
                  ChallengeResponses={"USERNAME": "nobody", "EMAIL_OTP_CODE": "123456"}) == "CodeMismatchException"


def test_admin_initiate_auth_runs_user_auth_too(signed_idp, app, ana, pool):
    result = signed_idp.admin_initiate_auth(UserPoolId=pool.id, ClientId=app.client_id, AuthFlow="USER_AUTH",
                                            AuthParameters={"USERNAME": "ana", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD})
    assert result["AuthenticationResult"]["IdToken"]


def test_confirm_sign_up_returns_a_session_that_signs_the_user_in_once(idp, app, pool):
    mail.outbox.clear()
    signing_up = idp.sign_up(ClientId=app.client_id, Username="cai", Password=PASSWORD,
                             UserAttributes=[{"Name": "email", "Value": "cai@example.com"}])["Session"]
    code = CODE.search(mail.outbox[-1].body).group(1)
    session = idp.confirm_sign_up(ClientId=app.client_id, Username="cai", ConfirmationCode=code, Session=signing_up)["Session"]
    done = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "cai"}, Session=session)
    assert _username_of(idp, done) == "cai"
    assert _error(idp.initiate_auth, ClientId=app.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "cai"},
                  Session=session) == "NotAuthorizedException"


def test_a_confirmation_code_alone_signs_nobody_in(idp, app, pool):
    mail.outbox.clear()
    idp.sign_up(ClientId=app.client_id, Username="cai", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "cai@example.com"}])
    code = CODE.search(mail.outbox[-1].body).group(1)
    assert "Session" not in idp.confirm_sign_up(ClientId=app.client_id, Username="cai", ConfirmationCode=code)


def test_a_sign_up_session_is_only_for_the_user_who_signed_up(idp, app, pool, ana):
    mail.outbox.clear()
    signing_up = idp.sign_up(ClientId=app.client_id, Username="cai", Password=PASSWORD,
                             UserAttributes=[{"Name": "email", "Value": "cai@example.com"}])["Session"]
    code = CODE.search(mail.outbox[-1].body).group(1)
    session = idp.confirm_sign_up(ClientId=app.client_id, Username="cai", ConfirmationCode=code, Session=signing_up)["Session"]
    assert _error(idp.initiate_auth, ClientId=app.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "ana"},
                  Session=session) == "NotAuthorizedException"


def test_passkey_registered_with_an_access_token_then_used_to_sign_in(idp, app, ana, live_server):
    access = _start(idp, app, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)["AuthenticationResult"]["AccessToken"]
    options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    assert options["rp"]["id"] == "localhost"
    authenticator = SoftwarePasskey(origin=live_server.url)
    idp.complete_web_authn_registration(AccessToken=access, Credential=authenticator.create(options))
    listed = idp.list_web_authn_credentials(AccessToken=access)["Credentials"]
    assert [(c["RelyingPartyId"], c["AuthenticatorAttachment"], c["AuthenticatorTransports"]) for c in listed] == [("localhost", "platform", ["internal"])]
    factors = idp.get_user_auth_factors(AccessToken=access)["ConfiguredUserAuthFactors"]
    assert factors == ["PASSWORD", "WEB_AUTHN", "EMAIL_OTP", "SMS_OTP"]

    selection = _start(idp, app)
    assert selection["AvailableChallenges"][0] == "WEB_AUTHN"
    challenge = _answer(idp, app, selection, ANSWER="WEB_AUTHN")
    assert challenge["ChallengeName"] == "WEB_AUTHN"
    request = json.loads(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    # this client hides who exists, so the options name no credential: the browser offers the passkeys it holds
    assert request["rpId"] == "localhost" and request.get("allowCredentials", []) == []
    done = _answer(idp, app, challenge, CREDENTIAL=json.dumps(authenticator.get(request)))
    assert _username_of(idp, done) == "ana"
    assert WebAuthnCredential.objects.get().sign_count == 1

    # straight into WEB_AUTHN with the preference; a wrong signature is refused
    challenge = _start(idp, app, PREFERRED_CHALLENGE="WEB_AUTHN")
    forged = authenticator.get(challenge["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    forged["response"]["signature"] = authenticator.get(request)["response"]["signature"]
    assert _error(_answer, idp=idp, app=app, challenge=challenge, CREDENTIAL=json.dumps(forged)) == "NotAuthorizedException"

    idp.delete_web_authn_credential(AccessToken=access, CredentialId=listed[0]["CredentialId"])
    assert idp.list_web_authn_credentials(AccessToken=access)["Credentials"] == []
    assert _error(idp.delete_web_authn_credential, AccessToken=access, CredentialId=listed[0]["CredentialId"]) == "ResourceNotFoundException"


def test_passkey_listing_pages_with_max_results(idp, app, ana, live_server):
    access = _start(idp, app, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)["AuthenticationResult"]["AccessToken"]
    for _ in range(3):
        options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
        idp.complete_web_authn_registration(AccessToken=access, Credential=SoftwarePasskey(origin=live_server.url).create(options))
    first = idp.list_web_authn_credentials(AccessToken=access, MaxResults=2)
    second = idp.list_web_authn_credentials(AccessToken=access, MaxResults=2, NextToken=first["NextToken"])
    assert len(first["Credentials"]) == 2 and len(second["Credentials"]) == 1 and "NextToken" not in second
    ids = {c["CredentialId"] for c in first["Credentials"] + second["Credentials"]}
    assert ids == set(WebAuthnCredential.objects.values_list("credential_id", flat=True))


def test_registration_from_another_origin_is_refused(idp, app, ana):
    access = _start(idp, app, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)["AuthenticationResult"]["AccessToken"]
    options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    answer = SoftwarePasskey(origin="https://evil.example").create(options)
    assert _error(idp.complete_web_authn_registration, AccessToken=access, Credential=answer) == "WebAuthnOriginNotAllowedException"


def test_passkeys_need_the_pool_to_allow_them(idp, pool, app, ana):
    pools.update_user_pool(pool=pool, allowed_first_auth_factors=["PASSWORD"])
    localcache.clear()  # the cached app client holds its pool for a few seconds
    access = _start(idp, app, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)["AuthenticationResult"]["AccessToken"]
    assert _error(idp.start_web_authn_registration, AccessToken=access) == "WebAuthnNotEnabledException"


def test_sign_in_policy_through_create_update_and_describe_user_pool(signed_idp):
    created = signed_idp.create_user_pool(PoolName="passwordless", Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})
    pool_id = created["UserPool"]["Id"]
    assert created["UserPool"]["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["EMAIL_OTP", "PASSWORD"]}
    signed_idp.update_user_pool(UserPoolId=pool_id, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})
    described = signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]
    assert described["SignInPolicy"]["AllowedFirstAuthFactors"] == ["WEB_AUTHN", "PASSWORD"]
    # UpdateUserPool replaces: left out, the policy returns to the password alone
    signed_idp.update_user_pool(UserPoolId=pool_id)
    assert signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == ["PASSWORD"]
    assert _error(signed_idp.update_user_pool, UserPoolId=pool_id,
                  Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["EMAIL_OTP"]}}) == "InvalidParameterException"


def test_pre_authentication_can_refuse_a_code_sign_in_before_any_code_is_sent(idp, app, ana, pool):
    from identity.services import triggers_config

    triggers_config.set_lambda_config(pool=pool, lambda_config={"PreAuthentication": "python:tests.identity.triggers_support.fail"})
    localcache.clear()
    mail.outbox.clear()
    assert _error(_start, idp=idp, app=app, PREFERRED_CHALLENGE="EMAIL_OTP") == "UserLambdaValidationException"
    assert mail.outbox == []


def test_a_disabled_user_gets_a_code_step_that_sends_nothing_and_leads_nowhere(idp, app, ana):
    User.objects.filter(pk=ana.pk).update(enabled=False)
    mail.outbox.clear()
    challenge = _start(idp, app, PREFERRED_CHALLENGE="EMAIL_OTP")
    assert challenge["ChallengeName"] == "EMAIL_OTP" and mail.outbox == []
    assert _error(_answer, idp=idp, app=app, challenge=challenge, EMAIL_OTP_CODE="123456") == "CodeMismatchException"


def test_sign_in_codes_share_the_hourly_limit_of_mfa_codes(idp, app, ana, monkeypatch):
    monkeypatch.setattr(mfa, "MFA_CODES_PER_HOUR", 2)
    mail.outbox.clear()
    for _ in range(2):
        assert _start(idp, app, PREFERRED_CHALLENGE="EMAIL_OTP")["ChallengeName"] == "EMAIL_OTP"
    assert _error(_start, idp=idp, app=app, PREFERRED_CHALLENGE="EMAIL_OTP") == "LimitExceededException"
    assert len(mail.outbox) == 2
