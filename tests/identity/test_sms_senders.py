"""The local senders (a JSON-lines file, the log) and the system checks that keep them out of production."""
from __future__ import annotations

import json
import logging
import stat
import threading

from django.core.checks import run_checks

from identity.errors import CodeDeliveryFailureException
from identity.models import AuditEvent, User
from identity.services import signup
from identity.sms import ConsoleSmsSender, FileSmsSender
from tests import factories
from tests.identity.directory_support import STRONG_PASSWORD, cognito_error


def _ids(messages) -> dict[str, str]:
    return {message.id: message.msg for message in messages if message.id.startswith("identity.")}


def test_the_file_sender_appends_one_json_line_per_text(tmp_path, settings, db):
    settings.USERPOOLS_SMS_SENDER, settings.USERPOOLS_SMS_FILE = "file", str(tmp_path / "inbox" / "sms.jsonl")
    pool = factories.create_pool(auto_verified_attributes=["phone_number"])
    client = factories.create_client(pool=pool)
    signup.sign_up(pool=pool, client=client, username="sam", password=STRONG_PASSWORD, attributes={"phone_number": "+12065551212"})
    signup.resend_confirmation_code(pool=pool, client=client, username="sam")
    path = tmp_path / "inbox" / "sms.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["to"] for line in lines] == ["+12065551212", "+12065551212"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # codes inside
    code = lines[-1]["body"].split()[-1].rstrip(".")
    assert signup.confirm_sign_up(pool=pool, client=client, username="sam", code=code).status == User.Status.CONFIRMED
    assert lines[0]["sent_at"].endswith("+00:00")


def test_concurrent_texts_do_not_interleave(tmp_path):
    sender = FileSmsSender(tmp_path / "sms.jsonl")
    body = "x" * 2000
    threads = [threading.Thread(target=lambda n=n: [sender.send(to=f"+1206555{n:04d}", body=body) for _ in range(20)]) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = (tmp_path / "sms.jsonl").read_text().splitlines()
    assert len(lines) == 160 and all(json.loads(line)["body"] == body for line in lines)


def test_an_unwritable_file_is_a_delivery_failure_and_the_user_stays(tmp_path, settings, db):
    (tmp_path / "taken").write_text("a file where the folder should be")
    settings.USERPOOLS_SMS_SENDER, settings.USERPOOLS_SMS_FILE = "file", str(tmp_path / "taken" / "sms.jsonl")
    pool = factories.create_pool(auto_verified_attributes=["phone_number"])
    with cognito_error("CodeDeliveryFailureException"):
        signup.sign_up(pool=pool, client=factories.create_client(pool=pool), username="sam", password=STRONG_PASSWORD,
                       attributes={"phone_number": "+12065551212"})
    user = User.objects.get(pool=pool, username="sam")
    assert user.status == User.Status.UNCONFIRMED  # as Cognito: ResendConfirmationCode can try again
    event = AuditEvent.objects.get(user=user, event_type="CodeDeliveryFailure")
    assert event.details["sender"] == "file" and event.details["source"] == "SignUp"
    assert AuditEvent.objects.filter(user=user, event_type="SignUp").exists()


def test_the_console_shows_a_text_only_with_debug(settings, caplog):
    caplog.set_level(logging.INFO, logger="identity.sms")
    settings.DEBUG = False
    ConsoleSmsSender().send(to="+12065551212", body="Your code is 314159.")
    settings.DEBUG = True
    ConsoleSmsSender().send(to="+12065551213", body="Your code is 271828.")
    hidden, shown = (record.getMessage() for record in caplog.records if record.name == "identity.sms")
    assert "314159" not in hidden and "+12065551212" not in hidden and "+*******1212" in hidden and "20 characters" in hidden
    assert shown == "SMS to +12065551213: Your code is 271828."


def test_an_unknown_sender_fails_delivery(settings, db):
    settings.USERPOOLS_SMS_SENDER = "carrier-pigeon"
    pool = factories.create_pool(auto_verified_attributes=["phone_number"])
    try:
        signup.sign_up(pool=pool, client=factories.create_client(pool=pool), username="sam", password=STRONG_PASSWORD,
                       attributes={"phone_number": "+12065551212"})
    except CodeDeliveryFailureException:
        pass
    else:
        raise AssertionError("an unknown sender delivered a text")
    assert AuditEvent.objects.get(event_type="CodeDeliveryFailure").details["configuration"] is True


def test_checks_warn_when_production_texts_nobody(settings):
    settings.PRODUCTION = True
    for name in ("console", "file", "memory"):
        settings.USERPOOLS_SMS_SENDER = name
        found = _ids(run_checks())
        assert "identity.W002" in found and f"USERPOOLS_SMS_SENDER={name}" in found["identity.W002"]
    settings.PRODUCTION = False
    settings.USERPOOLS_SMS_SENDER = "console"
    assert "identity.W002" not in _ids(run_checks())


def test_checks_refuse_an_unknown_or_half_configured_sender(settings):
    settings.USERPOOLS_SMS_SENDER = "pigeon"
    assert "identity.E003" in _ids(run_checks())
    settings.USERPOOLS_SMS_SENDER = "twilio"
    settings.USERPOOLS_TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.USERPOOLS_TWILIO_AUTH_TOKEN = settings.USERPOOLS_TWILIO_API_KEY_SID = settings.USERPOOLS_TWILIO_API_KEY_SECRET = ""
    settings.USERPOOLS_TWILIO_FROM = settings.USERPOOLS_TWILIO_MESSAGING_SERVICE_SID = ""
    errors = [m for m in run_checks() if m.id == "identity.E004"]
    assert len(errors) == 2 and any("AUTH_TOKEN" in e.msg for e in errors) and any("FROM" in e.msg for e in errors)
    settings.USERPOOLS_TWILIO_AUTH_TOKEN, settings.USERPOOLS_TWILIO_FROM = "token", "+15005550006"
    settings.USERPOOLS_TWILIO_BASE_URL = "http://twilio.internal"
    assert not [m for m in run_checks() if m.id in ("identity.E003", "identity.E004")]
    settings.PRODUCTION = True  # credentials over plain HTTP: only for a local fake
    assert any("https" in m.msg for m in run_checks() if m.id == "identity.E004")
