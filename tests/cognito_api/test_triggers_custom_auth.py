"""CUSTOM_AUTH over the Cognito API (boto3): a passwordless code defined by three handlers, in-process and as webhooks."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from identity.models import AuthChallenge
from tests import factories
from tests.identity import trigger_handlers
from tests.identity.trigger_handlers import clean_handlers, install, outbox, seen, sources, target  # noqa: F401 (fixtures)

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def pool(transactional_db):
    return factories.create_pool()


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@pytest.fixture
def ana(pool):
    return factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})


def three_handlers(pool, target):
    return install(
        pool, DefineAuthChallenge=target("define_auth_challenge"), CreateAuthChallenge=target("create_auth_challenge"),
        VerifyAuthChallengeResponse=target("verify_auth_challenge_response"),
    )


def answer(idp, app, started, value):
    return idp.respond_to_auth_challenge(
        ClientId=app.client_id, ChallengeName="CUSTOM_CHALLENGE", Session=started["Session"],
        ChallengeResponses={"USERNAME": "ana", "ANSWER": value},
    )


def test_a_passwordless_code_signs_in_after_a_wrong_one(idp, pool, app, ana, target):
    three_handlers(pool, target)
    started = idp.initiate_auth(ClientId=app.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "ana"})
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
    # The public parameters and USERNAME reach the client; the expected answer never does.
    assert started["ChallengeParameters"] == {"hint": "Enter the code we emailed you", "USERNAME": "ana"}
    assert outbox[-1]["to"] == "ana@example.com" and outbox[-1]["code"] not in str(started)
    assert AuthChallenge.objects.get(challenge_name="CUSTOM_CHALLENGE", consumed_at__isnull=True).state["private"] == {"answer": outbox[-1]["code"]}
    wrong = answer(idp, app, started, "000000" if outbox[-1]["code"] != "000000" else "111111")
    assert wrong["ChallengeName"] == "CUSTOM_CHALLENGE" and len(outbox) == 2  # Define asked for another round
    done = answer(idp, app, wrong, outbox[-1]["code"])
    assert done["AuthenticationResult"]["AccessToken"] and done["AuthenticationResult"]["RefreshToken"]
    assert idp.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["Username"] == "ana"
    assert sources() == [
        "DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse_Authentication", "DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse_Authentication", "DefineAuthChallenge_Authentication",
    ]
    final = seen[-1]["request"]["session"]
    assert [(s["challengeName"], s["challengeResult"], s["challengeMetadata"]) for s in final] == [
        ("CUSTOM_CHALLENGE", False, "CODE-1"), ("CUSTOM_CHALLENGE", True, "CODE-2"),
    ]
    # An answered step is over: its session cannot be answered again.
    with pytest.raises(ClientError) as caught:
        answer(idp, app, started, outbox[0]["code"])
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_three_wrong_answers_fail_the_sign_in(idp, pool, app, ana, target):
    three_handlers(pool, target)
    step = idp.initiate_auth(ClientId=app.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "ana"})
    for _ in range(2):
        step = answer(idp, app, step, "not-the-code")
    with pytest.raises(ClientError) as caught:
        answer(idp, app, step, "not-the-code")
    assert caught.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Incorrect username or password."}


def test_starting_with_srp(idp, pool, app, ana):
    three_handlers(pool, lambda name: f"python:tests.identity.trigger_handlers.{name}")
    helper = AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=app.client_id, client=idp)
    started = idp.initiate_auth(
        ClientId=app.client_id, AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": "ana", "CHALLENGE_NAME": "SRP_A", "SRP_A": format(helper.large_a_value, "x")},
    )
    assert started["ChallengeName"] == "PASSWORD_VERIFIER"
    assert seen[0]["request"]["session"] == [{"challengeName": "SRP_A", "challengeResult": True}]
    proof = helper.process_challenge(started["ChallengeParameters"], {"USERNAME": "ana"})
    custom = idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="PASSWORD_VERIFIER", Session=started["Session"], ChallengeResponses=proof)
    assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert [s["challengeName"] for s in seen[-2]["request"]["session"]] == ["SRP_A", "PASSWORD_VERIFIER"]
    done = answer(idp, app, custom, outbox[-1]["code"])
    assert done["AuthenticationResult"]["IdToken"]


def test_a_wrong_password_in_the_srp_step_fails(idp, pool, app, ana):
    three_handlers(pool, lambda name: f"python:tests.identity.trigger_handlers.{name}")
    helper = AWSSRP(username="ana", password="Wrong-Passw0rd!", pool_id=pool.id, client_id=app.client_id, client=idp)
    started = idp.initiate_auth(
        ClientId=app.client_id, AuthFlow="CUSTOM_AUTH",
        AuthParameters={"USERNAME": "ana", "CHALLENGE_NAME": "SRP_A", "SRP_A": format(helper.large_a_value, "x")},
    )
    proof = helper.process_challenge(started["ChallengeParameters"], {"USERNAME": "ana"})
    with pytest.raises(ClientError) as caught:
        idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="PASSWORD_VERIFIER", Session=started["Session"], ChallengeResponses=proof)
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException" and outbox == []


def test_admin_initiate_auth_runs_custom_auth_too(signed_idp, pool, app, ana):
    three_handlers(pool, lambda name: f"python:tests.identity.trigger_handlers.{name}")
    started = signed_idp.admin_initiate_auth(UserPoolId=pool.id, ClientId=app.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "ana"})
    done = signed_idp.admin_respond_to_auth_challenge(
        UserPoolId=pool.id, ClientId=app.client_id, ChallengeName="CUSTOM_CHALLENGE", Session=started["Session"],
        ChallengeResponses={"USERNAME": "ana", "ANSWER": outbox[-1]["code"]},
    )
    assert done["AuthenticationResult"]["AccessToken"]


def test_refusals(idp, pool, ana):
    without_flow = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH"])
    with pytest.raises(ClientError) as caught:
        idp.initiate_auth(ClientId=without_flow.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "ana"})
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    app = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_CUSTOM_AUTH"])
    with pytest.raises(ClientError) as caught:
        idp.initiate_auth(ClientId=app.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "ana"})
    assert caught.value.response["Error"] == {
        "Code": "InvalidParameterException", "Message": "Custom auth lambda trigger is not configured for the user pool.",
    }


def test_an_unknown_user_with_hidden_existence_reaches_the_handlers_as_not_found(idp, pool, app):
    three_handlers(pool, lambda name: f"python:tests.identity.trigger_handlers.{name}")
    started = idp.initiate_auth(ClientId=app.client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "ghost"})
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE" and seen[0]["request"]["userNotFound"] is True
    with pytest.raises(ClientError) as caught:
        idp.respond_to_auth_challenge(
            ClientId=app.client_id, ChallengeName="CUSTOM_CHALLENGE", Session=started["Session"],
            ChallengeResponses={"USERNAME": "ghost", "ANSWER": trigger_handlers.outbox[-1]["code"]},
        )
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"  # never tokens for nobody
