"""Remembered devices over the Cognito API: pycognito's device SRP client end to end, and boto3 for every device action."""
from __future__ import annotations

import datetime
import json

import pyotp
import pytest
import requests
from botocore.exceptions import ClientError
from joserfc import jws
from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP, SoftwareTokenMFAChallengeException, long_to_hex

from identity import clock
from identity.models import AuditEvent, AuthChallenge, Device, RefreshToken
from identity.services import mfa, mfa_config, pools
from tests import factories

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def moving_clock(monkeypatch):
    """identity.clock moved forward on demand (a new TOTP step per sign-in), shared with the live server's thread."""
    offset = {"seconds": 0}
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + datetime.timedelta(seconds=offset["seconds"]))

    def advance(seconds: int = 30) -> datetime.datetime:
        offset["seconds"] += seconds
        return clock.now()

    return advance


@pytest.fixture
def pycognito_posts_here(monkeypatch, live_server):
    """pycognito's confirm_device / update_device_status / forget_device post to cognito-idp.<region>.amazonaws.com
    with `requests`: send those posts to the live server instead, unchanged otherwise."""
    real = requests.post
    monkeypatch.setattr(aws_srp.requests, "post", lambda url, **kwargs: real(live_server.url + "/", **kwargs))


class Recording:
    """A boto3 client that remembers the challenge names it answered (what pycognito's flow went through)."""

    def __init__(self, client):
        self.client, self.answered = client, []

    def initiate_auth(self, **kwargs):
        return self.client.initiate_auth(**kwargs)

    def respond_to_auth_challenge(self, **kwargs):
        self.answered.append(kwargs["ChallengeName"])
        return self.client.respond_to_auth_challenge(**kwargs)


def _pool(*, mfa_mode="ON", prompt=True, skip=True, tracking=True):
    pool = factories.create_pool()
    if mfa_mode != "OFF":
        mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration=mfa_mode, software_token_enabled=True)
    pools.update_user_pool(pool=pool, device_tracking=tracking, device_challenge_required_on_new_device=skip,
                           device_only_remembered_on_user_prompt=prompt)
    pool.refresh_from_db()
    return pool


def _totp_user(pool, username="ana") -> tuple:
    user = factories.create_user(pool=pool, username=username)
    secret = mfa.associate_software_token(user=user)
    mfa.verify_software_token(user=user, code=pyotp.TOTP(secret).at(clock.now()))
    return user, secret


def _claims(token: str) -> dict:
    return json.loads(jws.extract_compact(token.encode()).payload)


def _error(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def _first_sign_in(idp, pool, client, secret, username="ana") -> tuple[AWSSRP, dict]:
    """USER_SRP_AUTH then the TOTP code: the tokens of a sign-in on a device the pool has not seen."""
    aws = AWSSRP(username=username, password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp)
    with pytest.raises(SoftwareTokenMFAChallengeException) as challenged:
        aws.authenticate_user()
    session = challenged.value.get_tokens()["Session"]
    tokens = idp.respond_to_auth_challenge(
        ClientId=client.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=session,
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(clock.now())},
    )
    return aws, tokens


def _remembered(idp, pool, client, secret, moving_clock, **confirm) -> tuple[str, str, str, str]:
    """Sign in, confirm the device with pycognito and mark it remembered: (device key, group key, device password, access token)."""
    moving_clock()
    aws, tokens = _first_sign_in(idp, pool, client, secret)
    response, device_password = aws.confirm_device(tokens, **confirm)
    assert response.status_code == 200, response.text
    result = tokens["AuthenticationResult"]
    key, group = result["NewDeviceMetadata"]["DeviceKey"], result["NewDeviceMetadata"]["DeviceGroupKey"]
    aws.update_device_status(True, result["AccessToken"], key)
    return key, group, device_password, result["AccessToken"]


