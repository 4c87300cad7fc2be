"""Each trigger point builds Cognito's event JSON and reads its answer, with in-process Python targets."""
from __future__ import annotations

import pytest

from identity import triggers
from identity.errors import InvalidLambdaResponseException, UserLambdaValidationException
from identity.models import TriggerInvocation, User
from identity.services import triggers_config
from identity.triggers import ChallengeResult
from tests import factories
from tests.identity import triggers_support as support

RECORD = "python:tests.identity.triggers_support.record"
COMMON_KEYS = {"version", "triggerSource", "region", "userPoolId", "userName", "callerContext", "request", "response"}


@pytest.fixture(autouse=True)
def _clean_handlers():
    support.reset()
    yield
    support.reset()


def with_triggers(pool, **config):
    return triggers_config.set_lambda_config(pool=pool, lambda_config=config)


def last_event() -> dict:
    assert len(support.events) == 1, support.events
    return support.events[-1]


def test_no_trigger_is_a_no_op_without_queries(pool, user, client_app, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert triggers.pre_sign_up(pool=pool, user=User(pool=pool, username="x")) == triggers.PreSignUpOutcome()
        triggers.pre_authentication(pool=pool, user=user, client=client_app)
        assert triggers.pre_token_generation(pool=pool, client=client_app, user=user, source="TokenGeneration_Authentication") is triggers.NO_CHANGES
        assert triggers.user_migration(pool=pool, username="legacy", source="UserMigration_Authentication", password="pw") is None
        assert triggers.custom_message(pool=pool, user=user, source="CustomMessage_SignUp") is None
        assert triggers.custom_email_sender(pool=pool, user=user, source="CustomEmailSender_SignUp", code="123456") is False
    assert not support.events


def test_pre_sign_up_event_and_auto_confirm(pool, client_app, settings):
    settings.USERPOOLS_REGION = "eu-west-1"
    pool = with_triggers(pool, PreSignUp=RECORD)
    support.answer.update(autoConfirmUser=True, autoVerifyEmail=True, autoVerifyPhone=True)
    newcomer = User(pool=pool, username="ana", attributes={"email": "ana@example.com"})
    outcome = triggers.pre_sign_up(
        pool=pool, user=newcomer, client=client_app, validation_data={"captcha": "ok"}, client_metadata={"app": "web"},
    )
    # autoVerifyPhone is dropped: the user has no phone number to verify.
    assert outcome == triggers.PreSignUpOutcome(auto_confirm=True, auto_verify_email=True, auto_verify_phone=False)
    event = last_event()
    assert set(event) == COMMON_KEYS
    assert event["version"] == "1" and event["triggerSource"] == "PreSignUp_SignUp" and event["region"] == "eu-west-1"
    assert event["userPoolId"] == pool.id and event["userName"] == "ana"
    assert event["callerContext"] == {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_app.client_id}
    assert event["request"] == {
        "userAttributes": {"email": "ana@example.com"}, "validationData": {"captcha": "ok"}, "clientMetadata": {"app": "web"},
    }
    assert event["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


def test_a_stored_users_attributes_carry_sub_and_status(pool, user, client_app):
    pool = with_triggers(pool, PostConfirmation=RECORD)
    triggers.post_confirmation(pool=pool, user=user, client=client_app, source="PostConfirmation_ConfirmForgotPassword")
    event = last_event()
    assert event["triggerSource"] == "PostConfirmation_ConfirmForgotPassword" and event["response"] == {}
    assert event["request"]["userAttributes"] == {
        "sub": str(user.sub), "email": "alice@example.com", "email_verified": "true", "cognito:user_status": "CONFIRMED",
    }


def test_pre_authentication_denies_with_the_handlers_message(pool, user, client_app):
    pool = with_triggers(pool, PreAuthentication="python:tests.identity.triggers_support.fail")
    with pytest.raises(UserLambdaValidationException) as caught:
        triggers.pre_authentication(pool=pool, user=user, client=client_app)
    assert caught.value.message == "PreAuthentication failed with error Sign-ups from this domain are closed."
    row = TriggerInvocation.objects.get(pool=pool)
    assert (row.outcome, row.target_kind, row.trigger_source) == ("rejected", "python", "PreAuthentication_Authentication")
    assert row.error_message == "Sign-ups from this domain are closed"


def test_pre_authentication_for_an_unknown_user(pool, client_app):
    pool = with_triggers(pool, PreAuthentication=RECORD)
    triggers.pre_authentication(pool=pool, user=None, username="ghost", user_not_found=True, client=client_app)
    event = last_event()
    assert event["userName"] == "ghost"
    assert event["request"] == {"userAttributes": {}, "validationData": None, "userNotFound": True}


def test_post_authentication_event(pool, user, client_app):
    pool = with_triggers(pool, PostAuthentication=RECORD)
    triggers.post_authentication(pool=pool, user=user, client=client_app, new_device_used=True)
    event = last_event()
    assert event["triggerSource"] == "PostAuthentication_Authentication"
    assert event["request"]["newDeviceUsed"] is True and event["response"] == {}


def test_custom_auth_three_handlers(pool, user, client_app):
    pool = with_triggers(pool, DefineAuthChallenge=RECORD, CreateAuthChallenge=RECORD, VerifyAuthChallengeResponse=RECORD)
    support.answer.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    defined = triggers.define_auth_challenge(pool=pool, user=user, client=client_app, session=[ChallengeResult("SRP_A", True)])
    assert defined == triggers.DefineAuthChallengeOutcome(challenge_name="CUSTOM_CHALLENGE")
    event = support.events[-1]
    assert event["request"]["session"] == [{"challengeName": "SRP_A", "challengeResult": True}]
    assert event["response"] == {"challengeName": None, "issueTokens": None, "failAuthentication": None}

    support.answer.clear()
    support.answer.update(publicChallengeParameters={"question": "2+2?"}, privateChallengeParameters={"answer": "4"}, challengeMetadata="MATHS")
    created = triggers.create_auth_challenge(pool=pool, user=user, challenge_name="CUSTOM_CHALLENGE", client=client_app)
    assert created == triggers.CreateAuthChallengeOutcome({"question": "2+2?"}, {"answer": "4"}, "MATHS")
    assert support.events[-1]["request"]["challengeName"] == "CUSTOM_CHALLENGE"
    assert support.events[-1]["response"] == {"publicChallengeParameters": None, "privateChallengeParameters": None, "challengeMetadata": None}

    support.answer.clear()
    support.answer.update(answerCorrect=True)
    assert triggers.verify_auth_challenge_response(
        pool=pool, user=user, private_challenge_parameters={"answer": "4"}, challenge_answer="4", client=client_app,
    ) is True
    request = support.events[-1]["request"]
    assert request["privateChallengeParameters"] == {"answer": "4"} and request["challengeAnswer"] == "4"
    assert support.events[-1]["response"] == {"answerCorrect": None}


def test_define_auth_challenge_must_decide_something(pool, user):
    pool = with_triggers(pool, DefineAuthChallenge=RECORD)
    support.answer.update(challengeName="MADE_UP")
    with pytest.raises(InvalidLambdaResponseException):
        triggers.define_auth_challenge(pool=pool, user=user)
    assert TriggerInvocation.objects.get(pool=pool).outcome == "invalid_response"


def test_user_migration_carries_the_password_but_never_logs_it(pool, client_app):
    pool = with_triggers(pool, UserMigration=RECORD)
    support.answer.update(userAttributes={"email": "old@example.com", "email_verified": "true"}, finalUserStatus="CONFIRMED", messageAction="SUPPRESS")
    outcome = triggers.user_migration(pool=pool, username="old", source="UserMigration_Authentication", password="legacy-Pa55", client=client_app)
    assert outcome.attributes == {"email": "old@example.com", "email_verified": "true"}
    assert (outcome.final_user_status, outcome.message_action) == ("CONFIRMED", "SUPPRESS")
    event = last_event()
    assert event["request"] == {"validationData": None, "password": "legacy-Pa55"}
    assert set(event["response"]) == {"userAttributes", "forceAliasCreation", "enableSMSMFA", "finalUserStatus", "messageAction", "desiredDeliveryMediums"}
    row = TriggerInvocation.objects.get(pool=pool)
    assert "legacy-Pa55" not in str(row.__dict__)


def test_user_migration_for_forgot_password_has_no_password_and_ends_reset_required(pool):
    pool = with_triggers(pool, UserMigration=RECORD)
    support.answer.update(userAttributes={"email": "old@example.com"}, finalUserStatus="CONFIRMED")
    outcome = triggers.user_migration(pool=pool, username="old", source="UserMigration_ForgotPassword")
    assert outcome.final_user_status == "RESET_REQUIRED"
    assert "password" not in last_event()["request"]


def test_user_migration_without_attributes_migrates_nobody(pool):
    pool = with_triggers(pool, UserMigration=RECORD)
    assert triggers.user_migration(pool=pool, username="nobody", source="UserMigration_Authentication", password="x") is None


def test_custom_message_keeps_placeholders_and_needs_the_code(pool, user):
    pool = with_triggers(pool, CustomMessage=RECORD)
    support.answer.update(emailSubject="Welcome!", emailMessage="Your code: {####}", smsMessage="no code here")
    outcome = triggers.custom_message(pool=pool, user=user, source="CustomMessage_SignUp")
    # The text message lacks {####}: the pool's own template stays in use for it.
    assert outcome == triggers.CustomMessageOutcome(email_subject="Welcome!", email_message="Your code: {####}", sms_message=None)
    event = last_event()
    assert event["request"]["codeParameter"] == "{####}" and event["request"]["usernameParameter"] is None
    assert event["response"] == {"smsMessage": None, "emailMessage": None, "emailSubject": None}


def test_custom_message_for_an_invitation_needs_the_username(pool, user):
    pool = with_triggers(pool, CustomMessage=RECORD)
    support.answer.update(emailMessage="Code {####}", smsMessage="{username}: {####}")
    outcome = triggers.custom_message(pool=pool, user=user, source="CustomMessage_AdminCreateUser", username_parameter="{username}")
    assert outcome.email_message is None and outcome.sms_message == "{username}: {####}"


def test_inbound_federation_event(pool):
    pool = with_triggers(pool, InboundFederation={"LambdaVersion": "V1_0", "LambdaArn": RECORD})
    support.answer.update(userAttributesToMap={"email": "x@example.com"})
    mapped = triggers.inbound_federation(
        pool=pool, username="Google_123", provider_name="Google", provider_type="Google",
        attributes={"idToken": {"email": "x@example.com"}},
    )
    assert mapped == {"email": "x@example.com"}
    event = last_event()
    assert event["triggerSource"] == "InboundFederation_ExternalProvider"
    assert event["request"] == {"providerName": "Google", "providerType": "Google", "attributes": {"idToken": {"email": "x@example.com"}}}
    assert event["response"] == {"userAttributesToMap": {}}


def test_the_lambda_context(pool, user):
    pool = with_triggers(pool, PostAuthentication=RECORD)
    triggers.post_authentication(pool=pool, user=user)
    context = support.contexts[-1]
    assert context.function_name == "tests.identity.triggers_support.record"
    assert len(context.aws_request_id) == 36 and 0 < context.get_remaining_time_in_millis() <= 5000


@pytest.mark.parametrize("answer", [None, {"response": "yes"}, {"no": "response"}])
def test_an_unrecognizable_answer(pool, user, answer, monkeypatch):
    pool = with_triggers(pool, PostAuthentication=RECORD)
    monkeypatch.setattr(support, "record", lambda event, context: answer)
    triggers_config.load_callable.cache_clear()
    try:
        with pytest.raises(InvalidLambdaResponseException, match="Unrecognizable lambda output"):
            triggers.post_authentication(pool=pool, user=user)
    finally:
        triggers_config.load_callable.cache_clear()


def test_a_wrongly_typed_field(pool):
    pool = with_triggers(pool, PreSignUp=RECORD)
    support.answer.update(autoConfirmUser="yes")
    with pytest.raises(InvalidLambdaResponseException, match="autoConfirmUser must be a bool"):
        triggers.pre_sign_up(pool=pool, user=User(pool=pool, username="x"))


def test_invoke_is_the_general_entry_point(pool, client_app):
    pool = with_triggers(pool, PreSignUp=RECORD)
    support.answer.update(autoConfirmUser=True)
    response = triggers.invoke(pool, "PreSignUp_AdminCreateUser", "bob", {"userAttributes": {}}, client_app.client_id)
    assert response["autoConfirmUser"] is True
    assert last_event()["triggerSource"] == "PreSignUp_AdminCreateUser"
    assert triggers.invoke(factories.create_pool(), "PreSignUp_SignUp", "bob", {}) == {
        "autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False,
    }


def test_an_unknown_source_is_a_programming_error(pool, user):
    pool = with_triggers(pool, PostConfirmation=RECORD)
    with pytest.raises(ValueError):
        triggers.post_confirmation(pool=pool, user=user, source="PostConfirmation_Whatever")
