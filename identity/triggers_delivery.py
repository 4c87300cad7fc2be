"""Delivering a trigger event to its target: an in-process callable, or a signed webhook.

Both answer the event back with `response` filled in, as a Cognito Lambda does. Failures are raised as
`DeliveryFailure`s naming what went wrong; identity.triggers turns them into Cognito's errors.
"""
from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

from identity import triggers_verify
from identity.models import TriggerInvocation
from identity.services import triggers_config
from identity.services.triggers_config import Target

ATTEMPTS = 3  # Cognito's: the first try and two retries
MAX_RESPONSE_BYTES = 1024 * 1024
Outcome = TriggerInvocation.Outcome


class DeliveryFailure(Exception):
    outcome = Outcome.UNREACHABLE

    def __init__(self, message: str, attempts: int = 1) -> None:
        super().__init__(message)
        self.message, self.attempts = message, attempts


class Rejected(DeliveryFailure):
    """The handler raised, or the webhook answered 4xx with an errorMessage."""

    outcome = Outcome.REJECTED


class Malformed(DeliveryFailure):
    outcome = Outcome.INVALID_RESPONSE


class Unreachable(DeliveryFailure):
    outcome = Outcome.UNREACHABLE


class Refused(DeliveryFailure):
    outcome = Outcome.REFUSED


@dataclass
class LambdaContext:
    """The Lambda context object's attributes a Cognito handler in Python may read."""

    function_name: str
    aws_request_id: str
    deadline: float = field(repr=False)
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = ""
    log_group_name: str = "userpools/triggers"
    log_stream_name: str = "in-process"
    identity = None
    client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def deliver(target: Target, event: dict, *, secret: str, request_id: str) -> tuple[dict, int]:
    """The event as the target answered it, and the number of attempts it took."""
    if target.kind == "python":
        return _call(target, event, request_id), 1
    return _post_with_retries(target, event, secret=secret, request_id=request_id)


def describe_target(target: Target) -> str:
    """What the invocation log shows of a target: never a webhook's query string or fragment."""
    if target.kind == "python":
        return f"python:{target.value}"[:512]
    parts = urlsplit(target.value)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:512]


# In-process


def _call(target: Target, event: dict, request_id: str) -> dict:
    handler = triggers_config.load_callable(target.value)
    context = LambdaContext(
        function_name=target.value, aws_request_id=request_id,
        deadline=time.monotonic() + settings.USERPOOLS_TRIGGERS_TIMEOUT_SECONDS,
        invoked_function_arn=f"python:{target.value}",
    )
    try:
        answer = handler(event, context)
    except Exception as exc:  # noqa: BLE001 — any error of the operator's code is the trigger's failure
        raise Rejected(str(exc) or exc.__class__.__name__) from None
    # What a Lambda returns crosses the wire as JSON; the same round trip makes the two targets alike.
    try:
        return json.loads(json.dumps(answer))
    except (TypeError, ValueError):
        raise Malformed("Unrecognizable lambda output") from None


# Webhooks


def _post_with_retries(target: Target, event: dict, *, secret: str, request_id: str) -> tuple[dict, int]:
    body = json.dumps(event, separators=(",", ":")).encode()
    failure: DeliveryFailure = Unreachable("not attempted")
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _post_once(target, body, secret=secret, request_id=request_id), attempt
        except Unreachable as exc:
            failure = exc  # a timeout, a dropped connection or a 5xx: Cognito retries these
        except DeliveryFailure as exc:
            exc.attempts = attempt
            raise
    failure.attempts = ATTEMPTS
    raise failure


def _post_once(target: Target, body: bytes, *, secret: str, request_id: str) -> dict:
    parts = urlsplit(target.value)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _vetted_address(parts.hostname, port)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Userpools-Triggers/1",
        "X-Userpools-Trigger": target.trigger,
        "X-Userpools-Delivery": request_id,
        triggers_verify.TIMESTAMP_HEADER: timestamp,
        triggers_verify.SIGNATURE_HEADER: triggers_verify.sign(secret, timestamp, body),
    }
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    status, payload = _exchange(parts.scheme, parts.hostname, port, address, path, body, headers)
    return _read_answer(status, payload)


def _vetted_address(host: str, port: int) -> str:
    """The address to connect to; Refused if the host resolves to any private address (SSRF)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Unreachable(f"cannot resolve {host}: {exc.strerror or exc}") from None
    addresses = [info[4][0] for info in infos]
    if not settings.USERPOOLS_TRIGGERS_ALLOW_PRIVATE:
        for address in addresses:
            # Every address is checked: a name with one public and one private address is refused.
            if triggers_config.is_private_address(ipaddress.ip_address(address.split("%")[0])):
                raise Refused(f"{host} resolves to the private address {address}; see USERPOOLS_TRIGGERS_ALLOW_PRIVATE")
    return addresses[0]


def _exchange(scheme: str, host: str, port: int, address: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    timeout = settings.USERPOOLS_TRIGGERS_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    # Connect to the address that was checked, not to a second resolution of the name (DNS rebinding);
    # TLS still verifies the certificate against the host name.
    connection._create_connection = lambda _addr, t, source: socket.create_connection((address, port), t, source)
    try:
        connection.request("POST", path, body=body, headers=headers)
        connection.sock.settimeout(max(0.001, deadline - time.monotonic()))
        response = connection.getresponse()
        payload = response.read(MAX_RESPONSE_BYTES + 1)
        return response.status, payload
    except (OSError, http.client.HTTPException) as exc:
        raise Unreachable("timed out" if isinstance(exc, TimeoutError) else f"connection failed: {exc.__class__.__name__}") from None
    finally:
        connection.close()


def _read_answer(status: int, payload: bytes) -> dict:
    if status >= 500:
        raise Unreachable(f"HTTP {status}")
    if 400 <= status < 500:
        message = _error_message(payload)
        if message:
            raise Rejected(message)
        raise DeliveryFailure(f"HTTP {status}")  # not retried: the receiver refused the request itself
    if not 200 <= status < 300:
        raise DeliveryFailure(f"HTTP {status} (redirects are not followed)")
    if len(payload) > MAX_RESPONSE_BYTES:
        raise Malformed("Unrecognizable lambda output")
    try:
        return json.loads(payload)
    except ValueError:
        raise Malformed("Unrecognizable lambda output") from None


def _error_message(payload: bytes) -> str:
    # A Lambda's error document: {"errorMessage": "...", "errorType": "..."}.
    try:
        document = json.loads(payload)
    except ValueError:
        return ""
    message = document.get("errorMessage") if isinstance(document, dict) else None
    return message.strip()[:400] if isinstance(message, str) else ""