def test_pycognito_remembered_device_signs_in_without_mfa(idp, pycognito_posts_here, transactional_db, moving_clock):
    pool = _pool()
    client = factories.create_client(pool=pool)
    _, secret = _totp_user(pool)
    moving_clock()
    aws, tokens = _first_sign_in(idp, pool, client, secret)
    result = tokens["AuthenticationResult"]
    metadata = result["NewDeviceMetadata"]
    region = pool.id.split("_")[0]
    assert metadata["DeviceKey"].startswith(f"{region}_") and metadata["DeviceGroupKey"]
    assert _claims(result["AccessToken"])["device_key"] == metadata["DeviceKey"]

    response, device_password = aws.confirm_device(tokens, device_name="Ana's laptop")
    assert response.status_code == 200 and response.json() == {"UserConfirmationNecessary": True}
    assert idp.list_devices(AccessToken=result["AccessToken"])["Devices"] == []  # not remembered yet
    aws.update_device_status(True, result["AccessToken"], metadata["DeviceKey"])
    listed = idp.list_devices(AccessToken=result["AccessToken"])["Devices"]
    assert [d["DeviceKey"] for d in listed] == [metadata["DeviceKey"]]
    attributes = {a["Name"]: a["Value"] for a in listed[0]["DeviceAttributes"]}
    assert attributes["device_name"] == "Ana's laptop" and attributes["dev:device_remembered_status"] == "remembered"

    # No new TOTP step: a remembered device needs no code.
    recording = Recording(idp)
    again = AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=recording,
                   device_key=metadata["DeviceKey"], device_group_key=metadata["DeviceGroupKey"], device_password=device_password)
    signed_in = again.authenticate_user()["AuthenticationResult"]
    assert recording.answered == ["PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"]
    assert "NewDeviceMetadata" not in signed_in
    assert _claims(signed_in["AccessToken"])["device_key"] == metadata["DeviceKey"]
    assert idp.get_user(AccessToken=signed_in["AccessToken"])["Username"] == "ana"
    device = idp.get_device(AccessToken=signed_in["AccessToken"], DeviceKey=metadata["DeviceKey"])["Device"]
    assert device["DeviceLastAuthenticatedDate"]
    # Single-use steps: the device's DEVICE_PASSWORD_VERIFIER cannot be answered twice.
    assert not AuthChallenge.objects.filter(challenge_name__startswith="DEVICE_", consumed_at__isnull=True).exists()

    # A refresh on the device keeps its key in the access token.
    refreshed = idp.initiate_auth(ClientId=client.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": signed_in["RefreshToken"], "DEVICE_KEY": metadata["DeviceKey"]})
    assert _claims(refreshed["AuthenticationResult"]["AccessToken"])["device_key"] == metadata["DeviceKey"]
    code, _ = _error(idp.initiate_auth, ClientId=client.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                     AuthParameters={"REFRESH_TOKEN": signed_in["RefreshToken"], "DEVICE_KEY": f"{region}_00000000-0000-4000-8000-000000000000"})
    assert code == "NotAuthorizedException"


def test_wrong_device_password_is_refused_and_audited_but_locks_nobody_out(idp, pycognito_posts_here, transactional_db, moving_clock):
    pool = _pool()
    pools.update_user_pool(pool=pool, lockout_base_delay_seconds=600)  # a lock would outlast the test
    client = factories.create_client(pool=pool)
    user, secret = _totp_user(pool)
    key, group, _, _ = _remembered(idp, pool, client, secret, moving_clock)
    wrong = AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp,
                   device_key=key, device_group_key=group, device_password="not-the-device-password")
    with pytest.raises(ClientError) as refused:
        wrong.authenticate_user()
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert refused.value.response["Error"]["Message"] == "Incorrect username or password."
    failed = AuditEvent.objects.filter(user=user, event_type="SignInFailure").values_list("details", flat=True)
    assert any(details.get("reason") == "device" and details.get("device_key") == key for details in failed)
    # The device step can be reached without a Session (pending_device_session), so wrong device proofs
    # count only against their own step, never the user's lockout: the user still signs in with password and code.
    for _ in range(5):
        with pytest.raises(ClientError):
            AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp,
                   device_key=key, device_group_key=group, device_password="still-wrong").authenticate_user()
    moving_clock()
    _, tokens = _first_sign_in(idp, pool, client, secret)
    assert tokens["AuthenticationResult"]["AccessToken"]


