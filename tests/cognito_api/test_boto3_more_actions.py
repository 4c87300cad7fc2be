"""The actions the other boto3 suites leave out, each with its success and a Cognito error name."""
import re

import pytest
from botocore.exceptions import ClientError

from identity.models import User
from identity.services import signup, users
from tests import factories

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def api_pool(transactional_db):
    return factories.create_pool(auto_verified_attributes=["email"])


@pytest.fixture
def app(api_pool):
    return factories.create_client(pool=api_pool, explicit_auth_flows=[
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


def _code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def _mailed_code(mailoutbox) -> str:
    return re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)


def _sign_in(idp, app, username, password=PASSWORD) -> dict:
    return idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": username, "PASSWORD": password})["AuthenticationResult"]


def test_resend_confirmation_code(idp, app, mailoutbox):
    idp.sign_up(ClientId=app.client_id, Username="ana", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "ana@example.com"}])
    sent = idp.resend_confirmation_code(ClientId=app.client_id, Username="ana")["CodeDeliveryDetails"]
    assert sent["DeliveryMedium"] == "EMAIL" and sent["AttributeName"] == "email" and len(mailoutbox) == 2
    idp.confirm_sign_up(ClientId=app.client_id, Username="ana", ConfirmationCode=_mailed_code(mailoutbox))
    with pytest.raises(ClientError) as excinfo:
        idp.resend_confirmation_code(ClientId=app.client_id, Username="ana")
    assert _code(excinfo) == "InvalidParameterException"


def test_verify_an_attribute_with_a_code(idp, api_pool, app, mailoutbox):
    factories.create_user(pool=api_pool, username="bea", attributes={"email": "bea@example.com", "email_verified": "false"})
    token = _sign_in(idp, app, "bea")["AccessToken"]
    sent = idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")["CodeDeliveryDetails"]
    assert sent["DeliveryMedium"] == "EMAIL"
    code = _mailed_code(mailoutbox)
    with pytest.raises(ClientError) as excinfo:
        idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code="000000" if code != "000000" else "111111")
    assert _code(excinfo) == "CodeMismatchException"
    idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    attributes = {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=token)["UserAttributes"]}
    assert attributes["email_verified"] == "true"
    with pytest.raises(ClientError) as excinfo:
        idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="phone_number")
    assert _code(excinfo) == "InvalidParameterException"


def test_delete_attributes_and_the_user(idp, api_pool, app):
    factories.create_user(pool=api_pool, username="cy", attributes={"given_name": "Cy", "email": "cy@example.com", "email_verified": "true"})
    token = _sign_in(idp, app, "cy")["AccessToken"]
    idp.delete_user_attributes(AccessToken=token, UserAttributeNames=["given_name"])
    assert "given_name" not in {a["Name"] for a in idp.get_user(AccessToken=token)["UserAttributes"]}
    with pytest.raises(ClientError) as excinfo:
        idp.delete_user_attributes(AccessToken=token, UserAttributeNames=["custom:nothing"])
    assert _code(excinfo) == "InvalidParameterException"
    idp.delete_user(AccessToken=token)
    assert not User.objects.filter(pool=api_pool, username="cy").exists()
    with pytest.raises(ClientError) as excinfo:
        idp.delete_user(AccessToken=token)
    assert _code(excinfo) == "NotAuthorizedException"


def test_get_tokens_from_refresh_token_rotates(idp, api_pool, app):
    factories.create_user(pool=api_pool, username="dee")
    first = _sign_in(idp, app, "dee")["RefreshToken"]
    fresh = idp.get_tokens_from_refresh_token(ClientId=app.client_id, RefreshToken=first)["AuthenticationResult"]
    assert fresh["AccessToken"] and fresh["IdToken"] and fresh["RefreshToken"] != first
    assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "dee"
    with pytest.raises(ClientError) as excinfo:
        idp.get_tokens_from_refresh_token(ClientId=app.client_id, RefreshToken="not-a-refresh-token")
    assert _code(excinfo) == "NotAuthorizedException"


