"""CreateUserPool / UpdateUserPool / DescribeUserPool over boto3: UserPoolAddOns (the threat-protection mode),
EmailConfiguration.From and CustomDomain round-trip; bad values get Cognito's errors and change nothing."""
from __future__ import annotations

import json

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from identity.models import UserPool
from tests import factories

ENUM_MESSAGE = (
    "1 validation error detected: Value 'SOMETIMES' at 'userPoolAddOns.advancedSecurityMode' failed to satisfy constraint: "
    "Member must satisfy enum value set: [OFF, AUDIT, ENFORCED]"
)


@pytest.fixture
def raw_idp(live_server, signed_idp):
    """Signed like signed_idp, without botocore's own checks, so the server's validation answers."""
    client = boto3.client("cognito-idp", endpoint_url=live_server.url, region_name="local", aws_access_key_id="test-key",
                          aws_secret_access_key="test-secret", config=Config(retries={"max_attempts": 0}, parameter_validation=False))
    yield client
    client.close()


def _error(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def _signed_post(idp, action: str, body: dict) -> requests.Response:
    request = AWSRequest(method="POST", url=idp.meta.endpoint_url + "/", data=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"})
    SigV4Auth(Credentials("test-key", "test-secret"), "cognito-idp", "local").add_auth(request)
    return requests.post(request.url, data=request.body, headers=dict(request.headers.items()), timeout=10)


def _mode(pool_id: str) -> str:
    return UserPool.objects.get(pk=pool_id).threat_protection_mode


def test_the_threat_protection_mode_round_trips_as_user_pool_add_ons(signed_idp):
    created = signed_idp.create_user_pool(PoolName="Guarded", UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"})["UserPool"]
    pool_id = created["Id"]
    assert created["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"} and _mode(pool_id) == "ENFORCED"
    assert signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    user = factories.create_user(pool=UserPool.objects.get(pk=pool_id), username="ana")
    # The mode is the one threat protection obeys: auth events are listed while it is not OFF.
    assert signed_idp.admin_list_user_auth_events(UserPoolId=pool_id, Username=user.username)["AuthEvents"] == []

    signed_idp.update_user_pool(UserPoolId=pool_id, UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    assert signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolAddOns"] == {"AdvancedSecurityMode": "AUDIT"}
    # An empty AdvancedSecurityAdditionalFlows names no custom-auth mode and is accepted.
    signed_idp.update_user_pool(UserPoolId=pool_id, UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED", "AdvancedSecurityAdditionalFlows": {}})
    assert _mode(pool_id) == "ENFORCED"

    # UpdateUserPool replaces, as Cognito's does: left out, the add-on returns to its default, OFF.
    signed_idp.update_user_pool(UserPoolId=pool_id)
    assert signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolAddOns"] == {"AdvancedSecurityMode": "OFF"}
    assert _error(signed_idp.admin_list_user_auth_events, UserPoolId=pool_id, Username="ana")[0] == "UserPoolAddOnNotEnabledException"
    # A pool created without it is OFF, and says so.
    plain = signed_idp.create_user_pool(PoolName="Plain")["UserPool"]
    assert plain["UserPoolAddOns"] == {"AdvancedSecurityMode": "OFF"}


def test_a_mode_outside_cognitos_enum_is_refused_and_changes_nothing(signed_idp, raw_idp):
    pool_id = signed_idp.create_user_pool(PoolName="Guarded", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})["UserPool"]["Id"]
    assert _error(signed_idp.update_user_pool, UserPoolId=pool_id, UserPoolAddOns={"AdvancedSecurityMode": "SOMETIMES"},
                  Policies={"PasswordPolicy": {"MinimumLength": 20}}) == ("InvalidParameterException", ENUM_MESSAGE)
    pool = UserPool.objects.get(pk=pool_id)
    assert (pool.threat_protection_mode, pool.password_minimum_length) == ("AUDIT", 8)
    assert _error(signed_idp.create_user_pool, PoolName="Bad", UserPoolAddOns={"AdvancedSecurityMode": "SOMETIMES"}) == (
        "InvalidParameterException", ENUM_MESSAGE)
    assert not UserPool.objects.filter(name="Bad").exists()
    # AdvancedSecurityMode is required in UserPoolAddOnsType (botocore checks it too; the server as well).
    assert _error(raw_idp.update_user_pool, UserPoolId=pool_id, UserPoolAddOns={}) == (
        "InvalidParameterException",
        "1 validation error detected: Value null at 'userPoolAddOns.advancedSecurityMode' failed to satisfy constraint: Member must not be null",
    )
    # Not a structure at all (only a hand-made request can send that).
    for body in ({"UserPoolAddOns": "ENFORCED"}, {"EmailConfiguration": "no-reply@acme.example"}):
        answer = _signed_post(raw_idp, "UpdateUserPool", {"UserPoolId": pool_id, **body})
        assert answer.status_code == 400 and answer.json()["__type"] == "InvalidParameterException"
    assert _mode(pool_id) == "AUDIT"


def test_threat_protection_for_custom_auth_is_refused_not_pretended(signed_idp):
    pool_id = signed_idp.create_user_pool(PoolName="Guarded", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})["UserPool"]["Id"]
    code, message = _error(signed_idp.update_user_pool, UserPoolId=pool_id, UserPoolAddOns={
        "AdvancedSecurityMode": "ENFORCED", "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "ENFORCED"}})
    assert code == "OperationNotEnabledException" and "CUSTOM_AUTH sign-ins are not risk-scored" in message
    assert _mode(pool_id) == "AUDIT"
    assert _error(signed_idp.create_user_pool, PoolName="Custom", UserPoolAddOns={
        "AdvancedSecurityMode": "AUDIT", "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "AUDIT"}})[0] == "OperationNotEnabledException"
    assert _error(signed_idp.update_user_pool, UserPoolId=pool_id, UserPoolAddOns={
        "AdvancedSecurityMode": "AUDIT", "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "OFF"}}) == (
        "InvalidParameterException",
        "1 validation error detected: Value 'OFF' at 'userPoolAddOns.advancedSecurityAdditionalFlows.customAuthMode' failed to "
        "satisfy constraint: Member must satisfy enum value set: [AUDIT, ENFORCED]",
    )
    assert not UserPool.objects.filter(name="Custom").exists() and _mode(pool_id) == "AUDIT"
    assert "AdvancedSecurityAdditionalFlows" not in signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolAddOns"]


def test_the_sender_round_trips_as_email_configuration_from(signed_idp, mailoutbox):
    pool_id = signed_idp.create_user_pool(PoolName="Mail", EmailConfiguration={"From": "Acme <no-reply@acme.example>"})["UserPool"]["Id"]
    assert signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["EmailConfiguration"] == {"From": "Acme <no-reply@acme.example>"}
    # The sender is the one mail goes out with.
    client = factories.create_client(pool=UserPool.objects.get(pk=pool_id))
    signed_idp.sign_up(ClientId=client.client_id, Username="ana", Password=factories.DEFAULT_PASSWORD,
                       UserAttributes=[{"Name": "email", "Value": "ana@example.com"}])
    assert mailoutbox[-1].from_email == "Acme <no-reply@acme.example>"
    for bad in ("no-reply", "Acme <no-reply@acme.example>\r\nBcc: all@example.com"):
        code, message = _error(signed_idp.update_user_pool, UserPoolId=pool_id, EmailConfiguration={"From": bad})
        assert code == "InvalidParameterException" and message.startswith("The sender (EmailConfiguration.From) must be an email address")
    assert UserPool.objects.get(pk=pool_id).email_from == "Acme <no-reply@acme.example>"
    # Replaced like the rest: an update without it goes back to the site's sender, and DescribeUserPool omits it.
    signed_idp.update_user_pool(UserPoolId=pool_id)
    assert "EmailConfiguration" not in signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert _error(signed_idp.create_user_pool, PoolName="Bad", EmailConfiguration={"From": "@acme.example"})[0] == "InvalidParameterException"


def test_a_custom_domain_is_described_as_custom_domain(signed_idp, settings):
    settings.USERPOOLS_BASE_URL = "https://id.example.net"
    pool_id = signed_idp.create_user_pool(PoolName="Domains")["UserPool"]["Id"]
    signed_idp.create_user_pool_domain(UserPoolId=pool_id, Domain="shop")  # a prefix: a subdomain of this server's host
    described = signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["Domain"] == "shop.id.example.net" and "CustomDomain" not in described
    signed_idp.create_user_pool_domain(UserPoolId=pool_id, Domain="auth.shop.example.com")
    assert signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["CustomDomain"] == "auth.shop.example.com"
