"""A stand-in for Twilio's Messages API on loopback: it checks and records each request and answers as Twilio does.

Twilio's own rules that matter to a sender are kept: basic auth with the account's SID and auth
token or an API key (401, error 20003, otherwise), the account in the path (404, 20404), a `To`
and a `Body` (400, 21604 / 21602), a `From` or `MessagingServiceSid` (400, 21603), numbers Twilio
cannot text (400, 21211), and 201 with a Message resource on success. `fail_next` makes the next
answers something else (a 5xx, a 429, or an answer that comes too late).
"""
from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-test-auth-token-" + "9" * 9
API_KEY_SID = "SK" + "fedcba9876543210" * 2
API_KEY_SECRET = "twilio-test-key-secret-" + "7" * 9
FROM_NUMBER = "+15005550006"
CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class Received:
    """One request as the fake saw it."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    accepted: bool = False


@dataclass
class FakeTwilio:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    invalid_numbers: set[str] = field(default_factory=set)
    _answers: deque = field(default_factory=deque)
    _released: threading.Event = field(default_factory=threading.Event)

    @property
    def messages(self) -> list[dict[str, str]]:
        """The form of every message Twilio accepted (201), in order."""
        return [r.form for r in self.requests if r.accepted]

    def latest_code(self, to: str) -> str:
        for form in reversed(self.messages):
            if form.get("To") == to:
                match = CODE.search(form.get("Body", ""))
                assert match, f"no code in the text to {to}: {form.get('Body')!r}"
                return match.group(1)
        raise AssertionError(f"no text to {to}; sent so far: {[f.get('To') for f in self.messages]}")

    def fail_next(self, status: int, body: dict | str | None = None, *, times: int = 1, delay: float = 0.0) -> None:
        """The next `times` requests get `status` and `body` (JSON when a dict), after `delay` seconds."""
        for _ in range(times):
            self._answers.append((status, body, delay))

    def clear(self) -> None:
        self.requests.clear()
        self._answers.clear()
        self.invalid_numbers.clear()


def twilio_error(code: int, message: str, status: int) -> dict:
    """Twilio's error document, as its 2010 API sends it."""
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def _credentials_ok(header: str) -> bool:
    if not header.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(header[6:], validate=True).decode()
    except ValueError:
        return False
    return given in (f"{ACCOUNT_SID}:{AUTH_TOKEN}", f"{API_KEY_SID}:{API_KEY_SECRET}")


def _handler(fake: FakeTwilio):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def handle(self):
            try:
                super().handle()
            except OSError:
                pass  # the sender hung up (it timed out, or the test ended)

        def finish(self):
            try:
                super().finish()
            except OSError:
                pass

        def do_GET(self):
            self._answer(405, twilio_error(20004, "Method not allowed", 405))

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            form = {name: values[-1] for name, values in parse_qs(raw.decode(), keep_blank_values=True).items()}
            received = Received(method=self.command, path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, form=form)
            fake.requests.append(received)
            if fake._answers:
                status, body, delay = fake._answers.popleft()
                if delay and fake._released.wait(delay):
                    return  # the test is over
                self._answer(status, body)
                return
            status, body = self._twilio(received)
            received.accepted = status == 201
            self._answer(status, body)

        def _twilio(self, received: Received) -> tuple[int, dict]:
            if not _credentials_ok(received.headers.get("authorization", "")):
                return 401, twilio_error(20003, "Authenticate", 401)
            if received.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
                return 404, twilio_error(20404, f"The requested resource {received.path} was not found", 404)
            form = received.form
            if not form.get("To"):
                return 400, twilio_error(21604, "A 'To' phone number is required.", 400)
            if not form.get("Body"):
                return 400, twilio_error(21602, "Message body is required.", 400)
            if not form.get("From") and not form.get("MessagingServiceSid"):
                return 400, twilio_error(21603, "A 'From' phone number is required.", 400)
            if form["To"] in fake.invalid_numbers:
                return 400, twilio_error(21211, f"The 'To' number {form['To']} is not a valid phone number.", 400)
            sid = "SM" + secrets.token_hex(16)
            return 201, {
                "sid": sid, "account_sid": ACCOUNT_SID, "to": form["To"], "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"],
                "status": "accepted" if form.get("MessagingServiceSid") else "queued", "num_segments": "1",
                "direction": "outbound-api", "api_version": "2010-04-01", "error_code": None, "error_message": None,
                "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            }

        def _answer(self, status: int, body) -> None:
            payload = json.dumps(body).encode() if isinstance(body, dict) else (body or "").encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/html")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the sender gave up first (a time-out test)

    return Handler


@contextlib.contextmanager
def running_twilio() -> Iterator[FakeTwilio]:
    """Serve a FakeTwilio on 127.0.0.1 (a free port) in a thread, for the duration of the block."""
    fake = FakeTwilio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-twilio", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake._released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def use_twilio(settings, fake: FakeTwilio, **overrides) -> None:
    """Point Django's settings (pytest-django's `settings`) at the fake, with the auth token and a sending number."""
    values = {
        "USERPOOLS_SMS_SENDER": "twilio",
        "USERPOOLS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "USERPOOLS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "USERPOOLS_TWILIO_API_KEY_SID": "",
        "USERPOOLS_TWILIO_API_KEY_SECRET": "",
        "USERPOOLS_TWILIO_FROM": FROM_NUMBER,
        "USERPOOLS_TWILIO_MESSAGING_SERVICE_SID": "",
        "USERPOOLS_TWILIO_BASE_URL": fake.url,
        "USERPOOLS_TWILIO_TIMEOUT_SECONDS": 5.0,
        **overrides,
    }
    for name, value in values.items():
        setattr(settings, name, value)
