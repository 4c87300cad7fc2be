"""The Cognito-compatible API driven by boto3, unchanged but for the endpoint."""
import base64
import hashlib
import hmac
import re

import pytest
import requests
from botocore.exceptions import ClientError

from tests import factories

PASSWORD = "Sup3r-secret!"


@pytest.fixture
def api_pool(transactional_db):
    return factories.create_pool()


@pytest.fixture
def app(api_pool):
    return factories.create_client(pool=api_pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


def _code(mailoutbox):
    return re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)


def _error(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_sign_up_confirm_sign_in_and_self_service(idp, app, mailoutbox):
    signed_up = idp.sign_up(ClientId=app.client_id, Username="ana", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "ana@example.com"}])
    assert signed_up["UserConfirmed"] is False and signed_up["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    idp.confirm_sign_up(ClientId=app.client_id, Username="ana", ConfirmationCode=_code(mailoutbox))
    result = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ana", "PASSWORD": PASSWORD})
    tokens = result["AuthenticationResult"]
    assert tokens["TokenType"] == "Bearer" and tokens["ExpiresIn"] == 3600 and tokens["RefreshToken"]
    me = idp.get_user(AccessToken=tokens["AccessToken"])
    attributes = {a["Name"]: a["Value"] for a in me["UserAttributes"]}
    assert me["Username"] == "ana" and attributes["email"] == "ana@example.com" and attributes["email_verified"] == "true"
    idp.update_user_attributes(AccessToken=tokens["AccessToken"], UserAttributes=[{"Name": "given_name", "Value": "Ana"}])
    idp.change_password(AccessToken=tokens["AccessToken"], PreviousPassword=PASSWORD, ProposedPassword="Fresh-Passw0rd!")
    refreshed = idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert "RefreshToken" not in refreshed["AuthenticationResult"] and refreshed["AuthenticationResult"]["IdToken"]
    idp.global_sign_out(AccessToken=tokens["AccessToken"])
    with pytest.raises(ClientError) as excinfo:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert _error(excinfo) == "NotAuthorizedException"


def test_errors_carry_cognitos_names(idp, app, mailoutbox):
    idp.sign_up(ClientId=app.client_id, Username="bob", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "b@example.com"}])
    cases = [
        (lambda: idp.sign_up(ClientId=app.client_id, Username="BOB", Password=PASSWORD), "UsernameExistsException"),
        (lambda: idp.sign_up(ClientId=app.client_id, Username="weak", Password="weakweak"), "InvalidPasswordException"),
        (lambda: idp.confirm_sign_up(ClientId=app.client_id, Username="bob", ConfirmationCode="000000" if _code(mailoutbox) != "000000" else "111111"), "CodeMismatchException"),
        (lambda: idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bob", "PASSWORD": PASSWORD}), "UserNotConfirmedException"),
        (lambda: idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bob", "PASSWORD": "Wrong-pass1"}), "NotAuthorizedException"),
        (lambda: idp.initiate_auth(ClientId="nope", AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bob", "PASSWORD": PASSWORD}), "ResourceNotFoundException"),
        (lambda: idp.get_user(AccessToken="not-a-token"), "NotAuthorizedException"),
    ]
    for call, expected in cases:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == expected, expected


def test_flows_the_client_does_not_allow(idp, api_pool):
    srp_only = factories.create_client(pool=api_pool, explicit_auth_flows=["ALLOW_USER_SRP_AUTH"])
    factories.create_user(pool=api_pool, username="cy")
    with pytest.raises(ClientError) as excinfo:
        idp.initiate_auth(ClientId=srp_only.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "cy", "PASSWORD": factories.DEFAULT_PASSWORD})
    assert _error(excinfo) == "InvalidParameterException"


def test_secret_hash_is_required_for_clients_with_a_secret(idp, api_pool, mailoutbox):
    client = factories.create_client(pool=api_pool, secret=True, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    secret_hash = lambda name: base64.b64encode(hmac.new(client.plain_secret.encode(), (name + client.client_id).encode(), hashlib.sha256).digest()).decode()  # noqa: E731
    with pytest.raises(ClientError) as excinfo:
        idp.sign_up(ClientId=client.client_id, Username="dee", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "d@example.com"}])
    assert _error(excinfo) == "NotAuthorizedException"
    idp.sign_up(ClientId=client.client_id, SecretHash=secret_hash("dee"), Username="dee", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "d@example.com"}])
    idp.confirm_sign_up(ClientId=client.client_id, SecretHash=secret_hash("dee"), Username="dee", ConfirmationCode=_code(mailoutbox))
    result = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "dee", "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash("dee")})
    refresh = result["AuthenticationResult"]["RefreshToken"]
    with pytest.raises(ClientError):
        idp.initiate_auth(ClientId=client.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})
    assert idp.initiate_auth(ClientId=client.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh, "SECRET_HASH": secret_hash("dee")})["AuthenticationResult"]


def test_temporary_password_then_new_password_required(idp, api_pool, app):
    from identity.services import users

    users.admin_create_user(pool=api_pool, username="temp", temporary_password="Temp-Passw0rd!", message_action="SUPPRESS")
    challenge = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "temp", "PASSWORD": "Temp-Passw0rd!"})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and len(challenge["Session"]) >= 20
    with pytest.raises(ClientError) as excinfo:
        idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"], ChallengeResponses={"USERNAME": "temp", "NEW_PASSWORD": "weak"})
    assert _error(excinfo) == "InvalidPasswordException"
    done = idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"], ChallengeResponses={"USERNAME": "temp", "NEW_PASSWORD": "Chosen-Passw0rd!"})
    assert done["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as excinfo:  # single use
        idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"], ChallengeResponses={"USERNAME": "temp", "NEW_PASSWORD": "Other-Passw0rd!"})
    assert _error(excinfo) == "NotAuthorizedException"


def test_forgot_password_and_token_revocation(idp, api_pool, app, mailoutbox):
    factories.create_user(pool=api_pool, username="eve", attributes={"email": "e@example.com", "email_verified": "true"})
    assert idp.forgot_password(ClientId=app.client_id, Username="eve")["CodeDeliveryDetails"]["Destination"] == "e***@e***"
    idp.confirm_forgot_password(ClientId=app.client_id, Username="eve", ConfirmationCode=_code(mailoutbox), Password="Fresh-Passw0rd!")
    tokens = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "eve", "PASSWORD": "Fresh-Passw0rd!"})["AuthenticationResult"]
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=app.client_id)
    with pytest.raises(ClientError) as excinfo:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert _error(excinfo) == "NotAuthorizedException"


def test_malformed_requests_get_cognito_errors_not_stack_traces(live_server):
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.SignUp"}
    broken = requests.post(live_server.url + "/", data="{not json", headers=headers, timeout=10)
    assert broken.status_code == 400 and broken.json()["__type"] == "SerializationException"
    unknown = requests.post(live_server.url + "/", data="{}", headers={**headers, "X-Amz-Target": "AWSCognitoIdentityProviderService.Nope"}, timeout=10)
    assert unknown.json()["__type"] == "UnknownOperationException"
    missing = requests.post(live_server.url + "/", data="{}", headers=headers, timeout=10)
    assert missing.status_code == 400 and missing.json()["__type"] == "InvalidParameterException"
    assert "Traceback" not in missing.text