def test_admin_respond_to_auth_challenge(signed_idp, api_pool, app):
    users.admin_create_user(pool=api_pool, username="eve", temporary_password="Temp-Passw0rd!", message_action="SUPPRESS")
    challenge = signed_idp.admin_initiate_auth(UserPoolId=api_pool.id, ClientId=app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                               AuthParameters={"USERNAME": "eve", "PASSWORD": "Temp-Passw0rd!"})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    other_pool_client = factories.create_client(pool=factories.create_pool())
    with pytest.raises(ClientError) as excinfo:
        signed_idp.admin_respond_to_auth_challenge(UserPoolId=api_pool.id, ClientId=other_pool_client.client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                                                   Session=challenge["Session"], ChallengeResponses={"USERNAME": "eve", "NEW_PASSWORD": "Chosen-Passw0rd!"})
    assert _code(excinfo) == "InvalidParameterException"
    done = signed_idp.admin_respond_to_auth_challenge(UserPoolId=api_pool.id, ClientId=app.client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                                                      Session=challenge["Session"], ChallengeResponses={"USERNAME": "eve", "NEW_PASSWORD": "Chosen-Passw0rd!"})
    assert done["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as excinfo:
        signed_idp.admin_respond_to_auth_challenge(UserPoolId=api_pool.id, ClientId=app.client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                                                   Session=challenge["Session"], ChallengeResponses={"USERNAME": "eve", "NEW_PASSWORD": "Other-Passw0rd!"})
    assert _code(excinfo) == "NotAuthorizedException"


def test_admin_reset_password_and_confirm_sign_up(idp, signed_idp, api_pool, app, mailoutbox):
    factories.create_user(pool=api_pool, username="fay", attributes={"email": "fay@example.com", "email_verified": "true"})
    signed_idp.admin_reset_user_password(UserPoolId=api_pool.id, Username="fay")
    assert signed_idp.admin_get_user(UserPoolId=api_pool.id, Username="fay")["UserStatus"] == "RESET_REQUIRED"
    with pytest.raises(ClientError) as excinfo:
        _sign_in(idp, app, "fay")
    assert _code(excinfo) == "PasswordResetRequiredException"
    with pytest.raises(ClientError) as excinfo:
        signed_idp.admin_reset_user_password(UserPoolId=api_pool.id, Username="nobody")
    assert _code(excinfo) == "UserNotFoundException"
    signup.sign_up(pool=api_pool, client=app, username="gus", password=PASSWORD, attributes={"email": "gus@example.com"})
    signed_idp.admin_confirm_sign_up(UserPoolId=api_pool.id, Username="gus")
    assert signed_idp.admin_get_user(UserPoolId=api_pool.id, Username="gus")["UserStatus"] == "CONFIRMED"
    with pytest.raises(ClientError) as excinfo:
        signed_idp.admin_confirm_sign_up(UserPoolId=api_pool.id, Username="gus")
    assert _code(excinfo) == "NotAuthorizedException"


def test_admin_delete_attributes_and_global_sign_out(idp, signed_idp, api_pool, app):
    factories.create_user(pool=api_pool, username="hal", attributes={"nickname": "H", "email": "hal@example.com", "email_verified": "true"})
    tokens = _sign_in(idp, app, "hal")
    signed_idp.admin_delete_user_attributes(UserPoolId=api_pool.id, Username="hal", UserAttributeNames=["nickname"])
    names = {a["Name"] for a in signed_idp.admin_get_user(UserPoolId=api_pool.id, Username="hal")["UserAttributes"]}
    assert "nickname" not in names and "email" in names
    with pytest.raises(ClientError) as excinfo:
        signed_idp.admin_delete_user_attributes(UserPoolId=api_pool.id, Username="nobody", UserAttributeNames=["nickname"])
    assert _code(excinfo) == "UserNotFoundException"
    signed_idp.admin_user_global_sign_out(UserPoolId=api_pool.id, Username="hal")
    for call in (lambda: idp.get_user(AccessToken=tokens["AccessToken"]),
                 lambda: idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _code(excinfo) == "NotAuthorizedException"
    with pytest.raises(ClientError) as excinfo:
        signed_idp.admin_user_global_sign_out(UserPoolId=api_pool.id, Username="nobody")
    assert _code(excinfo) == "UserNotFoundException"
