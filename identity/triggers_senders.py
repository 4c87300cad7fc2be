"""The custom sender triggers' two differences: the code is encrypted for the receiver, and delivery is asynchronous.

Cognito encrypts with KMS through the AWS Encryption SDK; here the pool's KMSKeyID is an RSA public key
(PEM) and `request.code` is base64(RSA-OAEP-SHA256(code)); the receiver decrypts it with its private key
(identity.triggers_verify.decrypt_code). Delivery runs on a small thread pool once the caller's
transaction commits, so a slow receiver never slows the sign-up; a failed delivery is logged (the
invocation log and the `identity.triggers` logger) and not retried beyond the three attempts: the user
asks for the code again, as with Cognito.
"""
from __future__ import annotations

import base64
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.db import connection, transaction

logger = logging.getLogger("identity.triggers")
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="userpools-sender")
_pending: set[Future] = set()
_lock = threading.Lock()


def encrypt_code(code: str, public_key: rsa.RSAPublicKey) -> str:
    """The ciphertext a custom sender receives as `request.code`."""
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return base64.b64encode(public_key.encrypt(code.encode(), oaep)).decode()


def run_after_commit(job) -> None:
    """Run `job()` on the sender pool once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _submit(job))


def _submit(job) -> None:
    future = _executor.submit(_run, job)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _run(job) -> None:
    try:
        job()
    except Exception:  # noqa: BLE001 — nobody waits for this thread; the log is where failures go
        logger.exception("custom sender delivery failed")
    finally:
        connection.close()  # this worker thread's own database connection


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def wait_for_senders(timeout: float = 10.0) -> bool:
    """Wait for deliveries under way (tests; a graceful shutdown). True if all finished."""
    with _lock:
        pending = set(_pending)
    done, not_done = wait(pending, timeout=timeout)
    return not not_done
