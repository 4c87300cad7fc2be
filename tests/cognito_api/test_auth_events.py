"""Auth events over boto3: listed with risk and context, feedback from the operator and from the user, a risky sign-in blocked."""
import pytest
from botocore.exceptions import ClientError

from identity.models import AuthEvent
from identity.services import risk
from tests import factories
from tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def setup(transactional_db):
    pool = factories.create_pool(threat_protection_mode="ENFORCED", risk_high_action="BLOCK", risk_high_notify=False)
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    return pool, client


def _sign_in(idp, client, password=DEFAULT_PASSWORD):
    return idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "ana", "PASSWORD": password})


def test_events_are_listed_with_feedback_and_invalid_feedback_blocks_that_device(idp, signed_idp, setup):
    pool, client = setup
    assert _sign_in(idp, client)["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError):
        _sign_in(idp, client, password="Wrong-Horse-1")
    listed = signed_idp.admin_list_user_auth_events(UserPoolId=pool.id, Username="ana")["AuthEvents"]
    assert [(e["EventType"], e["EventResponse"]) for e in listed] == [("SignIn", "Fail"), ("SignIn", "Pass")]
    passed = listed[1]
    assert passed["EventRisk"] == {"RiskDecision": "NoRisk", "CompromisedCredentialsDetected": False}
    assert passed["ChallengeResponses"] == [{"ChallengeName": "Password", "ChallengeResponse": "Success"}]
    assert passed["EventContextData"]["IpAddress"] == "127.0.0.1" and "Boto3" in passed["EventContextData"]["DeviceName"]

    signed_idp.admin_update_auth_event_feedback(UserPoolId=pool.id, Username="ana", EventId=passed["EventId"], FeedbackValue="Invalid")
    feedback = signed_idp.admin_list_user_auth_events(UserPoolId=pool.id, Username="ana")["AuthEvents"][1]["EventFeedback"]
    assert (feedback["FeedbackValue"], feedback["Provider"]) == ("Invalid", "Admin")

    with pytest.raises(ClientError) as caught:
        _sign_in(idp, client)  # the right password, from the device now marked as not the user's
    assert caught.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": risk.BLOCKED_MESSAGE}
    blocked = signed_idp.admin_list_user_auth_events(UserPoolId=pool.id, Username="ana", MaxResults=1)
    assert blocked["AuthEvents"][0]["EventRisk"]["RiskDecision"] == "Block" and blocked["AuthEvents"][0]["EventRisk"]["RiskLevel"] == "High"
    rest = signed_idp.admin_list_user_auth_events(UserPoolId=pool.id, Username="ana", MaxResults=2, NextToken=blocked["NextToken"])
    assert [e["EventResponse"] for e in rest["AuthEvents"]] == ["Fail", "Pass"]


def test_the_user_answers_with_the_token_from_the_email(idp, setup):
    pool, client = setup
    _sign_in(idp, client)
    event = AuthEvent.objects.get(user__username="ana")
    with pytest.raises(ClientError) as caught:
        idp.update_auth_event_feedback(UserPoolId=pool.id, Username="ana", EventId=str(event.event_id),
                                       FeedbackToken="forged", FeedbackValue="Valid")
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"
    idp.update_auth_event_feedback(UserPoolId=pool.id, Username="ana", EventId=str(event.event_id),
                                   FeedbackToken=risk.feedback_token(event), FeedbackValue="Valid")
    event.refresh_from_db()
    assert (event.feedback_value, event.feedback_provider) == ("Valid", "User")


def test_a_pool_without_threat_protection_says_so(signed_idp, transactional_db):
    pool = factories.create_pool()
    factories.create_user(pool=pool, username="ana")
    with pytest.raises(ClientError) as caught:
        signed_idp.admin_list_user_auth_events(UserPoolId=pool.id, Username="ana")
    assert caught.value.response["Error"]["Code"] == "UserPoolAddOnNotEnabledException"


def test_sign_up_resend_forgot_password_and_password_changes_are_auth_events(idp, signed_idp, transactional_db, mailoutbox):
    from tests.identity.directory_support import last_email_code

    pool = factories.create_pool(threat_protection_mode="AUDIT", auto_verified_attributes=["email"])
    client = factories.create_client(pool=pool)
    idp.sign_up(ClientId=client.client_id, Username="bo", Password=DEFAULT_PASSWORD, UserAttributes=[{"Name": "email", "Value": "bo@example.com"}])
    idp.resend_confirmation_code(ClientId=client.client_id, Username="bo")
    idp.confirm_sign_up(ClientId=client.client_id, Username="bo", ConfirmationCode=last_email_code(mailoutbox))
    idp.forgot_password(ClientId=client.client_id, Username="bo")
    idp.confirm_forgot_password(ClientId=client.client_id, Username="bo", ConfirmationCode=last_email_code(mailoutbox), Password="Another-horse-7")
    token = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "bo", "PASSWORD": "Another-horse-7"})["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError):
        idp.change_password(AccessToken=token, PreviousPassword="Wrong-horse-7", ProposedPassword="Third-horse-77")
    idp.change_password(AccessToken=token, PreviousPassword="Another-horse-7", ProposedPassword="Third-horse-77")
    listed = signed_idp.admin_list_user_auth_events(UserPoolId=pool.id, Username="bo")["AuthEvents"]
    assert [(e["EventType"], e["EventResponse"]) for e in reversed(listed)] == [
        ("SignUp", "Pass"), ("ResendCode", "Pass"), ("ForgotPassword", "Pass"), ("PasswordChange", "Pass"),
        ("SignIn", "Pass"), ("PasswordChange", "Fail"), ("PasswordChange", "Pass"),
    ]
    assert all(e["EventContextData"]["IpAddress"] == "127.0.0.1" and e["EventRisk"]["RiskDecision"] == "NoRisk" for e in listed)