def test_not_remembered_device_is_still_asked_for_mfa_then_proves_itself(idp, pycognito_posts_here, transactional_db, moving_clock):
    pool = _pool()
    client = factories.create_client(pool=pool)
    _, secret = _totp_user(pool)
    moving_clock()
    aws, tokens = _first_sign_in(idp, pool, client, secret)
    _, device_password = aws.confirm_device(tokens)  # opt-in pool: confirmed, not remembered
    metadata = tokens["AuthenticationResult"]["NewDeviceMetadata"]
    stored = Device.objects.get(device_key=metadata["DeviceKey"])
    assert stored.confirmed and stored.remembered_status == "not_remembered"
    assert "PasswordVerifier" not in stored.secret_verifier_encrypted and stored.secret_verifier_encrypted

    moving_clock()
    device = AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp,
                    device_key=metadata["DeviceKey"], device_group_key=metadata["DeviceGroupKey"], device_password=device_password)
    with pytest.raises(SoftwareTokenMFAChallengeException) as challenged:
        device.authenticate_user()
    after_mfa = idp.respond_to_auth_challenge(
        ClientId=client.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenged.value.get_tokens()["Session"],
        ChallengeResponses={"USERNAME": "ana", "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(clock.now()), "DEVICE_KEY": metadata["DeviceKey"]},
    )
    assert after_mfa["ChallengeName"] == "DEVICE_SRP_AUTH"
    verifier = idp.respond_to_auth_challenge(
        ClientId=client.client_id, ChallengeName="DEVICE_SRP_AUTH", Session=after_mfa["Session"],
        ChallengeResponses={"USERNAME": "ana", "DEVICE_KEY": metadata["DeviceKey"], "SRP_A": long_to_hex(device.large_a_value)},
    )
    assert verifier["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    done = idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER", Session=verifier["Session"],
                                         ChallengeResponses=device.process_device_challenge(verifier["ChallengeParameters"]))
    assert done["AuthenticationResult"]["AccessToken"] and "NewDeviceMetadata" not in done["AuthenticationResult"]


def test_remembered_device_in_a_pool_that_does_not_let_it_skip_mfa(idp, pycognito_posts_here, transactional_db, moving_clock):
    pool = _pool(skip=False, prompt=False)  # "Always" remembered, but ChallengeRequiredOnNewDevice false
    client = factories.create_client(pool=pool)
    _, secret = _totp_user(pool)
    moving_clock()
    aws, tokens = _first_sign_in(idp, pool, client, secret)
    response, device_password = aws.confirm_device(tokens)
    assert response.json() == {"UserConfirmationNecessary": False}
    metadata = tokens["AuthenticationResult"]["NewDeviceMetadata"]
    assert Device.objects.get(device_key=metadata["DeviceKey"]).remembered_status == "remembered"
    moving_clock()
    with pytest.raises(SoftwareTokenMFAChallengeException):
        AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp, device_key=metadata["DeviceKey"],
               device_group_key=metadata["DeviceGroupKey"], device_password=device_password).authenticate_user()


