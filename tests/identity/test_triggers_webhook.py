"""Webhook targets against a real HTTP server on loopback: signature, timeout, retries, bad answers, SSRF refusal."""
from __future__ import annotations

import json

import pytest

from identity import triggers, triggers_verify
from identity.errors import InvalidLambdaResponseException, InvalidParameterException, UnexpectedLambdaException, UserLambdaValidationException
from identity.models import TriggerInvocation, User
from identity.services import triggers_config
from tests.identity import triggers_support as support


@pytest.fixture
def hook(settings):
    settings.USERPOOLS_TRIGGERS_ALLOW_PRIVATE = True  # the receiver is on loopback
    settings.USERPOOLS_TRIGGERS_TIMEOUT_SECONDS = 0.3
    server = support.start_webhook_server()
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()


def hooked(pool, hook, trigger="PreSignUp"):
    return triggers_config.set_lambda_config(pool=pool, lambda_config={trigger: hook.url})


def sign_up(pool):
    return triggers.pre_sign_up(pool=pool, user=User(pool=pool, username="ana", attributes={"email": "ana@example.com"}))


def test_the_receiver_verifies_the_signature(pool, hook):
    pool = hooked(pool, hook)
    hook.script = [("echo", {"autoConfirmUser": True})]
    assert sign_up(pool).auto_confirm is True
    request = hook.received[-1]
    secret = triggers_config.trigger_secret(pool)
    assert secret and request.path == "/hook?token=not-logged"
    timestamp, signature = request.headers["X-Userpools-Timestamp"], request.headers["X-Userpools-Signature"]
    triggers_verify.verify_signature(secret=secret, body=request.body, timestamp=timestamp, signature=signature)
    event = json.loads(request.body)
    assert event["triggerSource"] == "PreSignUp_SignUp" and event["request"]["userAttributes"] == {"email": "ana@example.com"}
    assert request.headers["X-Userpools-Trigger"] == "PreSignUp" and request.headers["Content-Type"] == "application/json"
    # A tampered body, another secret or an old timestamp fail the check.
    with pytest.raises(triggers_verify.SignatureError):
        triggers_verify.verify_signature(secret=secret, body=request.body + b" ", timestamp=timestamp, signature=signature)
    with pytest.raises(triggers_verify.SignatureError):
        triggers_verify.verify_signature(secret="other", body=request.body, timestamp=timestamp, signature=signature)
    with pytest.raises(triggers_verify.SignatureError, match="replay"):
        triggers_verify.verify_signature(secret=secret, body=request.body, timestamp=timestamp, signature=signature, now=int(timestamp) + 301)
    row = TriggerInvocation.objects.get(pool=pool)
    assert (row.outcome, row.target_kind, row.attempts) == ("ok", "webhook", 1)
    assert row.target == f"http://127.0.0.1:{hook.server.server_address[1]}/hook"  # no query string in the log


def test_rotating_the_secret_changes_the_signature(pool, hook):
    pool = hooked(pool, hook)
    old = triggers_config.trigger_secret(pool)
    new = triggers_config.rotate_trigger_secret(pool=pool)
    pool.refresh_from_db()
    sign_up(pool)
    request = hook.received[-1]
    triggers_verify.verify_signature(secret=new, body=request.body, timestamp=request.headers["X-Userpools-Timestamp"], signature=request.headers["X-Userpools-Signature"])
    assert new != old


def test_a_slow_receiver_times_out_after_three_attempts(pool, hook):
    pool = hooked(pool, hook)
    hook.script = [("hang",)]
    with pytest.raises(UnexpectedLambdaException, match="timeout"):
        sign_up(pool)
    assert len(hook.received) == 3
    row = TriggerInvocation.objects.get(pool=pool)
    assert (row.outcome, row.attempts, row.error_message) == ("unreachable", 3, "timed out")


def test_server_errors_are_retried(pool, hook):
    pool = hooked(pool, hook)
    hook.script = [("status", 503, b"busy"), ("status", 500, b"oops"), ("echo", {"autoConfirmUser": True})]
    assert sign_up(pool).auto_confirm is True
    assert len(hook.received) == 3
    assert TriggerInvocation.objects.get(pool=pool).attempts == 3
    # One delivery id across the attempts, so a receiver can tell a retry from a new event.
    assert len({r.headers["X-Userpools-Delivery"] for r in hook.received}) == 1


def test_a_client_error_is_not_retried(pool, hook):
    pool = hooked(pool, hook)
    hook.script = [("status", 404, b"not here")]
    with pytest.raises(UnexpectedLambdaException):
        sign_up(pool)
    assert len(hook.received) == 1


def test_a_4xx_with_an_error_message_rejects_as_a_handler_error(pool, hook):
    pool = hooked(pool, hook)
    hook.script = [("status", 400, json.dumps({"errorMessage": "Domain not allowed", "errorType": "Error"}).encode())]
    with pytest.raises(UserLambdaValidationException) as caught:
        sign_up(pool)
    assert caught.value.message == "PreSignUp failed with error Domain not allowed."
    assert len(hook.received) == 1
    assert TriggerInvocation.objects.get(pool=pool).outcome == "rejected"


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'{"response": 3}', json.dumps({"response": {"autoConfirmUser": "yes"}}).encode()])
def test_bad_answers(pool, hook, payload):
    pool = hooked(pool, hook)
    hook.script = [("status", 200, payload)]
    with pytest.raises(InvalidLambdaResponseException):
        sign_up(pool)
    assert len(hook.received) == 1
    assert TriggerInvocation.objects.get(pool=pool).outcome == "invalid_response"


def test_redirects_are_not_followed(pool, hook):
    pool = hooked(pool, hook)
    hook.script = [("status", 302, b"")]
    with pytest.raises(UnexpectedLambdaException):
        sign_up(pool)
    assert len(hook.received) == 1


def test_an_unreachable_receiver(pool, hook):
    pool = triggers_config.set_lambda_config(pool=pool, lambda_config={"PreSignUp": "http://127.0.0.1:1/hook"})
    with pytest.raises(UnexpectedLambdaException, match="unreachable"):
        sign_up(pool)
    assert TriggerInvocation.objects.get(pool=pool).attempts == 3


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://[::ffff:127.0.0.1]/x"])
def test_private_address_literals_are_refused_when_configuring(pool, settings, url):
    settings.USERPOOLS_TRIGGERS_ALLOW_PRIVATE = False
    with pytest.raises(InvalidParameterException, match="private address"):
        triggers_config.set_lambda_config(pool=pool, lambda_config={"PreSignUp": url})


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "localhost"])
def test_private_targets_are_refused_at_delivery(pool, hook, settings, host):
    port = hook.server.server_address[1]
    pool = triggers_config.set_lambda_config(pool=pool, lambda_config={"PreSignUp": f"http://{host}:{port}/hook"})
    settings.USERPOOLS_TRIGGERS_ALLOW_PRIVATE = False  # allowed when configured, refused when delivered
    with pytest.raises(UnexpectedLambdaException) as caught:
        sign_up(pool)
    assert host not in caught.value.message  # the address is for the operator's log only
    assert hook.received == []
    row = TriggerInvocation.objects.get(pool=pool)
    assert row.outcome == "refused" and "private address" in row.error_message


def test_webhook_urls_may_not_carry_credentials(pool):
    with pytest.raises(InvalidParameterException, match="credentials"):
        triggers_config.set_lambda_config(pool=pool, lambda_config={"PreSignUp": "https://user:pw@hooks.example.com/x"})
