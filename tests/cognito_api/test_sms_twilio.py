"""Texts through the Twilio sender over boto3: the SMS_MFA code travels to a fake Twilio and answers the challenge.

When Twilio refuses or fails, the API says CodeDeliveryFailureException and leaves things as Cognito
does: no challenge to answer at sign-in, and a signed-up user who exists, UNCONFIRMED, to be sent the
code again.
"""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from identity.models import AuditEvent, AuthChallenge, User
from identity.services import mfa, mfa_config
from tests import factories
from tests.twilio_fake import ACCOUNT_SID, FROM_NUMBER, running_twilio, twilio_error, use_twilio

PASSWORD = factories.DEFAULT_PASSWORD
PHONE = "+15555550100"


@pytest.fixture
def twilio(settings):
    with running_twilio() as fake:
        use_twilio(settings, fake)
        yield fake


def _sms_pool(**over):
    pool = factories.create_pool(**over)
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="OPTIONAL", sms_enabled=True, sms_message="Your code is {####}")
    pool.refresh_from_db()
    return pool


def _sms_user(pool, username="cai"):
    user = factories.create_user(pool=pool, username=username, attributes={"phone_number": PHONE, "phone_number_verified": "true"})
    mfa.set_user_mfa_preference(user=user, sms={"Enabled": True, "PreferredMfa": True})
    return user


def _sign_in(idp, client, username="cai"):
    return idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})


def _error(call, *args, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_the_sms_mfa_code_goes_through_twilio_and_answers_the_challenge(idp, transactional_db, twilio):
    pool = _sms_pool()
    client = factories.create_client(pool=pool)
    _sms_user(pool)
    challenge = _sign_in(idp, client)
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******0100"
    (request,) = twilio.requests
    assert request.method == "POST" and request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.form["To"] == PHONE and request.form["From"] == FROM_NUMBER
    assert request.form["Body"].startswith("Your code is ")
    done = idp.respond_to_auth_challenge(
        ClientId=client.client_id, ChallengeName="SMS_MFA", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "cai", "SMS_MFA_CODE": twilio.latest_code(PHONE)},
    )
    assert done["AuthenticationResult"]["AccessToken"]
    assert idp.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["Username"] == "cai"


@pytest.mark.parametrize("failure", [
    (503, "<html>Service Unavailable</html>"),
    (400, twilio_error(21610, "Attempt to send to unsubscribed recipient", 400)),
])
def test_a_failed_mfa_text_leaves_no_challenge_then_a_retry_signs_in(idp, transactional_db, twilio, failure):
    pool = _sms_pool()
    client = factories.create_client(pool=pool)
    user = _sms_user(pool)
    twilio.fail_next(*failure)
    assert _error(_sign_in, idp, client) == ("CodeDeliveryFailureException", "Unable to deliver the message; try again later.")
    assert not AuthChallenge.objects.filter(user=user).exists()  # nothing half-started to answer
    event = AuditEvent.objects.get(user=user, event_type="CodeDeliveryFailure")
    assert event.details["provider_status"] == failure[0] and event.details["source"] == "Authentication"
    assert event.ip_address == "127.0.0.1"  # the caller's context reaches the audit trail
    # Twilio is back: the user simply signs in again.
    challenge = _sign_in(idp, client)
    done = idp.respond_to_auth_challenge(
        ClientId=client.client_id, ChallengeName="SMS_MFA", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "cai", "SMS_MFA_CODE": twilio.latest_code(PHONE)},
    )
    assert done["AuthenticationResult"]["IdToken"]


def test_a_sign_up_whose_text_failed_exists_and_can_be_confirmed_after_a_resend(idp, transactional_db, twilio):
    pool = factories.create_pool(auto_verified_attributes=["phone_number"])
    client = factories.create_client(pool=pool)
    twilio.invalid_numbers.add(PHONE)
    code, _message = _error(idp.sign_up, ClientId=client.client_id, Username="sam", Password=PASSWORD,
                            UserAttributes=[{"Name": "phone_number", "Value": PHONE}])
    assert code == "CodeDeliveryFailureException"
    # As Cognito: the account is there, UNCONFIRMED; the username is taken.
    assert User.objects.get(pool=pool, username="sam").status == User.Status.UNCONFIRMED
    assert _error(idp.sign_up, ClientId=client.client_id, Username="sam", Password=PASSWORD,
                  UserAttributes=[{"Name": "phone_number", "Value": PHONE}])[0] == "UsernameExistsException"
    twilio.invalid_numbers.clear()
    sent = idp.resend_confirmation_code(ClientId=client.client_id, Username="sam")["CodeDeliveryDetails"]
    assert sent == {"Destination": "+*******0100", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
    idp.confirm_sign_up(ClientId=client.client_id, Username="sam", ConfirmationCode=twilio.latest_code(PHONE))
    assert User.objects.get(pool=pool, username="sam").status == User.Status.CONFIRMED


def test_a_text_that_fails_after_select_mfa_type_is_not_a_wrong_answer(idp, transactional_db, twilio):
    """Choosing SMS at SELECT_MFA_TYPE while Twilio fails: CodeDeliveryFailureException, and the choice step is
    left as it was (not counted towards its attempts), so the user can choose again once Twilio is back."""
    from identity.services import signin

    pool = factories.create_pool()
    mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="OPTIONAL", sms_enabled=True, email_enabled=True,
                                        sms_message="Your code is {####}")
    pool.refresh_from_db()
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="cai", attributes={
        "phone_number": PHONE, "phone_number_verified": "true", "email": "cai@example.com", "email_verified": "true"})
    mfa.set_user_mfa_preference(user=user, sms={"Enabled": True}, email={"Enabled": True})
    choose = _sign_in(idp, client)
    assert choose["ChallengeName"] == "SELECT_MFA_TYPE"
    step = AuthChallenge.objects.get(user=user, challenge_name="SELECT_MFA_TYPE")

    def answer(choice):
        return idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="SELECT_MFA_TYPE", Session=choose["Session"],
                                             ChallengeResponses={"USERNAME": "cai", "ANSWER": choice})

    # More failed texts than the step allows wrong answers: none of them is the user's mistake.
    twilio.fail_next(503, "<html>Service Unavailable</html>", times=signin.MAX_CHALLENGE_ATTEMPTS)
    for _ in range(signin.MAX_CHALLENGE_ATTEMPTS):
        assert _error(answer, "SMS_MFA") == ("CodeDeliveryFailureException", "Unable to deliver the message; try again later.")
    step.refresh_from_db()
    assert step.consumed_at is None and "attempts" not in step.state
    assert AuditEvent.objects.filter(user=user, event_type="CodeDeliveryFailure").count() == signin.MAX_CHALLENGE_ATTEMPTS
    # A choice that is not offered is still a wrong answer, and counts.
    assert _error(answer, "SOFTWARE_TOKEN_MFA")[0] == "InvalidParameterException"
    step.refresh_from_db()
    assert step.state["attempts"] == 1
    # Twilio is back: the same Session chooses SMS again and the texted code signs in.
    texted = answer("SMS_MFA")
    assert texted["ChallengeName"] == "SMS_MFA"
    done = idp.respond_to_auth_challenge(
        ClientId=client.client_id, ChallengeName="SMS_MFA", Session=texted["Session"],
        ChallengeResponses={"USERNAME": "cai", "SMS_MFA_CODE": twilio.latest_code(PHONE)},
    )
    assert done["AuthenticationResult"]["AccessToken"]
