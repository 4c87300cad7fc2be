"""SetUserPoolMfaConfig / GetUserPoolMfaConfig with Cognito's shapes and checks; DescribeUserPool agrees."""
import pytest
from botocore.exceptions import ClientError

from identity.models import UserPool
from tests import factories


@pytest.fixture
def api_pool(transactional_db):
    return factories.create_pool()


def _code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_a_new_pool_has_mfa_off(signed_idp, api_pool):
    config = signed_idp.get_user_pool_mfa_config(UserPoolId=api_pool.id)
    assert config["MfaConfiguration"] == "OFF" and config["SoftwareTokenMfaConfiguration"] == {"Enabled": False}
    assert "SmsMfaConfiguration" not in config and "EmailMfaConfiguration" not in config
    assert config["WebAuthnConfiguration"] == {"UserVerification": "preferred", "FactorConfiguration": "SINGLE_FACTOR"}


def test_set_every_factor_and_read_it_back(signed_idp, api_pool):
    answer = signed_idp.set_user_pool_mfa_config(
        UserPoolId=api_pool.id, MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Code: {####}", "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sms", "ExternalId": "x"}},
        EmailMfaConfiguration={"Message": "Your code is {####}", "Subject": "Sign-in code"},
        WebAuthnConfiguration={"RelyingPartyId": "auth.example.com", "UserVerification": "required"},
    )
    read = signed_idp.get_user_pool_mfa_config(UserPoolId=api_pool.id)
    for body in (answer, read):
        assert body["MfaConfiguration"] == "OPTIONAL" and body["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
        assert body["SmsMfaConfiguration"]["SmsAuthenticationMessage"] == "Code: {####}"
        assert body["SmsMfaConfiguration"]["SmsConfiguration"]["SnsCallerArn"] == "arn:aws:iam::000000000000:role/sms"
        assert body["EmailMfaConfiguration"] == {"Message": "Your code is {####}", "Subject": "Sign-in code"}
        assert body["WebAuthnConfiguration"]["RelyingPartyId"] == "auth.example.com"
        assert body["WebAuthnConfiguration"]["UserVerification"] == "required"
    described = signed_idp.describe_user_pool(UserPoolId=api_pool.id)["UserPool"]
    assert described["MfaConfiguration"] == "OPTIONAL" and described["SmsAuthenticationMessage"] == "Code: {####}"
    # A factor left out of the next call is turned off; WebAuthn, left out, stays.
    signed_idp.set_user_pool_mfa_config(UserPoolId=api_pool.id, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True})
    read = signed_idp.get_user_pool_mfa_config(UserPoolId=api_pool.id)
    assert read["MfaConfiguration"] == "ON" and "SmsMfaConfiguration" not in read and "EmailMfaConfiguration" not in read
    assert read["WebAuthnConfiguration"]["RelyingPartyId"] == "auth.example.com"
    signed_idp.set_user_pool_mfa_config(UserPoolId=api_pool.id, MfaConfiguration="OFF")
    assert signed_idp.describe_user_pool(UserPoolId=api_pool.id)["UserPool"]["MfaConfiguration"] == "OFF"
    assert UserPool.objects.get(pk=api_pool.pk).mfa_software_token_enabled is False


@pytest.mark.parametrize("request_, message", [
    ({"MfaConfiguration": "ON"}, "can't disable all MFAs"),
    ({"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": False}}, "can't disable all MFAs"),
    ({"MfaConfiguration": "OFF", "SoftwareTokenMfaConfiguration": {"Enabled": True}}, "can't turn off MFA and configure an MFA together"),
    ({"MfaConfiguration": "ON", "SmsMfaConfiguration": {"SmsAuthenticationMessage": "No code here"}}, "{####}"),
    ({"MfaConfiguration": "ON", "SmsMfaConfiguration": {"SmsAuthenticationMessage": "{####}" + "x" * 135}}, "140"),
    ({"MfaConfiguration": "ON", "EmailMfaConfiguration": {"Message": "No code here", "Subject": "s"}}, "{####}"),
    ({"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}, "WebAuthnConfiguration": {"UserVerification": "sometimes"}}, "UserVerification"),
])
def test_invalid_configurations_change_nothing(signed_idp, api_pool, request_, message):
    with pytest.raises(ClientError) as excinfo:
        signed_idp.set_user_pool_mfa_config(UserPoolId=api_pool.id, **request_)
    assert _code(excinfo) == "InvalidParameterException" and message in excinfo.value.response["Error"]["Message"]
    stored = UserPool.objects.get(pk=api_pool.pk)
    assert stored.mfa_configuration == "OFF" and not (stored.mfa_software_token_enabled or stored.mfa_sms_enabled or stored.mfa_email_enabled)
    assert stored.webauthn_user_verification == "preferred"


def test_create_user_pool_with_mfa_needs_an_sms_configuration(signed_idp):
    with pytest.raises(ClientError) as excinfo:
        signed_idp.create_user_pool(PoolName="Strict", MfaConfiguration="ON")
    assert _code(excinfo) == "InvalidParameterException"
    assert not UserPool.objects.filter(name="Strict").exists()
    created = signed_idp.create_user_pool(PoolName="Strict", MfaConfiguration="ON", SmsAuthenticationMessage="Sign in with {####}",
                                          SmsConfiguration={"SnsCallerArn": "arn:aws:iam::000000000000:role/sms"})["UserPool"]
    assert created["MfaConfiguration"] == "ON" and created["SmsConfiguration"]["SnsCallerArn"].endswith("role/sms")
    config = signed_idp.get_user_pool_mfa_config(UserPoolId=created["Id"])
    assert config["SmsMfaConfiguration"]["SmsAuthenticationMessage"] == "Sign in with {####}"
    # UpdateUserPool replaces: left out, MFA returns to OFF with its factors.
    signed_idp.update_user_pool(UserPoolId=created["Id"])
    assert signed_idp.get_user_pool_mfa_config(UserPoolId=created["Id"])["MfaConfiguration"] == "OFF"
    with pytest.raises(ClientError) as excinfo:
        signed_idp.update_user_pool(UserPoolId=created["Id"], MfaConfiguration="OPTIONAL")
    assert _code(excinfo) == "InvalidParameterException"
    signed_idp.set_user_pool_mfa_config(UserPoolId=created["Id"], MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True})
    signed_idp.update_user_pool(UserPoolId=created["Id"], MfaConfiguration="OPTIONAL")  # TOTP stays on
    assert signed_idp.get_user_pool_mfa_config(UserPoolId=created["Id"])["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_unknown_pool(signed_idp, transactional_db):
    with pytest.raises(ClientError) as excinfo:
        signed_idp.get_user_pool_mfa_config(UserPoolId="local_missing000")
    assert _code(excinfo) == "ResourceNotFoundException"
