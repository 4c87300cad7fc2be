"""The Twilio sender against a fake Twilio on loopback: the request it makes, and what each refusal becomes."""
from __future__ import annotations

import base64
import logging
import socket
import time

import pytest

from identity.errors import CodeDeliveryFailureException
from identity.messaging import MessageKind, deliver
from identity.models import AuditEvent
from identity.sms import SmsDeliveryError, TwilioSmsSender, sms_sender
from tests import factories
from tests.twilio_fake import (
    ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, FROM_NUMBER, running_twilio, twilio_error, use_twilio,
)

TO = "+12065551212"


@pytest.fixture(scope="module")
def _server():
    with running_twilio() as fake:
        yield fake


@pytest.fixture
def twilio(_server, settings):
    _server.clear()
    use_twilio(settings, _server)
    return _server


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _refusal(twilio, **over) -> SmsDeliveryError:
    with pytest.raises(SmsDeliveryError) as caught:
        sms_sender().send(to=over.pop("to", TO), body="Your code is 123456.")
    return caught.value


def test_a_text_is_one_form_post_with_basic_auth(twilio):
    sid = sms_sender().send(to=TO, body="Your authentication code is 123456. ")
    (request,) = twilio.requests
    assert request.method == "POST" and request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.headers["authorization"] == _basic(ACCOUNT_SID, AUTH_TOKEN)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/json"
    assert request.form == {"To": TO, "Body": "Your authentication code is 123456. ", "From": FROM_NUMBER}
    assert sid.startswith("SM") and len(sid) == 34


def test_an_api_key_and_a_messaging_service(twilio, settings):
    settings.USERPOOLS_TWILIO_API_KEY_SID, settings.USERPOOLS_TWILIO_API_KEY_SECRET = API_KEY_SID, API_KEY_SECRET
    settings.USERPOOLS_TWILIO_FROM, settings.USERPOOLS_TWILIO_MESSAGING_SERVICE_SID = "", "MG" + "1" * 32
    sms_sender().send(to=TO, body="Código: 654321 ✓")
    (request,) = twilio.requests
    # The API key signs in, not the auth token (which stays configured and unused).
    assert request.headers["authorization"] == _basic(API_KEY_SID, API_KEY_SECRET)
    assert request.form == {"To": TO, "Body": "Código: 654321 ✓", "MessagingServiceSid": "MG" + "1" * 32}
    assert twilio.messages == [request.form]


def test_a_number_twilio_refuses_is_a_400_with_its_error_document(twilio):
    twilio.invalid_numbers.add(TO)
    error = _refusal(twilio)
    assert (error.status, error.provider_code, error.retryable, error.configuration) == (400, "21211", False, False)
    assert "Twilio refused the message (HTTP 400: error 21211" in error.reason
    # Twilio's sentence quotes the number; the reason (logged, audited) keeps only its end.
    assert TO not in error.reason and "+*******1212" in error.reason


def test_wrong_credentials_are_the_operators_fault(twilio, settings):
    settings.USERPOOLS_TWILIO_AUTH_TOKEN = "not-the-token"
    error = _refusal(twilio)
    assert (error.status, error.provider_code, error.configuration, error.retryable) == (401, "20003", True, False)
    assert "not-the-token" not in error.reason and "credentials" in error.reason
    settings.USERPOOLS_TWILIO_AUTH_TOKEN, settings.USERPOOLS_TWILIO_ACCOUNT_SID = AUTH_TOKEN, "AC" + "f" * 32
    assert _refusal(twilio).status == 401  # the fake checks the pair; Twilio would too
    assert twilio.messages == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_twilio_failing_is_retryable(twilio, status):
    twilio.fail_next(status, "<html>upstream failed</html>")
    error = _refusal(twilio)
    assert (error.status, error.retryable, error.configuration, error.provider_code) == (status, True, False, "")
    assert error.reason == f"Twilio failed (HTTP {status})"


def test_throttling_is_retryable(twilio):
    twilio.fail_next(429, twilio_error(20429, "Too Many Requests", 429))
    error = _refusal(twilio)
    assert (error.status, error.provider_code, error.retryable) == (429, "20429", True)


def test_a_slow_twilio_times_out_within_the_setting(twilio, settings):
    settings.USERPOOLS_TWILIO_TIMEOUT_SECONDS = 0.5
    twilio.fail_next(201, {"sid": "SMlate"}, delay=3)
    started = time.monotonic()
    error = _refusal(twilio)
    assert time.monotonic() - started < 2
    assert error.reason == "Twilio did not answer within 0.5 s" and error.retryable and error.status is None


def test_nothing_listening_is_unreachable(settings, twilio):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.USERPOOLS_TWILIO_BASE_URL = f"http://127.0.0.1:{port}"
    error = _refusal(twilio)
    assert error.reason.startswith("Twilio could not be reached") and error.retryable


def test_a_redirect_is_not_followed(twilio):
    twilio.fail_next(301, "")
    error = _refusal(twilio)
    assert error.status == 301 and error.configuration and len(twilio.requests) == 1


def test_an_incomplete_set_up_sends_nothing(twilio, settings):
    settings.USERPOOLS_TWILIO_AUTH_TOKEN = ""
    settings.USERPOOLS_TWILIO_FROM = ""
    error = _refusal(twilio)
    assert error.configuration and "USERPOOLS_TWILIO_AUTH_TOKEN" in error.reason and "USERPOOLS_TWILIO_FROM" in error.reason
    assert twilio.requests == []


def test_the_sender_never_shows_its_credentials():
    sender = TwilioSmsSender(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM_NUMBER)
    assert AUTH_TOKEN not in repr(sender) and AUTH_TOKEN not in str(vars(sender))


def test_a_failed_text_is_cognitos_error_audited_and_logged_without_secrets(twilio, db, caplog):
    pool = factories.create_pool()
    user = factories.create_user(pool=pool, username="ana", attributes={"phone_number": TO, "phone_number_verified": "true"})
    twilio.invalid_numbers.add(TO)
    with caplog.at_level(logging.DEBUG), pytest.raises(CodeDeliveryFailureException) as caught:
        deliver(user=user, kind=MessageKind.MFA, code="424242", attribute="phone_number")
    assert caught.value.code == "CodeDeliveryFailureException"
    assert caught.value.message == "Unable to deliver the message; try again later."
    event = AuditEvent.objects.get(user=user, event_type="CodeDeliveryFailure")
    assert event.details == {
        "medium": "SMS", "source": "Authentication", "destination": "+*******1212", "sender": "twilio",
        "reason": event.details["reason"], "retryable": False, "configuration": False,
        "provider_status": 400, "provider_code": "21211",
    }
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "error 21211" in logged
    for secret in ("424242", AUTH_TOKEN, TO, base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()):
        assert secret not in logged and secret not in str(event.details)
