"""A passkey as the second factor, over boto3 with a software authenticator.

Pool: FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION (Cognito's switch for passkeys as
MFA); user: WebAuthnMfaSettings {Enabled} through (Admin)SetUserMFAPreference. After the password,
WEB_AUTHN is one of the MFA choices (our extension: Cognito itself counts a passkey as MFA only as
the first factor); its answer is the same passkey check as passkey sign-in, and wrong answers
count against the MFA lockout as wrong codes do.
"""
from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from identity import localcache
from identity.models import WebAuthnCredential
from tests import factories
from tests.webauthn_authenticator import SoftwarePasskey

PASSWORD = factories.DEFAULT_PASSWORD
MULTI_FACTOR = {"FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}


@pytest.fixture
def pool(transactional_db, live_server, settings, signed_idp):
    settings.USERPOOLS_BASE_URL = live_server.url  # the relying party is "localhost"
    created = factories.create_pool(allowed_first_auth_factors=["PASSWORD", "WEB_AUTHN"], lockout_base_delay_seconds=60)
    signed_idp.set_user_pool_mfa_config(
        UserPoolId=created.id, MfaConfiguration="OPTIONAL", EmailMfaConfiguration={"Subject": "Your code", "Message": "Code {####}"},
        SoftwareTokenMfaConfiguration={"Enabled": True}, WebAuthnConfiguration=MULTI_FACTOR,
    )
    return created


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                                   prevent_user_existence_errors="LEGACY")


@pytest.fixture
def ana(pool):
    return factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})


@pytest.fixture
def passkey(idp, app, ana, live_server) -> SoftwarePasskey:
    """Ana's passkey, registered while she has no MFA yet."""
    access = _password(idp, app)["AuthenticationResult"]["AccessToken"]
    authenticator = SoftwarePasskey(origin=live_server.url)
    options = idp.start_web_authn_registration(AccessToken=access)["CredentialCreationOptions"]
    idp.complete_web_authn_registration(AccessToken=access, Credential=authenticator.create(options))
    return authenticator


def _password(idp, app, username="ana"):
    return idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})


def _respond(idp, app, challenge, **responses):
    return idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName=challenge["ChallengeName"], Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "ana", **responses})


