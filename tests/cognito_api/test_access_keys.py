"""Operators' access keys: generated or fixed pairs, scoped to pools as IAM policies scope them, revocable."""
import datetime
import json
from io import StringIO

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cognito_api.models import ApiCredential
from identity import clock
from identity.models import UserPool
from tests import factories
from tests.cognito_api.conftest import boto3_client

TARGET = "AWSCognitoIdentityProviderService."


_client = boto3_client


def _command(*args) -> dict:
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def _error(excinfo) -> tuple[str, str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def two_pools(transactional_db):
    return factories.create_pool(), factories.create_pool()


def test_a_generated_key_for_an_operator_signs_calls(live_server, two_pools):
    get_user_model().objects.create_superuser("ops", "", "Operator-Pass-123")
    made = _command("create_access_key", "--operator", "ops", "--description", "deploys")
    assert made["AccessKeyId"].startswith("UP") and len(made["SecretAccessKey"]) >= 30 and made["AllPools"] is True
    stored = ApiCredential.objects.get(access_key_id=made["AccessKeyId"])
    assert made["SecretAccessKey"] not in stored.secret_encrypted and stored.operator.username == "ops"
    idp = _client(live_server.url, made["AccessKeyId"], made["SecretAccessKey"])
    assert {p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]} == {p.id for p in two_pools}
    idp.close()


def test_the_old_command_name_still_works(db):
    get_user_model().objects.create_superuser("ops2", "", "Operator-Pass-123")
    made = _command("create_api_key", "--operator", "ops2")
    assert ApiCredential.objects.filter(access_key_id=made["AccessKeyId"], operator__username="ops2").exists()


def test_a_fixed_pair_for_local_development_and_ci(live_server, two_pools):
    made = _command("create_access_key", "--access-key-id", "local", "--secret-access-key", "local")
    assert made == {"AccessKeyId": "local", "SecretAccessKey": "local", "Pools": [], "AllPools": True}
    idp = _client(live_server.url, "local", "local")
    created = idp.create_user_pool(PoolName="From CI")["UserPool"]
    assert UserPool.objects.filter(pk=created["Id"]).exists()
    idp.close()
    with pytest.raises(CommandError, match="already exists"):
        _command("create_access_key", "--access-key-id", "local", "--secret-access-key", "other")
    with pytest.raises(CommandError, match="both"):
        _command("create_access_key", "--access-key-id", "lonely")
    with pytest.raises(CommandError, match="ResourceNotFoundException"):
        _command("create_access_key", "--pool", "local_nosuchpool")
    assert ApiCredential.objects.count() == 1


def test_a_key_scoped_to_one_pool(live_server, two_pools):
    mine, other = two_pools
    made = _command("create_access_key", "--pool", mine.id, "--access-key-id", "scoped-key", "--secret-access-key", "s3cret")
    assert made["Pools"] == [mine.id] and made["AllPools"] is False
    idp = _client(live_server.url, "scoped-key", "s3cret")
    idp.admin_create_user(UserPoolId=mine.id, Username="ana", MessageAction="SUPPRESS")
    assert [p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]] == [mine.id]
    with pytest.raises(ClientError) as excinfo:
        idp.admin_create_user(UserPoolId=other.id, Username="ana", MessageAction="SUPPRESS")
    code, message, status = _error(excinfo)
    assert (code, status) == ("AccessDeniedException", 400)
    assert message.startswith("User: arn:aws:iam::000000000000:user/key-scoped-key is not authorized to perform: "
                              f"cognito-idp:AdminCreateUser on resource: arn:aws:cognito-idp:local:000000000000:userpool/{other.id}")
    assert not other.users.exists()
    denied = [
        lambda: idp.create_user_pool(PoolName="Nope"),
        lambda: idp.describe_user_pool(UserPoolId="local_doesnotexist"),  # denied before any lookup
        lambda: idp.describe_user_pool_domain(Domain="auth.example.com"),
        lambda: idp.get_signing_certificate(UserPoolId=other.id),
    ]
    for call in denied:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo)[0] == "AccessDeniedException"
    assert UserPool.objects.count() == 2
    idp.close()


def test_a_revoked_key_is_unrecognized(live_server, two_pools):
    _command("create_access_key", "--access-key-id", "short-lived", "--secret-access-key", "s3cret")
    idp = _client(live_server.url, "short-lived", "s3cret")
    idp.describe_user_pool(UserPoolId=two_pools[0].id)
    assert _command("revoke_access_key", "short-lived") == {"AccessKeyId": "short-lived", "Status": "Inactive"}
    with pytest.raises(ClientError) as excinfo:
        idp.describe_user_pool(UserPoolId=two_pools[0].id)
    assert _error(excinfo)[:2] == ("UnrecognizedClientException", "The security token included in the request is invalid.")
    assert ApiCredential.objects.get(access_key_id="short-lived").revoked_at is not None
    with pytest.raises(CommandError, match="ResourceNotFoundException"):
        _command("revoke_access_key", "never-issued")
    idp.close()


def _signed(url: str, action: str, body: dict, *, key="signer", secret="s3cret") -> AWSRequest:
    request = AWSRequest(method="POST", url=url + "/", data=json.dumps(body),
                         headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + action})
    SigV4Auth(Credentials(key, secret), "cognito-idp", "local").add_auth(request)
    return request


def test_a_signature_is_bound_to_its_body_and_its_time(live_server, two_pools, monkeypatch):
    _command("create_access_key", "--access-key-id", "signer", "--secret-access-key", "s3cret")
    request = _signed(live_server.url, "DescribeUserPool", {"UserPoolId": two_pools[0].id})
    headers = dict(request.headers.items())
    good = requests.post(request.url, data=request.body, headers=headers, timeout=10)
    assert good.status_code == 200 and good.json()["UserPool"]["Id"] == two_pools[0].id
    # The same signature over another body (another pool) is refused.
    swapped = requests.post(request.url, data=json.dumps({"UserPoolId": two_pools[1].id}), headers=headers, timeout=10)
    assert swapped.status_code == 400 and swapped.json()["__type"] == "InvalidSignatureException"
    claimed = requests.post(request.url, data=json.dumps({"UserPoolId": two_pools[1].id}),
                            headers={**headers, "X-Amz-Content-Sha256": "0" * 64}, timeout=10)
    assert claimed.json()["__type"] == "InvalidSignatureException"
    # Six minutes later the signature has expired (AWS allows five).
    later = clock.now() + datetime.timedelta(minutes=6)
    monkeypatch.setattr(clock, "now", lambda: later)
    stale = requests.post(request.url, data=request.body, headers=headers, timeout=10)
    assert stale.json()["__type"] == "InvalidSignatureException" and stale.json()["message"].startswith("Signature expired")


def test_only_an_all_pools_key_may_name_an_in_process_trigger(live_server, two_pools):
    mine, _other = two_pools
    _command("create_access_key", "--pool", mine.id, "--access-key-id", "scoped-key", "--secret-access-key", "s3cret")
    idp = _client(live_server.url, "scoped-key", "s3cret")
    with pytest.raises(ClientError) as excinfo:
        idp.update_user_pool(UserPoolId=mine.id, LambdaConfig={"PreSignUp": "python:tests.identity.trigger_handlers.auto_confirm"})
    assert _error(excinfo)[0] == "AccessDeniedException"
    mine.refresh_from_db()
    assert not mine.lambda_config