def test_forgotten_device_is_refused_and_its_refresh_tokens_revoked(idp, pycognito_posts_here, transactional_db, moving_clock):
    pool = _pool()
    client = factories.create_client(pool=pool)
    user, secret = _totp_user(pool)
    key, group, device_password, access = _remembered(idp, pool, client, secret, moving_clock)
    on_device = AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp,
                       device_key=key, device_group_key=group, device_password=device_password).authenticate_user()["AuthenticationResult"]
    AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp).forget_device(access, key)
    assert not Device.objects.filter(device_key=key).exists()
    assert RefreshToken.objects.filter(user=user, device_key=key).exclude(revoked_at=None).exists()
    assert _error(idp.initiate_auth, ClientId=client.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                  AuthParameters={"REFRESH_TOKEN": on_device["RefreshToken"], "DEVICE_KEY": key})[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as refused:
        AWSSRP(username="ana", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp,
               device_key=key, device_group_key=group, device_password=device_password).authenticate_user()
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert refused.value.response["Error"]["Message"] == "Device does not exist."
    assert _error(idp.get_device, AccessToken=access, DeviceKey=key) == ("ResourceNotFoundException", "Device does not exist.")


def test_password_flow_with_a_device_key_and_no_mfa(idp, transactional_db):
    """USER_PASSWORD_AUTH with DEVICE_KEY in a pool without MFA: device SRP still proves the device before the tokens."""
    pool = _pool(mfa_mode="OFF", prompt=False)
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="bo")
    first = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bo", "PASSWORD": PASSWORD})
    metadata = first["AuthenticationResult"]["NewDeviceMetadata"]
    device_password, config = aws_srp.generate_hash_device(metadata["DeviceGroupKey"], metadata["DeviceKey"])
    confirmed = idp.confirm_device(AccessToken=first["AuthenticationResult"]["AccessToken"], DeviceKey=metadata["DeviceKey"],
                                   DeviceSecretVerifierConfig=config, DeviceName="bo's phone")
    assert confirmed["UserConfirmationNecessary"] is False
    started = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": "bo", "PASSWORD": PASSWORD, "DEVICE_KEY": metadata["DeviceKey"]})
    assert started["ChallengeName"] == "DEVICE_SRP_AUTH"
    device = AWSSRP(username="bo", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp,
                    device_key=metadata["DeviceKey"], device_group_key=metadata["DeviceGroupKey"], device_password=device_password)
    # Without a Session, as pycognito answers it: the username and device key find the step.
    verifier = idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="DEVICE_SRP_AUTH",
                                             ChallengeResponses={"USERNAME": "bo", "DEVICE_KEY": metadata["DeviceKey"], "SRP_A": long_to_hex(device.large_a_value)})
    answer = device.process_device_challenge(verifier["ChallengeParameters"])
    tampered = {**answer, "PASSWORD_CLAIM_SIGNATURE": "A" + answer["PASSWORD_CLAIM_SIGNATURE"][1:]}
    assert _error(idp.respond_to_auth_challenge, ClientId=client.client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER",
                  ChallengeResponses=tampered)[0] == "NotAuthorizedException"
    done = idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER", ChallengeResponses=answer)
    assert _claims(done["AuthenticationResult"]["AccessToken"])["device_key"] == metadata["DeviceKey"]
    assert "NewDeviceMetadata" not in done["AuthenticationResult"]
    # A rotating refresh keeps the device key in the new access token, and so does the refresh token it rotates to.
    rotated = idp.get_tokens_from_refresh_token(ClientId=client.client_id, RefreshToken=done["AuthenticationResult"]["RefreshToken"],
                                                DeviceKey=metadata["DeviceKey"])["AuthenticationResult"]
    assert _claims(rotated["AccessToken"])["device_key"] == metadata["DeviceKey"]
    again = idp.get_tokens_from_refresh_token(ClientId=client.client_id, RefreshToken=rotated["RefreshToken"])["AuthenticationResult"]
    assert _claims(again["AccessToken"])["device_key"] == metadata["DeviceKey"]
    # The step was used once: answering it again is an invalid session.
    assert _error(idp.respond_to_auth_challenge, ClientId=client.client_id, ChallengeName="DEVICE_PASSWORD_VERIFIER",
                  ChallengeResponses=answer)[0] == "NotAuthorizedException"


