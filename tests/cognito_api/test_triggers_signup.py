"""PreSignUp and PostConfirmation over the Cognito API (boto3), each handler in-process and as a webhook."""
from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError
from django.core import mail

from identity.models import User
from tests import factories
from tests.identity.trigger_handlers import clean_handlers, install, seen, sources, target  # noqa: F401 (fixtures)

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def pool(transactional_db):
    return factories.create_pool(auto_verified_attributes=["email"])


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH"])


def error_of(caught) -> tuple[str, str]:
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def sign_up(idp, app, username, email, **extra):
    return idp.sign_up(
        ClientId=app.client_id, Username=username, Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}], **extra,
    )


def test_auto_confirm_confirms_and_verifies_and_sends_no_code(idp, pool, app, target):
    install(pool, PreSignUp=target("auto_confirm"))
    answer = sign_up(idp, app, "ana", "ana@example.com", ValidationData=[{"Name": "captcha", "Value": "ok"}])
    assert answer["UserConfirmed"] is True and "CodeDeliveryDetails" not in answer
    assert mail.outbox == []
    user = User.objects.get(pool=pool, username="ana")
    assert user.status == "CONFIRMED" and user.attributes["email_verified"] == "true"
    event = seen[-1]
    assert event["triggerSource"] == "PreSignUp_SignUp" and event["request"]["validationData"] == {"captcha": "ok"}
    # Confirmed by the trigger, the user signs in at once.
    tokens = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ana", "PASSWORD": PASSWORD})
    assert tokens["AuthenticationResult"]["IdToken"]


def test_without_auto_confirm_the_usual_code_is_sent(idp, pool, app, target):
    install(pool, PreSignUp=target("auto_confirm"))
    answer = sign_up(idp, app, "bea", "bea@elsewhere.example")
    assert answer["UserConfirmed"] is False and answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert len(mail.outbox) == 1
    assert User.objects.get(pool=pool, username="bea").status == "UNCONFIRMED"


def test_a_refusal_creates_no_user(idp, pool, app, target):
    install(pool, PreSignUp=target("auto_confirm"))
    with pytest.raises(ClientError) as caught:
        sign_up(idp, app, "cid", "cid@closed.example")
    assert error_of(caught) == ("UserLambdaValidationException", "PreSignUp failed with error Sign-ups from this domain are closed.")
    assert not User.objects.filter(pool=pool, username="cid").exists() and mail.outbox == []


def test_admin_create_user_runs_pre_sign_up_with_its_source(signed_idp, pool, target):
    install(pool, PreSignUp=target("auto_confirm"))
    created = signed_idp.admin_create_user(
        UserPoolId=pool.id, Username="dan", UserAttributes=[{"Name": "email", "Value": "dan@example.com"}], MessageAction="SUPPRESS",
    )["User"]
    assert created["UserStatus"] == "FORCE_CHANGE_PASSWORD"  # a temporary password still has to be changed
    assert {"Name": "email_verified", "Value": "true"} in created["Attributes"]
    assert sources() == ["PreSignUp_AdminCreateUser"]
    with pytest.raises(ClientError) as caught:
        signed_idp.admin_create_user(UserPoolId=pool.id, Username="eve", UserAttributes=[{"Name": "email", "Value": "eve@closed.example"}])
    assert error_of(caught)[0] == "UserLambdaValidationException"
    assert not User.objects.filter(pool=pool, username="eve").exists()


def confirm_with_emailed_code(idp, app, username):
    code = re.search(r"\d{6}", mail.outbox[-1].body).group()
    return idp.confirm_sign_up(ClientId=app.client_id, Username=username, ConfirmationCode=code)


def test_post_confirmation_runs_after_confirm_sign_up(idp, pool, app, target):
    install(pool, PostConfirmation=target("post_confirmation"))
    sign_up(idp, app, "fay", "fay@example.com")
    assert seen == []
    confirm_with_emailed_code(idp, app, "fay")
    event = seen[-1]
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert event["request"]["userAttributes"]["email_verified"] == "true"


def test_a_failing_post_confirmation_surfaces_and_the_user_stays_confirmed(idp, pool, app, target):
    install(pool, PostConfirmation=target("post_confirmation_fails"))
    sign_up(idp, app, "gus", "gus@example.com")
    with pytest.raises(ClientError) as caught:
        confirm_with_emailed_code(idp, app, "gus")
    assert error_of(caught) == ("UserLambdaValidationException", "PostConfirmation failed with error CRM is down.")
    assert User.objects.get(pool=pool, username="gus").status == "CONFIRMED"


def test_post_confirmation_after_a_password_reset(idp, pool, app, target):
    factories.create_user(pool=pool, username="hal", attributes={"email": "hal@example.com", "email_verified": "true"})
    install(pool, PostConfirmation=target("post_confirmation"))
    idp.forgot_password(ClientId=app.client_id, Username="hal")
    code = re.search(r"\d{6}", mail.outbox[-1].body).group()
    idp.confirm_forgot_password(ClientId=app.client_id, Username="hal", ConfirmationCode=code, Password="Another-Passw0rd!")
    assert sources() == ["PostConfirmation_ConfirmForgotPassword"]


def test_admin_confirm_sign_up_runs_post_confirmation(idp, signed_idp, pool, app, target):
    install(pool, PostConfirmation=target("post_confirmation"))
    sign_up(idp, app, "ivy", "ivy@example.com")
    signed_idp.admin_confirm_sign_up(UserPoolId=pool.id, Username="ivy")
    assert sources() == ["PostConfirmation_ConfirmSignUp"]
