"""USER_AUTH for a client that hides who exists: an unknown name's replies are a real user's, field by field.

Cognito answers choice-based sign-in for an unknown name with a challenge of the pool's
(cognito-user-pool-managing-errors); we answer every name from the pool's settings alone, so a real
user who lacks a method (no passkey, no verified email or phone) and a name nobody has get the same
ChallengeName, AvailableChallenges, parameter names, USERNAME shape, options and masked destinations,
and nothing is sent. Compared over boto3 for a pool with plain usernames and one with email as the username.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest
from django.core import mail

from identity.messaging import MemorySmsSender
from tests import factories

FACTORS = ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]


@pytest.fixture(params=["plain usernames", "email as username"])
def case(request, transactional_db, live_server, settings):
    settings.USERPOOLS_BASE_URL = live_server.url
    settings.USERPOOLS_SMS_SENDER = "memory"
    MemorySmsSender.outbox.clear()
    email_pool = request.param == "email as username"
    pool = factories.create_pool(allowed_first_auth_factors=FACTORS, **({"username_attributes": ["email"]} if email_pool else {}))
    client = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    assert client.hides_user_existence  # the default, as in Cognito's console
    # A real user with a password only: no passkey, an email and a phone that are not verified.
    attributes = {"email": "kim@example.com", "phone_number": "+15555550123"}
    if email_pool:
        factories.create_user(pool=pool, username=str(uuid.uuid4()), attributes=attributes)
        return client, "kim@example.com", "nobody@example.com", email_pool
    factories.create_user(pool=pool, username="kim", attributes=attributes)
    return client, "kim", "nobody", email_pool


def _shape(reply: dict, typed: str, email_pool: bool) -> dict:
    """The reply with what must differ per request (session, challenge bytes) taken out and the rest kept."""
    parameters = dict(reply.get("ChallengeParameters", {}))
    shown = parameters.pop("USERNAME")
    if email_pool:
        assert uuid.UUID(shown) and shown != typed  # an internal id, as a real user's is
    else:
        assert shown == typed
    if "CREDENTIAL_REQUEST_OPTIONS" in parameters:
        options = json.loads(parameters.pop("CREDENTIAL_REQUEST_OPTIONS"))
        assert len(options.pop("challenge")) >= 43
        parameters["options"] = options
    if "CODE_DELIVERY_DESTINATION" in parameters:
        parameters["CODE_DELIVERY_DESTINATION"] = re.sub(r"[a-z0-9]", "x", parameters["CODE_DELIVERY_DESTINATION"].lower())
    assert reply["Session"]
    return {"ChallengeName": reply["ChallengeName"], "AvailableChallenges": reply.get("AvailableChallenges"), "parameters": parameters}


def _both(idp, client, known, unknown, email_pool, **extra):
    replies = [idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": name, **extra})
               for name in (known, unknown)]
    shapes = [_shape(reply, name, email_pool) for reply, name in zip(replies, (known, unknown))]
    assert shapes[0] == shapes[1]
    return replies, shapes[0]


def test_the_selection_is_the_pools_for_everyone(idp, case):
    client, known, unknown, email_pool = case
    _replies, shape = _both(idp, client, known, unknown, email_pool)
    assert shape["ChallengeName"] == "SELECT_CHALLENGE"
    assert shape["AvailableChallenges"] == ["WEB_AUTHN", "EMAIL_OTP", "SMS_OTP", "PASSWORD", "PASSWORD_SRP"]
    # the unknown name's made-up USERNAME is stable, as a real user's is
    again = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": unknown})
    first = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": unknown})
    assert again["ChallengeParameters"]["USERNAME"] == first["ChallengeParameters"]["USERNAME"]


@pytest.mark.parametrize("preferred", ["WEB_AUTHN", "EMAIL_OTP", "SMS_OTP"])
def test_a_preferred_method_the_user_lacks_is_begun_as_for_an_unknown_name_and_sends_nothing(idp, case, preferred):
    client, known, unknown, email_pool = case
    mail.outbox.clear()
    _replies, shape = _both(idp, client, known, unknown, email_pool, PREFERRED_CHALLENGE=preferred)
    assert shape["ChallengeName"] == preferred and shape["AvailableChallenges"] is None
    if preferred == "WEB_AUTHN":
        assert shape["parameters"]["options"].get("allowCredentials", []) == []  # no credential named, for anyone
        assert shape["parameters"]["options"]["rpId"] == "localhost"
    else:
        assert shape["parameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == ("EMAIL" if preferred == "EMAIL_OTP" else "SMS")
    assert mail.outbox == [] and MemorySmsSender.outbox == []


def test_a_preference_the_pool_does_not_offer_falls_back_to_the_same_selection(idp, case):
    client, known, unknown, email_pool = case
    _replies, shape = _both(idp, client, known, unknown, email_pool, PREFERRED_CHALLENGE="CUSTOM_CHALLENGE")
    assert shape["ChallengeName"] == "SELECT_CHALLENGE"


def test_choosing_from_the_selection_leads_to_the_same_step_and_the_same_refusal(idp, case):
    client, known, unknown, email_pool = case
    replies, _shape_ = _both(idp, client, known, unknown, email_pool)
    steps, errors = [], []
    for reply in replies:
        shown = reply["ChallengeParameters"]["USERNAME"]
        step = idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="SELECT_CHALLENGE", Session=reply["Session"],
                                             ChallengeResponses={"USERNAME": shown, "ANSWER": "EMAIL_OTP"})
        steps.append(_shape(step, shown, email_pool=False))
        with pytest.raises(idp.exceptions.CodeMismatchException) as caught:
            idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="EMAIL_OTP", Session=step["Session"],
                                          ChallengeResponses={"USERNAME": shown, "EMAIL_OTP_CODE": "123456"})
        errors.append(caught.value.response["Error"]["Message"])
    assert steps[0] == steps[1] and errors[0] == errors[1]
    assert mail.outbox == []