def test_unknown_device_key_at_sign_in(idp, transactional_db):
    pool = _pool(mfa_mode="OFF")
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="bo")
    code, message = _error(idp.initiate_auth, ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH",
                           AuthParameters={"USERNAME": "bo", "PASSWORD": PASSWORD, "DEVICE_KEY": "local_6a1d3c56-0000-4000-8000-000000000000"})
    assert (code, message) == ("ResourceNotFoundException", "Device does not exist.")
    # A wrong password says nothing about the device.
    assert _error(idp.initiate_auth, ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH",
                  AuthParameters={"USERNAME": "bo", "PASSWORD": "Wrong-Passw0rd!", "DEVICE_KEY": "local_x"})[0] == "NotAuthorizedException"


def test_pool_without_tracking_issues_no_device(idp, transactional_db):
    pool = factories.create_pool()
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="cy")
    result = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "cy", "PASSWORD": PASSWORD})["AuthenticationResult"]
    assert "NewDeviceMetadata" not in result and "device_key" not in _claims(result["AccessToken"])
    assert not Device.objects.exists()


def _device_for(idp, client, username) -> tuple[str, str]:
    result = idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]
    return result["NewDeviceMetadata"]["DeviceKey"], result["AccessToken"]


def test_every_device_action_over_boto3(idp, signed_idp, transactional_db):
    pool = _pool(mfa_mode="OFF", prompt=True)
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="di")
    factories.create_user(pool=pool, username="ed")
    keys = []
    for index in range(3):
        key, access = _device_for(idp, client, "di")
        _, config = aws_srp.generate_hash_device("-group", key)
        assert idp.confirm_device(AccessToken=access, DeviceKey=key, DeviceSecretVerifierConfig=config,
                                  DeviceName=f"device {index}")["UserConfirmationNecessary"] is True
        idp.update_device_status(AccessToken=access, DeviceKey=key, DeviceRememberedStatus="remembered")
        keys.append(key)
    # ConfirmDevice's refusals.
    assert _error(idp.confirm_device, AccessToken=access, DeviceKey=keys[2], DeviceSecretVerifierConfig=config)[0] == "DeviceKeyExistsException"
    fresh, fresh_access = _device_for(idp, client, "di")
    assert _error(idp.confirm_device, AccessToken=fresh_access, DeviceKey=fresh,
                  DeviceSecretVerifierConfig={"Salt": "c2FsdA==", "PasswordVerifier": "AA=="})[0] == "InvalidParameterException"
    other_key, other_access = _device_for(idp, client, "ed")
    # Only the access token's own device key (its device_key claim): not another user's, nor another of this user's.
    assert _error(idp.confirm_device, AccessToken=access, DeviceKey=other_key, DeviceSecretVerifierConfig=config) == (
        "InvalidParameterException", "Invalid device key given.")
    assert _error(idp.confirm_device, AccessToken=access, DeviceKey=fresh, DeviceSecretVerifierConfig=config) == (
        "InvalidParameterException", "Invalid device key given.")
    assert not Device.objects.get(device_key=fresh).confirmed

    # ListDevices pages newest first.
    first = idp.list_devices(AccessToken=access, Limit=2)
    assert [d["DeviceKey"] for d in first["Devices"]] == [keys[2], keys[1]] and first["PaginationToken"]
    rest = idp.list_devices(AccessToken=access, Limit=2, PaginationToken=first["PaginationToken"])
    assert [d["DeviceKey"] for d in rest["Devices"]] == [keys[0]] and "PaginationToken" not in rest
    assert _error(idp.list_devices, AccessToken=other_access, PaginationToken=first["PaginationToken"])[0] == "InvalidParameterException"
    assert _error(idp.list_devices, AccessToken=access, PaginationToken="forged")[0] == "InvalidParameterException"
    assert idp.list_devices(AccessToken=other_access)["Devices"] == []

    # GetDevice / UpdateDeviceStatus, and another user's device is not found.
    got = idp.get_device(AccessToken=access, DeviceKey=keys[0])["Device"]
    assert got["DeviceKey"] == keys[0] and {"Name": "device_name", "Value": "device 0"} in got["DeviceAttributes"]
    assert got["DeviceCreateDate"] and got["DeviceLastModifiedDate"]
    assert _error(idp.get_device, AccessToken=other_access, DeviceKey=keys[0]) == ("ResourceNotFoundException", "Device does not exist.")
    idp.update_device_status(AccessToken=access, DeviceKey=keys[0], DeviceRememberedStatus="not_remembered")
    assert [d["DeviceKey"] for d in idp.list_devices(AccessToken=access)["Devices"]] == [keys[2], keys[1]]
    assert _error(idp.update_device_status, AccessToken=access, DeviceKey=keys[0], DeviceRememberedStatus="sometimes")[0] == "InvalidParameterException"
    assert _error(idp.update_device_status, AccessToken=other_access, DeviceKey=keys[1], DeviceRememberedStatus="remembered")[0] == "ResourceNotFoundException"
    assert _error(idp.get_device, AccessToken="not-a-token", DeviceKey=keys[0])[0] == "NotAuthorizedException"

    # The admin actions, signed.
    admin = signed_idp.admin_get_device(UserPoolId=pool.id, Username="di", DeviceKey=keys[0])["Device"]
    assert {"Name": "dev:device_remembered_status", "Value": "not_remembered"} in admin["DeviceAttributes"]
    signed_idp.admin_update_device_status(UserPoolId=pool.id, Username="di", DeviceKey=keys[0], DeviceRememberedStatus="remembered")
    listed = signed_idp.admin_list_devices(UserPoolId=pool.id, Username="di", Limit=60)["Devices"]
    assert [d["DeviceKey"] for d in listed] == [keys[2], keys[1], keys[0]]
    signed_idp.admin_forget_device(UserPoolId=pool.id, Username="di", DeviceKey=keys[2])
    assert _error(signed_idp.admin_get_device, UserPoolId=pool.id, Username="di", DeviceKey=keys[2])[0] == "ResourceNotFoundException"
    assert _error(signed_idp.admin_list_devices, UserPoolId=pool.id, Username="nobody")[0] == "UserNotFoundException"
    assert _error(signed_idp.admin_forget_device, UserPoolId=pool.id, Username="ed", DeviceKey=keys[1])[0] == "ResourceNotFoundException"
    idp.forget_device(AccessToken=access, DeviceKey=keys[1])
    assert _error(idp.forget_device, AccessToken=access, DeviceKey=keys[1]) == ("ResourceNotFoundException", "Device does not exist.")
    assert [d["DeviceKey"] for d in idp.list_devices(AccessToken=access)["Devices"]] == [keys[0]]
    # Unsigned, the admin actions are refused.
    assert _error(idp.admin_list_devices, UserPoolId=pool.id, Username="di")[0] != "ResourceNotFoundException"


def test_device_configuration_is_stored_and_described(signed_idp, transactional_db):
    created = signed_idp.create_user_pool(PoolName="devices", DeviceConfiguration={"ChallengeRequiredOnNewDevice": True,
                                                                                   "DeviceOnlyRememberedOnUserPrompt": True})["UserPool"]
    assert created["DeviceConfiguration"] == {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
    described = signed_idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert described["DeviceConfiguration"]["ChallengeRequiredOnNewDevice"] is True
    signed_idp.update_user_pool(UserPoolId=created["Id"], DeviceConfiguration={"ChallengeRequiredOnNewDevice": False,
                                                                               "DeviceOnlyRememberedOnUserPrompt": False})
    assert signed_idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]["DeviceConfiguration"] == {
        "ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False}
    signed_idp.update_user_pool(UserPoolId=created["Id"])  # Update replaces: no DeviceConfiguration, no tracking
    assert "DeviceConfiguration" not in signed_idp.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
    assert "DeviceConfiguration" not in signed_idp.create_user_pool(PoolName="plain")["UserPool"]
