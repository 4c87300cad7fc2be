"""Secrets at rest: encryption under the key-encryption key, and keyed digests."""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plaintext: str) -> str:
    """Encrypt under the first key-encryption key (Fernet: AES-128-CBC + HMAC-SHA256)."""
    return _fernet(tuple(settings.KEY_ENCRYPTION_KEYS)).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt with any configured key-encryption key, so keys can be rotated."""
    try:
        return _fernet(tuple(settings.KEY_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("secret cannot be decrypted with the configured key-encryption keys") from exc


def keyed_digest(purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under a key derived from SECRET_KEY for one purpose.

    Right for high-entropy secrets (client secrets, refresh tokens) and for
    short codes whose guessing is stopped by attempt limits: without the
    server key, a stolen table cannot be checked offline.
    """
    key = hashlib.sha256(f"userpools:{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def digests_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def secret_hash(*, client_secret: str, username: str, client_id: str) -> str:
    """Cognito's SECRET_HASH: Base64(HMAC-SHA256(client_secret, username + client_id))."""
    mac = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()
