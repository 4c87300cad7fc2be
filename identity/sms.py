"""Where text messages go: a JSON-lines file or the log locally, an outbox in tests, Twilio in production.

`messaging.deliver` renders the message and calls `sms_sender().send(to=, body=)`; the sender is
chosen by `USERPOOLS_SMS_SENDER` and configured by settings alone (docs/configuration.md). A sender
that cannot hand the message over raises `SmsDeliveryError`, whose `reason` is safe to log and to
audit: it never holds a credential, the code, the message text or the full phone number.
"""
from __future__ import annotations

import base64
import datetime
import http.client
import json
import logging
import os
import ssl
import time
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings

from identity.normalize import mask_destination

log = logging.getLogger(__name__)

TWILIO_BASE_URL = "https://api.twilio.com"
# Twilio's answers are small JSON documents; anything longer is cut before it is parsed.
MAX_RESPONSE_BYTES = 64 * 1024


class SmsDeliveryError(Exception):
    """The sender could not hand the message to its provider.

    `reason` is one line for the log and the audit trail; `status` is the provider's HTTP status
    (None when no answer came), `provider_code` its own error number, `retryable` whether the same
    message may well go through later (throttling, an outage, a time-out) rather than never (a
    refused number), and `configuration` whether the operator's set-up is at fault (credentials,
    account, URL), which every message will meet until it is fixed.
    """

    def __init__(
        self, reason: str, *, status: int | None = None, provider_code: str = "", retryable: bool = False, configuration: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.provider_code = provider_code
        self.retryable = retryable
        self.configuration = configuration


class FileSmsSender:
    """Appends each text as one JSON line to USERPOOLS_SMS_FILE (var/sms.jsonl): `make run`'s inbox."""

    name = "file"

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path or settings.USERPOOLS_SMS_FILE)

    def send(self, *, to: str, body: str) -> None:
        line = json.dumps({"sent_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), "to": to, "body": body})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Appended, never rewritten: one write per line, so concurrent senders do not interleave
        # (O_APPEND); owner-only, since the lines hold codes and temporary passwords.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        log.info("SMS to %s written to %s", mask_destination(to), self.path)


class ConsoleSmsSender:
    """Writes text messages to the log; with DEBUG off only who it was for, never its text.

    The text carries codes and temporary passwords, and production logs are read by more people
    (and kept longer) than a developer's terminal, so without DEBUG the line names the masked number
    and the length; `file` is the local sender that keeps whole messages.
    """

    name = "console"

    def send(self, *, to: str, body: str) -> None:
        if settings.DEBUG:
            log.info("SMS to %s: %s", to, body)
        else:
            log.info(
                "SMS to %s (%d characters, not shown: DEBUG is off; USERPOOLS_SMS_SENDER=file keeps the text)",
                mask_destination(to), len(body),
            )


class MemorySmsSender:
    """Keeps text messages in `outbox`, as Django's locmem email backend does, for tests."""

    name = "memory"
    outbox: list[dict] = []

    def send(self, *, to: str, body: str) -> None:
        self.outbox.append({"to": to, "body": body})


class TwilioSmsSender:
    """Twilio Programmable Messaging: POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json.

    Form fields `To`, `Body` and `MessagingServiceSid` and/or `From`; HTTP basic auth with an API key
    SID and secret (Twilio's advice for production) or the account SID and auth token. Twilio answers
    201 with the Message resource; a refusal is 4xx with `{"code", "message", "more_info", "status"}`
    (400 for the message itself, e.g. 21211 "not a valid phone number"; 401 for credentials; 429
    for throttling) and 5xx for its own failures. One attempt, no retry: a POST that timed out may
    still have been sent, and a second could text the user twice (they can ask again).
    """

    name = "twilio"

    def __init__(
        self, *, account_sid: str, auth_token: str = "", api_key_sid: str = "", api_key_secret: str = "",
        from_number: str = "", messaging_service_sid: str = "", base_url: str = TWILIO_BASE_URL, timeout: float = 10.0,
    ) -> None:
        self.account_sid = account_sid
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # API key first: it can be revoked alone, the auth token cannot.
        username, password = (api_key_sid, api_key_secret) if api_key_sid else (account_sid, auth_token)
        self._authorization = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    def __repr__(self) -> str:  # never the credentials, even in a traceback's locals
        return f"TwilioSmsSender(account_sid={self.account_sid!r}, base_url={self.base_url!r})"

    @classmethod
    def from_settings(cls) -> TwilioSmsSender:
        problems = twilio_problems(settings)
        if problems:
            raise SmsDeliveryError("the Twilio sender is not configured: " + " ".join(problems), configuration=True)
        return cls(
            account_sid=settings.USERPOOLS_TWILIO_ACCOUNT_SID, auth_token=settings.USERPOOLS_TWILIO_AUTH_TOKEN,
            api_key_sid=settings.USERPOOLS_TWILIO_API_KEY_SID, api_key_secret=settings.USERPOOLS_TWILIO_API_KEY_SECRET,
            from_number=settings.USERPOOLS_TWILIO_FROM, messaging_service_sid=settings.USERPOOLS_TWILIO_MESSAGING_SERVICE_SID,
            base_url=settings.USERPOOLS_TWILIO_BASE_URL, timeout=settings.USERPOOLS_TWILIO_TIMEOUT_SECONDS,
        )

    def send(self, *, to: str, body: str) -> str:
        """Hand the text to Twilio; returns the Message SID. Raises SmsDeliveryError."""
        fields = {"To": to, "Body": body}
        if self.messaging_service_sid:
            fields["MessagingServiceSid"] = self.messaging_service_sid
        if self.from_number:
            fields["From"] = self.from_number
        path = f"/2010-04-01/Accounts/{quote(self.account_sid, safe='')}/Messages.json"
        status, payload = self._post(path, urlencode(fields).encode())
        if 200 <= status < 300:
            sid = _json(payload).get("sid", "")
            log.info("SMS to %s accepted by Twilio as %s", mask_destination(to), sid or "(no sid)")
            return sid
        raise _twilio_refusal(status, payload, to)

    def _post(self, path: str, body: bytes) -> tuple[int, bytes]:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SmsDeliveryError("USERPOOLS_TWILIO_BASE_URL is not an http(s) URL", configuration=True)
        deadline = time.monotonic() + self.timeout
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=self.timeout, context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        headers = {
            "Authorization": self._authorization,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": "Userpools-SMS/1",
        }
        try:
            connection.request("POST", parts.path.rstrip("/") + path, body=body, headers=headers)
            # One deadline for the whole exchange, not a fresh timeout per read.
            connection.sock.settimeout(max(0.001, deadline - time.monotonic()))
            response = connection.getresponse()
            return response.status, response.read(MAX_RESPONSE_BYTES)
        except TimeoutError:
            raise SmsDeliveryError(f"Twilio did not answer within {self.timeout:g} s", retryable=True) from None
        except (OSError, http.client.HTTPException) as exc:
            raise SmsDeliveryError(f"Twilio could not be reached ({exc.__class__.__name__})", retryable=True) from None
        finally:
            connection.close()


def _json(payload: bytes) -> dict:
    try:
        document = json.loads(payload)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _twilio_refusal(status: int, payload: bytes, to: str) -> SmsDeliveryError:
    """Twilio's error document as a SmsDeliveryError; the number it may quote is masked."""
    document = _json(payload)
    code = str(document.get("code") or "")
    message = str(document.get("message") or "")
    message = (message.replace(to, mask_destination(to)) if to else message)[:200]
    said = f": error {code}" if code else ""
    said += f" {message}" if message else ""
    retryable = configuration = False
    if status in (401, 403):
        what, configuration = "Twilio refused the credentials", True
    elif status == 404:
        what, configuration = "Twilio does not know the account (check the account SID and base URL)", True
    elif status == 429:
        what, retryable = "Twilio is throttling requests", True
    elif status >= 500:
        what, retryable = "Twilio failed", True
    elif 300 <= status < 400:
        what, configuration = "Twilio answered with a redirect, which is not followed (check the base URL)", True
    else:  # 400 and the rest of 4xx: this message, to this number, was refused
        what = "Twilio refused the message"
    return SmsDeliveryError(
        f"{what} (HTTP {status}{said})", status=status, provider_code=code, retryable=retryable, configuration=configuration,
    )


def twilio_problems(config) -> list[str]:
    """What is missing from the Twilio settings on `config` (django.conf.settings, or the settings module)."""
    problems = []
    if not config.USERPOOLS_TWILIO_ACCOUNT_SID:
        problems.append("USERPOOLS_TWILIO_ACCOUNT_SID is not set.")
    has_key = config.USERPOOLS_TWILIO_API_KEY_SID and config.USERPOOLS_TWILIO_API_KEY_SECRET
    if not has_key and not config.USERPOOLS_TWILIO_AUTH_TOKEN:
        problems.append("Set USERPOOLS_TWILIO_API_KEY_SID and USERPOOLS_TWILIO_API_KEY_SECRET, or USERPOOLS_TWILIO_AUTH_TOKEN.")
    if bool(config.USERPOOLS_TWILIO_API_KEY_SID) != bool(config.USERPOOLS_TWILIO_API_KEY_SECRET):
        problems.append("USERPOOLS_TWILIO_API_KEY_SID and USERPOOLS_TWILIO_API_KEY_SECRET go together.")
    if not config.USERPOOLS_TWILIO_FROM and not config.USERPOOLS_TWILIO_MESSAGING_SERVICE_SID:
        problems.append("Set USERPOOLS_TWILIO_MESSAGING_SERVICE_SID or USERPOOLS_TWILIO_FROM (the sending number).")
    if urlsplit(config.USERPOOLS_TWILIO_BASE_URL).scheme not in ("http", "https"):
        problems.append("USERPOOLS_TWILIO_BASE_URL must be an https:// URL.")
    elif config.PRODUCTION and urlsplit(config.USERPOOLS_TWILIO_BASE_URL).scheme != "https":
        problems.append("USERPOOLS_TWILIO_BASE_URL must be https:// in production (it carries the credentials).")
    return problems


SMS_SENDERS = {"file": FileSmsSender, "console": ConsoleSmsSender, "memory": MemorySmsSender, "twilio": TwilioSmsSender.from_settings}


def sms_sender():
    """The configured sender. Raises SmsDeliveryError for an unknown name or an incomplete Twilio set-up."""
    factory = SMS_SENDERS.get(settings.USERPOOLS_SMS_SENDER)
    if factory is None:
        raise SmsDeliveryError(
            f"USERPOOLS_SMS_SENDER={settings.USERPOOLS_SMS_SENDER!r} is not one of {', '.join(SMS_SENDERS)}", configuration=True,
        )
    return factory()
