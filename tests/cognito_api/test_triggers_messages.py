"""CustomMessage and the custom senders over the Cognito API (boto3), in-process and as webhooks."""
from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail

from identity import messaging, triggers_senders, triggers_verify
from identity.models import User
from tests import factories
from tests.identity.trigger_handlers import clean_handlers, install, seen, sources, target  # noqa: F401 (fixtures)

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def pool(transactional_db):
    return factories.create_pool(auto_verified_attributes=["email"])


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH"], prevent_user_existence_errors="LEGACY")


@pytest.fixture(scope="module")
def key_pair():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return public_pem, private_pem


def sign_up(idp, app, username="ana", email="ana@example.com", **attributes):
    extra = [{"Name": k, "Value": v} for k, v in attributes.items()]
    return idp.sign_up(ClientId=app.client_id, Username=username, Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": email}, *extra])


def test_the_custom_message_carries_the_emailed_code(idp, pool, app, target):
    install(pool, CustomMessage=target("custom_message"))
    sign_up(idp, app)
    sent = mail.outbox[-1]
    assert sent.subject == "Acme: CustomMessage_SignUp"
    code = re.fullmatch(r"Hello ana, your Acme code is (\d{6})\.", sent.body).group(1)
    event = seen[-1]
    assert event["request"]["codeParameter"] == "{####}" and event["request"]["usernameParameter"] is None
    # The code in the custom message is the one that confirms the sign-up.
    idp.confirm_sign_up(ClientId=app.client_id, Username="ana", ConfirmationCode=code)
    assert User.objects.get(pool=pool, username="ana").status == "CONFIRMED"


def test_every_message_names_its_source(idp, signed_idp, pool, app):
    install(pool, CustomMessage="python:tests.identity.trigger_handlers.custom_message")
    sign_up(idp, app)
    idp.resend_confirmation_code(ClientId=app.client_id, Username="ana")
    factories.create_user(pool=pool, username="bea", attributes={"email": "bea@example.com", "email_verified": "true"})
    idp.forgot_password(ClientId=app.client_id, Username="bea")
    signed_idp.admin_create_user(UserPoolId=pool.id, Username="cid", UserAttributes=[{"Name": "email", "Value": "cid@example.com"}])
    access = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bea", "PASSWORD": PASSWORD})
    token = access["AuthenticationResult"]["AccessToken"]
    idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "email", "Value": "bea@new.example"}])
    idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert sources() == [
        "CustomMessage_SignUp", "CustomMessage_ResendCode", "CustomMessage_ForgotPassword", "CustomMessage_AdminCreateUser",
        "CustomMessage_UpdateUserAttribute", "CustomMessage_VerifyUserAttribute",
    ]
    assert [m.subject for m in mail.outbox][3] == "Welcome to Acme"
    invitation = mail.outbox[3].body
    assert invitation.startswith("Sign in as cid with ") and "{####}" not in invitation and "{username}" not in invitation
    assert seen[3]["request"]["usernameParameter"] == "{username}"


def test_an_mfa_code_message_is_authentication(idp, transactional_db, target):
    from identity.services import mfa, mfa_config

    pool = factories.create_pool()
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="OPTIONAL", email_enabled=True)
    pool.refresh_from_db()
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="dee", attributes={"email": "dee@example.com", "email_verified": "true"})
    mfa.set_user_mfa_preference(user=user, email={"Enabled": True})
    install(pool, CustomMessage=target("custom_message"))
    challenge = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "dee", "PASSWORD": PASSWORD})
    assert challenge["ChallengeName"] == "EMAIL_OTP" and sources() == ["CustomMessage_Authentication"]
    code = re.fullmatch(r"Hello dee, your Acme code is (\d{6})\.", mail.outbox[-1].body).group(1)
    done = idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="EMAIL_OTP", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "dee", "EMAIL_OTP_CODE": code})
    assert done["AuthenticationResult"]["AccessToken"]
    assert seen[-1]["callerContext"]["clientId"] == client.client_id  # the app signing in, as in Cognito's event


