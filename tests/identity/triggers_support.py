"""Trigger handlers for the tests (imported as python: targets) and a real webhook server on loopback."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What the recording handler saw and what it answers: tests set `answer` and read `events`.
events: list[dict] = []
contexts: list = []
answer: dict = {}


def record(event, context):
    """A Cognito-style handler: remembers the event, fills `response` from `answer`, returns the event."""
    events.append(json.loads(json.dumps(event)))
    contexts.append(context)
    event["response"].update(answer)
    return event


def fail(event, context):
    raise Exception("Sign-ups from this domain are closed")


def return_nothing(event, context):
    return None


def not_a_handler(event):
    return event


def reset() -> None:
    events.clear()
    contexts.clear()
    answer.clear()


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class WebhookServer:
    """Answers POSTs from a script of actions, one per request (the last one repeats)."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    script: list[tuple] = field(default_factory=lambda: [("echo", {})])
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook?token=not-logged"

    def next_action(self) -> tuple:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def start_webhook_server() -> WebhookServer:
    holder: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            hook: WebhookServer = holder["hook"]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.received.append(Received(self.path, dict(self.headers), body))
            action = hook.next_action()
            if action[0] == "hang":
                hook.release.wait(5)  # longer than the test's timeout; released at teardown
                return
            if action[0] == "call":  # a Cognito-style handler named by the path runs on the event (triggers as webhooks)
                self._call(action[1], body)
                return
            if action[0] == "echo":  # the event back, response filled in
                event = json.loads(body)
                event["response"].update(action[1])
                self._send(200, json.dumps(event).encode())
            else:  # ("status", code, body bytes)
                self._send(action[1], action[2])

        def _call(self, resolve, body: bytes):
            handler = resolve(self.path.split("?")[0].strip("/"))
            try:
                answered = handler(json.loads(body), None)
            except Exception as exc:  # noqa: BLE001 — a Lambda's error document, as a webhook reports it
                self._send(400, json.dumps({"errorMessage": str(exc)}).encode())
                return
            self._send(200, json.dumps(answered).encode())

        def _send(self, status: int, payload: bytes):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    hook = WebhookServer(server=server)
    holder["hook"] = hook
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return hook
