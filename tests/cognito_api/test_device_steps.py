"""The device steps of a sign-in (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER) against a third party, over boto3,
and the auth event of a device sign-in."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP, long_to_hex

from identity import localcache
from identity.context import RequestContext
from identity.models import AuthChallenge, AuthEvent, UserPool
from identity.services import risk
from tests import factories
from tests.cognito_api.test_devices import (  # noqa: F401  (fixtures)
    PASSWORD, _first_sign_in, _pool, _remembered, _totp_user, moving_clock, pycognito_posts_here,
)


@pytest.fixture
def remembered(idp, pycognito_posts_here, transactional_db, moving_clock):
    """A pool that lets remembered devices skip MFA (a long lockout, were anything to count), ana's remembered device."""
    pool = _pool()
    UserPool.objects.filter(pk=pool.pk).update(lockout_base_delay_seconds=600, threat_protection_mode="AUDIT")
    localcache.clear()
    pool.refresh_from_db()
    client = factories.create_client(pool=pool)
    user, secret = _totp_user(pool)
    key, group, device_password, _ = _remembered(idp, pool, client, secret, moving_clock)
    return {"idp": idp, "pool": pool, "client": client, "user": user, "secret": secret, "key": key, "group": group, "password": device_password}


def _srp(setup, device_password=None) -> AWSSRP:
    return AWSSRP(username="ana", password=PASSWORD, pool_id=setup["pool"].id, client_id=setup["client"].client_id, client=setup["idp"],
                  device_key=setup["key"], device_group_key=setup["group"], device_password=device_password or setup["password"])


def _to_device_step(idp, setup) -> dict:
    """The user's password sign-in naming the device, up to its DEVICE_SRP_AUTH step."""
    aws = _srp(setup)
    parameters = aws.get_auth_params()
    started = idp.initiate_auth(ClientId=setup["client"].client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=parameters)
    answered = idp.respond_to_auth_challenge(ClientId=setup["client"].client_id, ChallengeName="PASSWORD_VERIFIER",
                                             ChallengeResponses=aws.process_challenge(started["ChallengeParameters"], parameters))
    assert answered["ChallengeName"] == "DEVICE_SRP_AUTH"
    return answered


def _device_srp(idp, client, setup, aws: AWSSRP, **session):
    return idp.respond_to_auth_challenge(
        ClientId=client.client_id, ChallengeName="DEVICE_SRP_AUTH",
        ChallengeResponses={"USERNAME": "ana", "DEVICE_KEY": setup["key"], "SRP_A": long_to_hex(aws.large_a_value)}, **session,
    )


def _error(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_a_session_sent_is_the_only_thing_used_and_a_sessionless_claim_stays_with_its_client(idp, remembered):
    setup = remembered
    _to_device_step(idp, setup)
    stranger = _srp(setup, "not-the-device-password")
    # A Session that is not the step's is refused, though USERNAME and DEVICE_KEY would name the step.
    assert _error(_device_srp, idp=idp, client=setup["client"], setup=setup, aws=stranger, Session="forged-session-" + "x" * 40) == (
        "NotAuthorizedException", "Invalid session for the user, session is expired.")
    # Another app client of the pool finds no step to claim without a Session.
    other_client = factories.create_client(pool=setup["pool"])
    assert _error(_device_srp, idp=idp, client=other_client, setup=setup, aws=stranger) == (
        "InvalidParameterException", "Missing required parameter Session")
    # The user's own sessionless answer still finds the step, and the device signs in.
    aws = _srp(setup)
    verifier = _device_srp(idp, setup["client"], setup, aws)
    assert verifier["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    srp_step = AuthChallenge.objects.filter(challenge_name="DEVICE_SRP_AUTH").latest("id")
    verifier_step = AuthChallenge.objects.filter(challenge_name="DEVICE_PASSWORD_VERIFIER").latest("id")
    assert verifier_step.expires_at == srp_step.expires_at and verifier_step.client_id == srp_step.client_id  # it expires with the step
    done = idp.respond_to_auth_challenge(ClientId=setup["client"].client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER",
                                         ChallengeResponses=aws.process_device_challenge(verifier["ChallengeParameters"]))
    assert done["AuthenticationResult"]["AccessToken"]


def test_a_third_partys_wrong_device_proofs_use_up_the_step_but_do_not_lock_the_user_out(idp, remembered, moving_clock):
    setup = remembered
    _to_device_step(idp, setup)
    stranger = _srp(setup, "not-the-device-password")
    verifier = _device_srp(idp, setup["client"], setup, stranger)  # claimed without a Session, knowing USERNAME and DEVICE_KEY
    wrong = stranger.process_device_challenge(verifier["ChallengeParameters"])
    for _ in range(5):  # MAX_CHALLENGE_ATTEMPTS
        assert _error(idp.respond_to_auth_challenge, ClientId=setup["client"].client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER",
                      ChallengeResponses=wrong) == ("NotAuthorizedException", "Incorrect username or password.")
    assert _error(idp.respond_to_auth_challenge, ClientId=setup["client"].client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER",
                  ChallengeResponses=wrong) == ("NotAuthorizedException", "Invalid session for the user, session is expired.")
    # The user is not locked out: the device signs in, and so do password and code without it.
    signed_in = _srp(setup)
    assert signed_in.authenticate_user()["AuthenticationResult"]["AccessToken"]
    moving_clock()
    assert _first_sign_in(idp, setup["pool"], setup["client"], setup["secret"])[1]["AuthenticationResult"]["AccessToken"]


def test_the_auth_event_of_a_device_sign_in_names_the_device_once_it_is_proven(idp, remembered):
    setup = remembered
    by_device = risk.device_key_of(RequestContext(device_id=setup["key"]))
    wrong = _srp(setup, "not-the-device-password")
    with pytest.raises(ClientError):
        wrong.authenticate_user()
    unproven = AuthEvent.objects.filter(user=setup["user"]).order_by("-id").first()
    assert (unproven.device_key, unproven.response) == (by_device, "InProgress")  # a key alone is no known device
    right = _srp(setup)
    right.authenticate_user()
    event = AuthEvent.objects.filter(user=setup["user"]).order_by("-id").first()
    assert event.pk != unproven.pk
    assert (event.device_key, event.response) == (by_device, "Pass")
    assert event.device_key != risk.device_key_of(RequestContext(user_agent=event.device_name))  # the device, not the user agent
