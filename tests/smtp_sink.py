"""A real SMTP server for tests: aiosmtpd on loopback, keeping every message it is handed."""
from __future__ import annotations

import contextlib
import email
import re
import socket
from collections.abc import Iterator
from email.message import Message

from aiosmtpd.controller import Controller

CODE = re.compile(r"\b(\d{6})\b")


class Sink:
    """The aiosmtpd handler: messages (parsed) and envelopes (sender, recipients), in arrival order."""

    def __init__(self):
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def clear(self) -> None:
        self.messages.clear()
        self.envelopes.clear()

    def latest_to(self, address: str) -> Message:
        """The last message whose envelope was addressed to `address` (compared without case)."""
        for message, (_sender, recipients) in zip(reversed(self.messages), reversed(self.envelopes)):
            if address.lower() in (rcpt.lower() for rcpt in recipients):
                return message
        raise AssertionError(f"no message to {address}; recipients so far: {[rcpts for _s, rcpts in self.envelopes]}")

    def latest_code(self, address: str, pattern: re.Pattern = CODE) -> str:
        """The code in the last message to `address` (a six-digit code, unless told otherwise)."""
        body = text_of(self.latest_to(address))
        match = pattern.search(body)
        assert match, f"no code in the message to {address}: {body!r}"
        return match.group(1)


def text_of(message: Message) -> str:
    """The plain-text body (the HTML one if there is no plain part), decoded."""
    parts = [part for part in message.walk() if not part.is_multipart()]
    chosen = next((p for p in parts if p.get_content_type() == "text/plain"), parts[0])
    return chosen.get_payload(decode=True).decode(chosen.get_content_charset() or "utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_sink() -> Iterator[tuple[Sink, int]]:
    """An SMTP server on a free loopback port, stopped on exit."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def use_sink(settings, port: int) -> None:
    """Point Django's SMTP backend (through pytest-django's `settings` fixture) at the sink's port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
