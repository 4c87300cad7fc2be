"""One refused call per action, answered with Cognito's error name, a name Cognito's own model lists for that action."""
import botocore.session
import pytest
from botocore.exceptions import ClientError

from identity import crypto
from identity.services import groups, pools
from tests import factories

MODEL = botocore.session.get_session().get_service_model("cognito-idp")
MISSING_POOL = "local_missing000"
WEAK = "weak"
PUBLIC = {"ForgotPassword", "ConfirmForgotPassword", "ChangePassword", "UpdateUserAttributes", "GlobalSignOut", "RevokeToken"}


@pytest.fixture
def world(transactional_db):
    pool = factories.create_pool()
    pools.add_custom_attributes(pool=pool, custom_attributes=[{"Name": "team", "AttributeDataType": "String"}])
    client = factories.create_client(pool=pool, secret=True, explicit_auth_flows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    public = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    factories.create_user(pool=pool, username="nomail")
    groups.create_group(pool=pool, name="staff")
    pools.create_resource_server(pool=pool, identifier="api", name="API", scopes=[])
    other = factories.create_pool()
    pools.create_user_pool_domain(pool=other, domain="auth.other.example.com")
    return {"pool": pool.id, "client": client, "public": public}


def _token(idp, world) -> str:
    return idp.initiate_auth(ClientId=world["public"].client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "ana", "PASSWORD": factories.DEFAULT_PASSWORD})["AuthenticationResult"]["AccessToken"]


# (action, expected error, arguments from the world; the unsigned client is used for the public actions)
CASES = [
    ("ForgotPassword", "InvalidParameterException", lambda w, t: {"ClientId": w["public"].client_id, "Username": "nomail"}),
    ("ConfirmForgotPassword", "ExpiredCodeException", lambda w, t: {"ClientId": w["public"].client_id, "Username": "ana", "ConfirmationCode": "123456", "Password": "Fresh-Passw0rd!"}),
    ("ChangePassword", "NotAuthorizedException", lambda w, t: {"AccessToken": t(), "PreviousPassword": "Wrong-Passw0rd!", "ProposedPassword": "Fresh-Passw0rd!"}),
    ("UpdateUserAttributes", "InvalidParameterException", lambda w, t: {"AccessToken": t(), "UserAttributes": [{"Name": "custom:nope", "Value": "x"}]}),
    ("GlobalSignOut", "NotAuthorizedException", lambda w, t: {"AccessToken": "not-a-token"}),
    ("RevokeToken", "UnauthorizedException", lambda w, t: {"ClientId": w["client"].client_id, "ClientSecret": "x" * 40, "Token": "x"}),
    ("AdminCreateUser", "UsernameExistsException", lambda w, t: {"UserPoolId": w["pool"], "Username": "ana", "MessageAction": "SUPPRESS"}),
    ("AdminDeleteUser", "UserNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "Username": "nobody"}),
    ("AdminDisableUser", "UserNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "Username": "nobody"}),
    ("AdminEnableUser", "UserNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "Username": "nobody"}),
    ("AdminSetUserPassword", "InvalidPasswordException", lambda w, t: {"UserPoolId": w["pool"], "Username": "ana", "Password": WEAK + "weak", "Permanent": True}),
    ("AdminUpdateUserAttributes", "UserNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "Username": "nobody", "UserAttributes": [{"Name": "name", "Value": "N"}]}),
    ("AdminAddUserToGroup", "ResourceNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "Username": "ana", "GroupName": "nogroup"}),
    ("AdminRemoveUserFromGroup", "UserNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "Username": "nobody", "GroupName": "staff"}),
    ("AdminListGroupsForUser", "UserNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "Username": "nobody"}),
    ("ListUsersInGroup", "ResourceNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "GroupName": "nogroup"}),
    ("UpdateGroup", "ResourceNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "GroupName": "nogroup", "Description": "x"}),
    ("DeleteGroup", "ResourceNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "GroupName": "nogroup"}),
    ("CreateGroup", "ResourceNotFoundException", lambda w, t: {"UserPoolId": MISSING_POOL, "GroupName": "staff"}),
    ("ListGroups", "ResourceNotFoundException", lambda w, t: {"UserPoolId": MISSING_POOL}),
    ("AdminInitiateAuth", "NotAuthorizedException", lambda w, t: {"UserPoolId": w["pool"], "ClientId": w["client"].client_id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                                                                  "AuthParameters": {"USERNAME": "ana", "PASSWORD": "Wrong-Passw0rd!", "SECRET_HASH": _secret_hash(w["client"], "ana")}}),
    ("ListUserPools", "InvalidParameterException", lambda w, t: {"MaxResults": 10, "NextToken": "garbage"}),
    ("UpdateUserPool", "ResourceNotFoundException", lambda w, t: {"UserPoolId": MISSING_POOL}),
    ("DeleteUserPool", "ResourceNotFoundException", lambda w, t: {"UserPoolId": MISSING_POOL}),
    ("AddCustomAttributes", "InvalidParameterException", lambda w, t: {"UserPoolId": w["pool"], "CustomAttributes": [{"Name": "team", "AttributeDataType": "String"}]}),
    ("CreateUserPoolClient", "ResourceNotFoundException", lambda w, t: {"UserPoolId": MISSING_POOL, "ClientName": "web"}),
    ("DescribeUserPoolClient", "ResourceNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "ClientId": "nosuchclient"}),
    ("UpdateUserPoolClient", "ResourceNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "ClientId": "nosuchclient"}),
    ("DeleteUserPoolClient", "ResourceNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "ClientId": "nosuchclient"}),
    ("ListUserPoolClients", "ResourceNotFoundException", lambda w, t: {"UserPoolId": MISSING_POOL, "MaxResults": 10}),
    ("CreateResourceServer", "InvalidParameterException", lambda w, t: {"UserPoolId": w["pool"], "Identifier": "api", "Name": "Again"}),
    ("UpdateResourceServer", "ResourceNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "Identifier": "nope", "Name": "x"}),
    ("DeleteResourceServer", "ResourceNotFoundException", lambda w, t: {"UserPoolId": w["pool"], "Identifier": "nope"}),
    ("ListResourceServers", "ResourceNotFoundException", lambda w, t: {"UserPoolId": MISSING_POOL, "MaxResults": 10}),
    ("CreateUserPoolDomain", "InvalidParameterException", lambda w, t: {"UserPoolId": w["pool"], "Domain": "auth.other.example.com"}),
    ("DescribeUserPoolDomain", "InvalidParameterException", lambda w, t: {"Domain": "not a domain!"}),
    ("DeleteUserPoolDomain", "InvalidParameterException", lambda w, t: {"UserPoolId": w["pool"], "Domain": "auth.other.example.com"}),
]


def _secret_hash(client, username: str) -> str:
    return crypto.secret_hash(client_secret=client.plain_secret, username=username, client_id=client.client_id)


@pytest.mark.parametrize("action, expected, arguments", CASES, ids=[case[0] for case in CASES])
def test_refused_with_cognitos_error_name(idp, signed_idp, world, action, expected, arguments):
    assert expected in {shape.name for shape in MODEL.operation_model(action).error_shapes}, "not an error Cognito lists for this action"
    client = idp if action in PUBLIC else signed_idp
    method = getattr(client, botocore.xform_name(action))
    with pytest.raises(ClientError) as excinfo:
        method(**arguments(world, lambda: _token(idp, world)))
    assert excinfo.value.response["Error"]["Code"] == expected
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

