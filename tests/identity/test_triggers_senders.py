"""Custom email and SMS senders: the code is encrypted for the receiver, and delivery is asynchronous."""
from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction

from identity import triggers, triggers_senders, triggers_verify
from identity.errors import InvalidParameterException
from identity.models import TriggerInvocation
from identity.services import triggers_config
from tests import factories
from tests.identity import triggers_support as support

RECORD = "python:tests.identity.triggers_support.record"


@pytest.fixture(scope="module")
def key_pair():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return public_pem, private_pem


@pytest.fixture(autouse=True)
def _clean_handlers():
    support.reset()
    yield
    support.reset()


def sender_pool(public_pem: str, target: str = RECORD):
    pool = factories.create_pool()
    config = {
        "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": target},
        "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": target},
        "KMSKeyID": public_pem,
    }
    return triggers_config.set_lambda_config(pool=pool, lambda_config=config)


def test_the_receiver_decrypts_the_code(transactional_db, key_pair):
    public_pem, private_pem = key_pair
    pool = sender_pool(public_pem)
    user = factories.create_user(pool=pool, attributes={"email": "ana@example.com"})
    assert triggers.custom_email_sender(pool=pool, user=user, source="CustomEmailSender_SignUp", code="482913", client_metadata={"k": "v"})
    assert triggers_senders.wait_for_senders()
    event = support.events[-1]
    assert event["triggerSource"] == "CustomEmailSender_SignUp" and event["version"] == "1"
    assert event["request"]["type"] == "customEmailSenderRequestV1" and event["request"]["clientMetadata"] == {"k": "v"}
    assert event["request"]["code"] != "482913"
    assert triggers_verify.decrypt_code(event["request"]["code"], private_pem) == "482913"
    assert TriggerInvocation.objects.get(pool=pool).outcome == "ok"


def test_sms_sender_and_a_webhook_receiver(transactional_db, key_pair, settings):
    public_pem, private_pem = key_pair
    settings.USERPOOLS_TRIGGERS_ALLOW_PRIVATE = True
    hook = support.start_webhook_server()
    try:
        pool = sender_pool(public_pem, target=hook.url)
        user = factories.create_user(pool=pool, attributes={"phone_number": "+15550100"})
        assert triggers.custom_sms_sender(pool=pool, user=user, source="CustomSMSSender_ForgotPassword", code="777111")
        assert triggers_senders.wait_for_senders()
        event = json.loads(hook.received[-1].body)
        assert event["request"]["type"] == "customSMSSenderRequestV1"
        assert triggers_verify.decrypt_code(event["request"]["code"], private_pem) == "777111"
    finally:
        hook.server.shutdown()
        hook.server.server_close()


def test_delivery_waits_for_the_commit_and_a_failure_only_logs(transactional_db, key_pair, settings):
    public_pem, _ = key_pair
    settings.USERPOOLS_TRIGGERS_TIMEOUT_SECONDS = 0.2
    pool = sender_pool(public_pem, target="python:tests.identity.triggers_support.fail")
    user = factories.create_user(pool=pool)
    with transaction.atomic():
        assert triggers.custom_email_sender(pool=pool, user=user, source="CustomEmailSender_ResendCode", code="1")
        assert not TriggerInvocation.objects.filter(pool=pool).exists()  # nothing runs before the commit
    assert triggers_senders.wait_for_senders()
    row = TriggerInvocation.objects.get(pool=pool)
    assert (row.trigger, row.outcome) == ("CustomEmailSender", "rejected")


def test_a_sender_needs_a_public_key(db):
    pool = factories.create_pool()
    with pytest.raises(InvalidParameterException, match="KMSKeyID"):
        triggers_config.set_lambda_config(pool=pool, lambda_config={"CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": RECORD}})
    with pytest.raises(InvalidParameterException, match="PEM"):
        triggers_config.set_lambda_config(pool=pool, lambda_config={"CustomEmailSender": {"LambdaArn": RECORD}, "KMSKeyID": "arn:aws:kms:us-east-1:1:key/x"})
