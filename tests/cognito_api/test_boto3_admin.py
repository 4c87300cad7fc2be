"""Admin actions signed with SigV4 by boto3 with an operator's API key; unsigned or forged calls refused."""
import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from django.contrib.auth import get_user_model

from cognito_api.credentials import create_access_key as create_credential
from identity.models import AuditEvent, User
from tests import factories


@pytest.fixture
def credential(transactional_db):
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "Operator-Pass-123")
    return create_credential(operator=operator)


def _client(url, key_id, secret):
    return boto3.client("cognito-idp", endpoint_url=url, region_name="local", aws_access_key_id=key_id,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 0}))


@pytest.fixture
def admin(live_server, credential):
    row, secret = credential
    client = _client(live_server.url, row.access_key_id, secret)
    yield client
    client.close()


@pytest.fixture
def api_pool(transactional_db):
    return factories.create_pool()


def _code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_user_lifecycle(admin, api_pool):
    created = admin.admin_create_user(UserPoolId=api_pool.id, Username="ana", TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS",
                                      UserAttributes=[{"Name": "email", "Value": "ana@example.com"}, {"Name": "email_verified", "Value": "true"}])
    assert created["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD" and created["User"]["Enabled"] is True
    got = admin.admin_get_user(UserPoolId=api_pool.id, Username="ANA")
    assert got["Username"] == "ana" and {"Name": "email", "Value": "ana@example.com"} in got["UserAttributes"]
    assert got["UserCreateDate"].year >= 2026  # botocore parsed our epoch timestamp
    admin.admin_set_user_password(UserPoolId=api_pool.id, Username="ana", Password="Final-Passw0rd!", Permanent=True)
    admin.admin_update_user_attributes(UserPoolId=api_pool.id, Username="ana", UserAttributes=[{"Name": "given_name", "Value": "Ana"}])
    admin.admin_disable_user(UserPoolId=api_pool.id, Username="ana")
    assert admin.admin_get_user(UserPoolId=api_pool.id, Username="ana")["Enabled"] is False
    admin.admin_enable_user(UserPoolId=api_pool.id, Username="ana")
    admin.admin_delete_user(UserPoolId=api_pool.id, Username="ana")
    with pytest.raises(ClientError) as excinfo:
        admin.admin_get_user(UserPoolId=api_pool.id, Username="ana")
    assert _code(excinfo) == "UserNotFoundException"
    assert AuditEvent.objects.filter(username="ana", actor="operator:ops").count() >= 5


def test_admin_initiate_auth(admin, api_pool):
    app = factories.create_client(pool=api_pool, explicit_auth_flows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    factories.create_user(pool=api_pool, username="bob")
    result = admin.admin_initiate_auth(UserPoolId=api_pool.id, ClientId=app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": "bob", "PASSWORD": factories.DEFAULT_PASSWORD})
    assert result["AuthenticationResult"]["AccessToken"]


def test_list_users_with_filter_and_pages(admin, api_pool):
    for i in range(7):
        factories.create_user(pool=api_pool, username=f"user{i}", attributes={"email": f"user{i}@example.com"})
    factories.create_user(pool=api_pool, username="zed", attributes={"email": "zed@other.org"})
    seen, token = [], None
    while True:
        kwargs = {"PaginationToken": token} if token else {}
        page = admin.list_users(UserPoolId=api_pool.id, Filter='email ^= "user"', Limit=3, **kwargs)
        seen += [u["Username"] for u in page["Users"]]
        token = page.get("PaginationToken")
        if not token:
            break
    assert sorted(seen) == [f"user{i}" for i in range(7)]
    paginator = admin.get_paginator("list_users")
    assert sum(len(p["Users"]) for p in paginator.paginate(UserPoolId=api_pool.id, PaginationConfig={"PageSize": 2})) == 8
    with pytest.raises(ClientError) as excinfo:
        admin.list_users(UserPoolId=api_pool.id, Filter="custom:x = \"y\"")
    assert _code(excinfo) == "InvalidParameterException"


def test_groups(admin, api_pool):
    factories.create_user(pool=api_pool, username="cy")
    group = admin.create_group(UserPoolId=api_pool.id, GroupName="staff", Precedence=2, Description="Staff")["Group"]
    assert group["Precedence"] == 2
    with pytest.raises(ClientError) as excinfo:
        admin.create_group(UserPoolId=api_pool.id, GroupName="staff")
    assert _code(excinfo) == "GroupExistsException"
    admin.admin_add_user_to_group(UserPoolId=api_pool.id, Username="cy", GroupName="staff")
    assert [g["GroupName"] for g in admin.admin_list_groups_for_user(UserPoolId=api_pool.id, Username="cy")["Groups"]] == ["staff"]
    assert [u["Username"] for u in admin.list_users_in_group(UserPoolId=api_pool.id, GroupName="staff")["Users"]] == ["cy"]
    assert admin.update_group(UserPoolId=api_pool.id, GroupName="staff", Description="Everyone")["Group"]["Description"] == "Everyone"
    assert [g["GroupName"] for g in admin.list_groups(UserPoolId=api_pool.id)["Groups"]] == ["staff"]
    admin.admin_remove_user_from_group(UserPoolId=api_pool.id, Username="cy", GroupName="staff")
    admin.delete_group(UserPoolId=api_pool.id, GroupName="staff")
    with pytest.raises(ClientError) as excinfo:
        admin.get_group(UserPoolId=api_pool.id, GroupName="staff")
    assert _code(excinfo) == "ResourceNotFoundException"


def test_unsigned_wrong_key_and_wrong_secret_are_refused(live_server, credential, api_pool):
    row, secret = credential
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminGetUser"}
    unsigned = requests.post(live_server.url + "/", json={"UserPoolId": api_pool.id, "Username": "x"}, headers=headers, timeout=10)
    assert unsigned.status_code == 400 and unsigned.json()["__type"] == "MissingAuthenticationTokenException"
    for key_id, key_secret, expected in [("UPNOSUCHKEY", secret, "UnrecognizedClientException"), (row.access_key_id, secret + "x", "InvalidSignatureException")]:
        client = _client(live_server.url, key_id, key_secret)
        with pytest.raises(ClientError) as excinfo:
            client.admin_get_user(UserPoolId=api_pool.id, Username="x")
        client.close()
        assert _code(excinfo) == expected
    assert not User.objects.exists()


def test_create_api_key_command(db):
    import json
    from io import StringIO

    from django.core.management import call_command

    get_user_model().objects.create_superuser("ops2", "", "Operator-Pass-123")
    out = StringIO()
    call_command("create_api_key", "--operator", "ops2", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["AccessKeyId"].startswith("UP") and len(result["SecretAccessKey"]) >= 30
