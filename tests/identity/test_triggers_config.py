"""LambdaConfig: checked by one service, used by CreateUserPool/UpdateUserPool (boto3) and the pool console."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from cognito_api.credentials import create_access_key
from identity import crypto
from identity import triggers
from identity.errors import InvalidParameterException, UserLambdaValidationException
from identity.models import TriggerInvocation, User
from identity.services import triggers_config
from tests.admin.conftest import admin_url, form_data
from tests.cognito_api.conftest import boto3_client

RECORD = "python:tests.identity.triggers_support.record"
HOOK = "https://hooks.example.com/cognito/pre-sign-up"


@pytest.mark.parametrize("config, message", [
    ({"PreSignUp": "python:os.path.join"}, "not a function of your own code"),
    ({"PreSignUp": "python:tests.identity.triggers_support.not_a_handler"}, "must take \\(event, context\\)"),
    ({"PreSignUp": "python:tests.identity.no_such_module.handler"}, "cannot be imported"),
    ({"PreSignUp": "python:handler"}, "package.module.function"),
    ({"PreSignUp": "ftp://hooks.example.com/x"}, "https:// URL"),
    ({"PreSignup": HOOK}, "Unknown LambdaConfig keys: PreSignup"),
    ({"PreTokenGenerationConfig": {"LambdaVersion": "V9_0", "LambdaArn": HOOK}}, "LambdaVersion"),
    ({"PreTokenGeneration": RECORD, "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": HOOK}}, "must be the same"),
    ({"CustomSMSSender": "python:x.y"}, "LambdaVersion and LambdaArn"),
])
def test_bad_configurations_change_nothing(pool, config, message):
    with pytest.raises(InvalidParameterException, match=message):
        triggers_config.set_lambda_config(pool=pool, lambda_config=config)
    pool.refresh_from_db()
    assert pool.lambda_config == {}


def test_the_first_webhook_gets_an_encrypted_signing_secret(pool):
    pool = triggers_config.set_lambda_config(pool=pool, lambda_config={"PreSignUp": RECORD})
    assert pool.trigger_secret_encrypted == ""  # no webhook, no secret
    pool = triggers_config.set_lambda_config(pool=pool, lambda_config={"PreSignUp": RECORD, "PostConfirmation": HOOK})
    secret = triggers_config.trigger_secret(pool)
    assert len(secret) >= 40 and secret not in pool.trigger_secret_encrypted
    assert crypto.decrypt(pool.trigger_secret_encrypted) == secret


@pytest.fixture
def signed_idp(live_server, transactional_db):
    create_access_key(access_key_id="trigger-key", secret_access_key="trigger-secret")
    client = boto3_client(live_server.url, "trigger-key", "trigger-secret")
    yield client
    client.close()


def test_lambda_config_through_the_cognito_api(signed_idp):
    config = {
        "PreSignUp": RECORD,
        "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": HOOK},
    }
    created = signed_idp.create_user_pool(PoolName="with-triggers", LambdaConfig=config)["UserPool"]
    assert created["LambdaConfig"] == {**config, "PreTokenGeneration": HOOK}
    pool_id = created["Id"]
    assert signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]["PreSignUp"] == RECORD
    listed = signed_idp.list_user_pools(MaxResults=60)["UserPools"]
    assert next(p for p in listed if p["Id"] == pool_id)["LambdaConfig"]["PreTokenGeneration"] == HOOK

    with pytest.raises(ClientError) as caught:
        signed_idp.update_user_pool(UserPoolId=pool_id, LambdaConfig={"PreSignUp": "http://169.254.169.254/latest/x"})
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    assert signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"]["PreSignUp"] == RECORD

    # Cognito's UpdateUserPool replaces: leaving LambdaConfig out removes the triggers.
    signed_idp.update_user_pool(UserPoolId=pool_id)
    assert signed_idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LambdaConfig"] == {}


@pytest.fixture
def console(client, django_user_model, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = False
    operator = django_user_model.objects.create_superuser(username="ops", email="ops@example.com", password="Operator-password-42")
    client.force_login(operator)
    return client


def test_the_pool_form_sets_lambda_config_through_the_service(console, pool):
    page = console.get(admin_url("identity_userpool_change", pool.pk))
    assert "Triggers (LambdaConfig)" in page.content.decode()
    data = form_data(page)
    data["lambda_config"] = json.dumps({"PreSignUp": "http://10.0.0.1/hook"})
    refused = console.post(admin_url("identity_userpool_change", pool.pk), data)
    assert refused.status_code == 200 and "private address" in refused.content.decode()
    pool.refresh_from_db()
    assert pool.lambda_config == {}

    data["lambda_config"] = json.dumps({"PreSignUp": HOOK})
    assert console.post(admin_url("identity_userpool_change", pool.pk), data).status_code == 302
    pool.refresh_from_db()
    assert pool.lambda_config == {"PreSignUp": HOOK} and pool.trigger_secret_encrypted


def test_rotating_the_secret_in_the_console_shows_it_once(console, pool):
    pool = triggers_config.set_lambda_config(pool=pool, lambda_config={"PreSignUp": HOOK})
    before = triggers_config.trigger_secret(pool)
    page = console.post(admin_url("identity_userpool_rotate_trigger_secret", pool.pk))
    pool.refresh_from_db()
    secret = triggers_config.trigger_secret(pool)
    assert secret != before and secret in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_the_invocation_log_is_read_only_in_the_console(console, pool):
    pool = triggers_config.set_lambda_config(pool=pool, lambda_config={"PreSignUp": "python:tests.identity.triggers_support.fail"})
    with pytest.raises(UserLambdaValidationException):
        triggers.pre_sign_up(pool=pool, user=User(pool=pool, username="x"))
    row = TriggerInvocation.objects.get(pool=pool)
    listing = console.get(admin_url("identity_triggerinvocation_changelist") + f"?pool__id__exact={pool.pk}")
    assert listing.status_code == 200 and "PreSignUp_SignUp" in listing.content.decode()
    detail = console.get(admin_url("identity_triggerinvocation_change", row.pk))
    assert detail.status_code == 200 and "Sign-ups from this domain are closed" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert console.post(admin_url("identity_triggerinvocation_delete", row.pk), {"post": "yes"}).status_code == 403