def test_every_sign_in_code_message_names_the_app_client(idp, transactional_db, target):
    """An MFA code chosen at SELECT_MFA_TYPE and a passwordless first-factor code: CustomMessage_Authentication
    events carry the client signing in, not CLIENT_ID_NOT_APPLICABLE."""
    from identity.services import mfa, mfa_config

    pool = factories.create_pool(allowed_first_auth_factors=["PASSWORD", "EMAIL_OTP"])
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="OPTIONAL", email_enabled=True, software_token_enabled=True)
    pool.refresh_from_db()
    client = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH"])
    user = factories.create_user(pool=pool, username="dee", attributes={"email": "dee@example.com", "email_verified": "true"})
    mfa.verify_software_token(user=user, code=_totp_now(mfa.associate_software_token(user=user)))
    mfa.set_user_mfa_preference(user=user, software_token={"Enabled": True, "PreferredMfa": False}, email={"Enabled": True})
    install(pool, CustomMessage=target("custom_message"))
    choose = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "dee", "PASSWORD": PASSWORD})
    assert choose["ChallengeName"] == "SELECT_MFA_TYPE" and seen == []
    emailed = idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="SELECT_MFA_TYPE", Session=choose["Session"],
                                            ChallengeResponses={"USERNAME": "dee", "ANSWER": "EMAIL_OTP"})
    assert emailed["ChallengeName"] == "EMAIL_OTP"
    passwordless = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_AUTH",
                                     AuthParameters={"USERNAME": "dee", "PREFERRED_CHALLENGE": "EMAIL_OTP"})
    assert passwordless["ChallengeName"] == "EMAIL_OTP"
    assert sources() == ["CustomMessage_Authentication", "CustomMessage_Authentication"]
    assert [event["callerContext"]["clientId"] for event in seen] == [client.client_id, client.client_id]


def _totp_now(secret: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).now()


def test_a_custom_email_sender_gets_the_code_encrypted_and_nothing_is_sent_by_us(idp, pool, app, target, key_pair):
    public_pem, private_pem = key_pair
    install(pool, CustomEmailSender={"LambdaVersion": "V1_0", "LambdaArn": target("custom_sender")}, KMSKeyID=public_pem)
    answer = sign_up(idp, app)
    assert answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert triggers_senders.wait_for_senders()
    assert mail.outbox == []  # the sender delivers it, not us
    event = seen[-1]
    assert event["triggerSource"] == "CustomEmailSender_SignUp" and event["request"]["type"] == "customEmailSenderRequestV1"
    code = triggers_verify.decrypt_code(event["request"]["code"], private_pem)
    assert re.fullmatch(r"\d{6}", code) and code not in event["request"]["code"]
    idp.confirm_sign_up(ClientId=app.client_id, Username="ana", ConfirmationCode=code)
    assert User.objects.get(pool=pool, username="ana").status == "CONFIRMED"


def test_a_custom_sms_sender_gets_the_forgot_password_code(idp, pool, app, key_pair, settings):
    settings.USERPOOLS_SMS_SENDER = "memory"
    messaging.MemorySmsSender.outbox.clear()
    public_pem, private_pem = key_pair
    factories.create_user(pool=pool, username="eve", attributes={"phone_number": "+15555550100", "phone_number_verified": "true"})
    install(pool, CustomSMSSender={"LambdaVersion": "V1_0", "LambdaArn": "python:tests.identity.trigger_handlers.custom_sender"}, KMSKeyID=public_pem)
    delivery = idp.forgot_password(ClientId=app.client_id, Username="eve")["CodeDeliveryDetails"]
    assert delivery["DeliveryMedium"] == "SMS"
    assert triggers_senders.wait_for_senders()
    assert messaging.MemorySmsSender.outbox == []
    event = seen[-1]
    assert event["triggerSource"] == "CustomSMSSender_ForgotPassword" and event["request"]["type"] == "customSMSSenderRequestV1"
    code = triggers_verify.decrypt_code(event["request"]["code"], private_pem)
    idp.confirm_forgot_password(ClientId=app.client_id, Username="eve", ConfirmationCode=code, Password="Brand-New-Passw0rd!")