def _error(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _turn_on(signed_idp, pool, **settings):
    signed_idp.admin_set_user_mfa_preference(UserPoolId=pool.id, Username="ana", **settings)


def test_after_the_password_the_passkey_is_offered_beside_email_and_signs_in(idp, signed_idp, app, pool, passkey):
    _turn_on(signed_idp, pool, EmailMfaSettings={"Enabled": True}, WebAuthnMfaSettings={"Enabled": True})
    choice = _password(idp, app)
    assert choice["ChallengeName"] == "SELECT_MFA_TYPE"
    assert json.loads(choice["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == ["EMAIL_OTP", "WEB_AUTHN"]

    step = _respond(idp, app, choice, ANSWER="WEB_AUTHN")
    assert step["ChallengeName"] == "WEB_AUTHN"
    options = json.loads(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    stored = WebAuthnCredential.objects.get()
    assert options["rpId"] == "localhost" and options["userVerification"] == "required"
    assert [c["id"] for c in options["allowCredentials"]] == [stored.credential_id]

    done = _respond(idp, app, step, CREDENTIAL=json.dumps(passkey.get(options)))
    tokens = done["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "ana"
    assert _claims(tokens["IdToken"])["amr"] == ["pwd", "mfa", "hwk"]
    stored.refresh_from_db()
    assert stored.sign_count == passkey.counter

    # Cognito's reports stay Cognito's: no WEB_AUTHN in UserMFASettingList, WEB_AUTHN among the configured factors.
    user = idp.get_user(AccessToken=tokens["AccessToken"])
    assert user["UserMFASettingList"] == ["EMAIL_OTP"] and "PreferredMfaSetting" not in user
    assert "WEB_AUTHN" in idp.get_user_auth_factors(AccessToken=tokens["AccessToken"])["ConfiguredUserAuthFactors"]


def test_passkey_alone_as_the_users_mfa_is_the_only_challenge_then_its_preference_can_be_turned_off(idp, signed_idp, app, pool, passkey):
    _turn_on(signed_idp, pool, SoftwareTokenMfaSettings={"Enabled": False}, EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
             WebAuthnMfaSettings={"Enabled": True})
    assert _password(idp, app)["ChallengeName"] == "EMAIL_OTP"  # a preferred factor comes first; a passkey is never preferred
    _turn_on(signed_idp, pool, EmailMfaSettings={"Enabled": True, "PreferredMfa": False})
    assert _password(idp, app)["ChallengeName"] == "SELECT_MFA_TYPE"
    _turn_on(signed_idp, pool, WebAuthnMfaSettings={"Enabled": False})
    assert _password(idp, app)["ChallengeName"] == "EMAIL_OTP"


def test_passkey_mfa_needs_another_factor_and_a_pool_that_counts_passkeys(idp, signed_idp, app, pool, passkey):
    code, message = _error(signed_idp.admin_set_user_mfa_preference, UserPoolId=pool.id, Username="ana", WebAuthnMfaSettings={"Enabled": True})
    assert code == "InvalidParameterException" and "another MFA method" in message
    _turn_on(signed_idp, pool, EmailMfaSettings={"Enabled": True}, WebAuthnMfaSettings={"Enabled": True})
    # switching the other factor off would leave the passkey alone: refused, nothing changes
    assert _error(signed_idp.admin_set_user_mfa_preference, UserPoolId=pool.id, Username="ana",
                  EmailMfaSettings={"Enabled": False})[0] == "InvalidParameterException"
    assert _password(idp, app)["ChallengeName"] == "SELECT_MFA_TYPE"

    signed_idp.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OPTIONAL", EmailMfaConfiguration={"Subject": "S", "Message": "Code {####}"},
                                        WebAuthnConfiguration={"FactorConfiguration": "SINGLE_FACTOR"})
    localcache.clear()  # the cached app client holds its pool for a few seconds
    assert _password(idp, app)["ChallengeName"] == "EMAIL_OTP"  # passkeys no longer count as MFA
    code, message = _error(signed_idp.admin_set_user_mfa_preference, UserPoolId=pool.id, Username="ana", WebAuthnMfaSettings={"Enabled": True})
    assert code == "InvalidParameterException" and "MULTI_FACTOR_WITH_USER_VERIFICATION" in message


def test_the_user_sets_it_with_an_access_token(idp, app, pool, passkey):
    access = _password(idp, app)["AuthenticationResult"]["AccessToken"]
    idp.set_user_mfa_preference(AccessToken=access, EmailMfaSettings={"Enabled": True}, WebAuthnMfaSettings={"Enabled": True})
    assert json.loads(_password(idp, app)["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == ["EMAIL_OTP", "WEB_AUTHN"]


def test_a_user_without_a_passkey_is_not_offered_one(idp, signed_idp, app, pool, ana):
    _turn_on(signed_idp, pool, EmailMfaSettings={"Enabled": True}, WebAuthnMfaSettings={"Enabled": True})
    assert _password(idp, app)["ChallengeName"] == "EMAIL_OTP"


def test_a_wrong_or_unverified_assertion_is_refused_and_counts_toward_the_mfa_lockout(idp, signed_idp, app, pool, passkey, live_server):
    _turn_on(signed_idp, pool, EmailMfaSettings={"Enabled": True}, WebAuthnMfaSettings={"Enabled": True})
    step = _respond(idp, app, _password(idp, app), ANSWER="WEB_AUTHN")
    options = json.loads(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    forged = passkey.get(options)
    forged["response"]["signature"] = passkey.get(options)["response"]["signature"]  # another signature
    unverified = SoftwarePasskey(origin=live_server.url, verifies_user=False, key=passkey.key, credential_id=passkey.credential_id,
                                 counter=passkey.counter + 10, user_handle=passkey.user_handle).get(options)
    stranger = SoftwarePasskey(origin=live_server.url).get(options)  # not one of Ana's passkeys
    for wrong in (forged, unverified, stranger):
        code, message = _error(_respond, idp=idp, app=app, challenge=step, CREDENTIAL=json.dumps(wrong))
        assert code == "NotAuthorizedException" and "passkey" in message
    # two more wrong answers on a new step make five: the second factor locks, as wrong codes do
    step = _respond(idp, app, _password(idp, app), ANSWER="WEB_AUTHN")
    for _ in range(2):
        assert _error(_respond, idp=idp, app=app, challenge=step, CREDENTIAL=json.dumps(stranger))[0] == "NotAuthorizedException"
    code, message = _error(_password, idp=idp, app=app)
    assert code == "NotAuthorizedException" and message == "Password attempts exceeded"


def test_in_a_pool_that_requires_mfa_a_passkey_is_a_way_in_only_with_passkey_mfa_on(idp, signed_idp, app, pool, passkey):
    signed_idp.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="ON", EmailMfaConfiguration={"Subject": "S", "Message": "Code {####}"},
                                        WebAuthnConfiguration=MULTI_FACTOR)
    localcache.clear()
    start = {"ClientId": app.client_id, "AuthFlow": "USER_AUTH", "AuthParameters": {"USERNAME": "ana"}}
    assert "WEB_AUTHN" not in idp.initiate_auth(**start)["AvailableChallenges"]
    _turn_on(signed_idp, pool, EmailMfaSettings={"Enabled": True}, WebAuthnMfaSettings={"Enabled": True})
    selection = idp.initiate_auth(**start)
    assert selection["AvailableChallenges"][0] == "WEB_AUTHN"
    step = _respond(idp, app, selection, ANSWER="WEB_AUTHN")
    done = _respond(idp, app, step, CREDENTIAL=json.dumps(passkey.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])))
    # a user-verifying passkey is both factors: no MFA step follows
    assert idp.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["Username"] == "ana"
