"""Provisioning through the API as Terraform-style tools do: pools, clients, resource servers, domains."""
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.contrib.auth import get_user_model

from cognito_api.credentials import create_access_key as create_credential
from identity.models import UserPool, UserPoolClient
from identity.services import pools


@pytest.fixture
def admin(live_server, transactional_db):
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "Operator-Pass-123")
    row, secret = create_credential(operator=operator)
    client = boto3.client("cognito-idp", endpoint_url=live_server.url, region_name="local", aws_access_key_id=row.access_key_id,
                          aws_secret_access_key=secret, config=Config(retries={"max_attempts": 0}))
    yield client
    client.close()


def _code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_pool_lifecycle(admin):
    created = admin.create_user_pool(
        PoolName="Shop", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False}},
        Schema=[{"Name": "name", "Required": True, "AttributeDataType": "String"}, {"Name": "team", "AttributeDataType": "String", "Mutable": True}],
        VerificationMessageTemplate={"EmailSubject": "Code", "EmailMessage": "Your code: {####}"},
    )["UserPool"]
    pool_id = created["Id"]
    assert created["Policies"]["PasswordPolicy"]["MinimumLength"] == 12 and created["UsernameAttributes"] == ["email"]
    described = admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    names = {a["Name"]: a for a in described["SchemaAttributes"]}
    assert names["name"]["Required"] is True and "custom:team" in names and described["CreationDate"].year >= 2026
    assert described["VerificationMessageTemplate"]["EmailMessage"] == "Your code: {####}"
    # UpdateUserPool replaces: what is left out returns to the default.
    admin.update_user_pool(UserPoolId=pool_id, Policies={"PasswordPolicy": {"MinimumLength": 10}}, DeletionProtection="ACTIVE")
    policy = admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 10 and policy["RequireSymbols"] is True
    with pytest.raises(ClientError) as excinfo:
        admin.delete_user_pool(UserPoolId=pool_id)
    assert _code(excinfo) == "InvalidParameterException"
    admin.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    admin.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[{"Name": "tier", "AttributeDataType": "Number"}])
    assert [p["Id"] for p in admin.list_user_pools(MaxResults=60)["UserPools"]] == [pool_id]
    admin.delete_user_pool(UserPoolId=pool_id)
    assert not UserPool.objects.filter(pk=pool_id).exists()


def test_client_lifecycle_and_secret_shown_once(admin):
    pool_id = admin.create_user_pool(PoolName="Apps")["UserPool"]["Id"]
    admin.create_resource_server(UserPoolId=pool_id, Identifier="api", Name="API", Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}])
    created = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", GenerateSecret=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "api/read"],
        AllowedOAuthFlowsUserPoolClient=True, CallbackURLs=["https://app.example.com/cb"], AccessTokenValidity=2,
        TokenValidityUnits={"AccessToken": "hours"},
    )["UserPoolClient"]
    assert created["ClientSecret"] and created["AccessTokenValidity"] == 2
    client = UserPoolClient.objects.get(pk=created["ClientId"])
    assert pools.check_client_secret(client, created["ClientSecret"]) and client.validity("AccessToken").total_seconds() == 7200
    described = admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])["UserPoolClient"]
    assert "ClientSecret" not in described and described["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]
    updated = admin.update_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"], ClientName="web2", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["UserPoolClient"]
    assert updated["ClientName"] == "web2" and updated["CallbackURLs"] == [] and updated["AllowedOAuthFlows"] == []
    with pytest.raises(ClientError) as excinfo:
        admin.update_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"], CallbackURLs=["http://evil.example.com/cb"])
    assert _code(excinfo) == "InvalidParameterException"
    with pytest.raises(ClientError) as excinfo:
        admin.create_user_pool_client(UserPoolId=pool_id, ClientName="x", AllowedOAuthScopes=["api/write"])
    assert _code(excinfo) == "ScopeDoesNotExistException"
    assert [c["ClientName"] for c in admin.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"]] == ["web2"]
    admin.delete_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])
    assert not UserPoolClient.objects.filter(pk=created["ClientId"]).exists()


def test_resource_servers_and_domains(admin):
    pool_id = admin.create_user_pool(PoolName="Apis")["UserPool"]["Id"]
    admin.create_resource_server(UserPoolId=pool_id, Identifier="https://api.example.com", Name="API", Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}])
    server = admin.describe_resource_server(UserPoolId=pool_id, Identifier="https://api.example.com")["ResourceServer"]
    assert server["Scopes"] == [{"ScopeName": "read", "ScopeDescription": "Read"}]
    admin.update_resource_server(UserPoolId=pool_id, Identifier="https://api.example.com", Name="API v2", Scopes=[{"ScopeName": "write", "ScopeDescription": "Write"}])
    listed = admin.list_resource_servers(UserPoolId=pool_id, MaxResults=10)["ResourceServers"]
    assert [s["Name"] for s in listed] == ["API v2"]
    admin.delete_resource_server(UserPoolId=pool_id, Identifier="https://api.example.com")
    with pytest.raises(ClientError) as excinfo:
        admin.describe_resource_server(UserPoolId=pool_id, Identifier="https://api.example.com")
    assert _code(excinfo) == "ResourceNotFoundException"
    admin.create_user_pool_domain(UserPoolId=pool_id, Domain="auth.shop.example.com")
    assert admin.describe_user_pool_domain(Domain="auth.shop.example.com")["DomainDescription"]["UserPoolId"] == pool_id
    assert admin.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Domain"] == "auth.shop.example.com"
    admin.delete_user_pool_domain(UserPoolId=pool_id, Domain="auth.shop.example.com")
    assert admin.describe_user_pool_domain(Domain="auth.shop.example.com")["DomainDescription"] == {}


def test_unknown_pool(admin):
    with pytest.raises(ClientError) as excinfo:
        admin.describe_user_pool(UserPoolId="local_missing00")
    assert _code(excinfo) == "ResourceNotFoundException"
