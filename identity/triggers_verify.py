"""For the receiving end of Userpools triggers: check a webhook's signature, decrypt a custom sender's code.

Depends on the standard library only (and on `cryptography` for `decrypt_code`), not on Django or
Userpools, so a receiver may copy this file as it is. See docs/triggers.md.

A webhook request carries
    X-Userpools-Timestamp: <unix seconds>
    X-Userpools-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under the pool's secret>
Check the signature over the raw bytes received (before parsing the JSON), and refuse a timestamp
outside the replay window: a captured request cannot then be replayed later.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Userpools-Signature"
TIMESTAMP_HEADER = "X-Userpools-Timestamp"
REPLAY_WINDOW_SECONDS = 300


class SignatureError(ValueError):
    """The request was not signed with the pool's secret, or was signed too long ago (or ahead)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Userpools-Signature value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    *, secret: str, body: bytes, timestamp: str, signature: str, window: int = REPLAY_WINDOW_SECONDS, now: float | None = None
) -> None:
    """Return if `signature` is the pool's for `body` and `timestamp` is within `window` seconds; else SignatureError."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        raise SignatureError("missing or malformed timestamp") from None
    if abs((time.time() if now is None else now) - sent_at) > window:
        raise SignatureError("timestamp outside the replay window")
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), (signature or "").encode()):
        raise SignatureError("signature mismatch")


def decrypt_code(ciphertext: str, private_key_pem: bytes | str, password: bytes | None = None) -> str:
    """The plaintext of a custom sender event's `request.code`.

    The code is RSA-OAEP (SHA-256, MGF1-SHA-256) encrypted under the pool's KMSKeyID public key, then
    base64-encoded; decrypt it with the matching private key.
    """
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    pem = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
    key = serialization.load_pem_private_key(pem, password=password)
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return key.decrypt(base64.b64decode(ciphertext), oaep).decode()
