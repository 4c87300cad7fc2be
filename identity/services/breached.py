"""Is this password in the breached-password corpus that ships with the project? Offline, in microseconds.

The corpus (identity/breached/passwords.bin, built by identity/breached/build.py) holds the first
40 bits of the SHA-1 of about a million of the most common breached passwords. It is mapped into
memory once per process, so worker processes share its pages; a lookup is one SHA-1, an index
by the hash's first 16 bits, and a search of the ~15 sorted records that share them.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import mmap
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from identity.errors import InvalidPasswordException

log = logging.getLogger(__name__)

CORPUS = Path(__file__).resolve().parent.parent / "breached" / "passwords.bin"
MAGIC = b"UPBP0001"
_PREFIXES = 2**16
_STARTS = len(MAGIC) + 4  # where the prefix table begins
_RECORDS = _STARTS + 4 * (_PREFIXES + 1)


class _Corpus:
    def __init__(self, path: Path):
        with path.open("rb") as handle:
            self._data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if self._data[: len(MAGIC)] != MAGIC:
            raise RuntimeError(f"{path} is not a breached-password corpus (run identity/breached/build.py)")
        self.size = int.from_bytes(self._data[len(MAGIC) : _STARTS], "big")

    def __contains__(self, password: str) -> bool:
        digest = hashlib.sha1(password.encode("utf-8", "surrogatepass"), usedforsecurity=False).digest()
        prefix = int.from_bytes(digest[:2], "big")
        at = _STARTS + 4 * prefix
        low, high = int.from_bytes(self._data[at : at + 4], "big"), int.from_bytes(self._data[at + 4 : at + 8], "big")
        # ~15 records share a prefix: one C-level search of their bytes beats a bisect in Python.
        chunk, record = self._data[_RECORDS + 3 * low : _RECORDS + 3 * high], digest[2:5]
        found = chunk.find(record)
        while found > 0 and found % 3:  # a match straddling two records is no match
            found = chunk.find(record, found + 1)
        return found >= 0


@functools.lru_cache(maxsize=1)
def corpus() -> _Corpus:
    """The process's one mapping of the corpus file."""
    return _Corpus(CORPUS)


def is_breached(password: str) -> bool:
    """True when `password`, exactly as typed, is in the corpus (about one false alarm per million others)."""
    return isinstance(password, str) and bool(password) and password in corpus()


def corpus_size() -> int:
    return corpus().size


BREACHED_MESSAGE = "Password does not conform to policy: Password has been found in a data breach"


def check_compromised_password(*, pool, user, password: str) -> None:
    """Apply the pool's compromised-credentials action to a password being set for `user`.

    Threat protection OFF or AUDIT: nothing happens (AUDIT never acts). ENFORCED: BLOCK raises
    InvalidPasswordException; NOTIFY accepts and emails a user who already exists; NO_ACTION accepts.
    A user not saved yet is signing up (EventFilter SIGN_UP), any other is changing the password
    (PASSWORD_CHANGE); the pool's event filter says whether each is checked.
    """
    from identity.models import UserPool

    if pool.threat_protection_mode != UserPool.ThreatProtectionMode.ENFORCED:
        return
    checked = pool.compromised_credentials_check_password_change if user.pk else pool.compromised_credentials_check_sign_up
    if not checked or not is_breached(password):
        return
    action = pool.compromised_credentials_action
    if action == UserPool.CompromisedCredentialsAction.BLOCK:
        raise InvalidPasswordException(BREACHED_MESSAGE)
    # At sign-up the address is not proven yet, so nothing is sent to it.
    if action == UserPool.CompromisedCredentialsAction.NOTIFY and user.pk:
        transaction.on_commit(lambda: notify_compromised(user=user))


def notify_compromised(*, user) -> None:
    """Tell the user that the password just set is in a breach list (no password in the message)."""
    to = user.attributes.get("email")
    if not to:
        return
    body = (
        f"The password just set for {user.username} appears in a list of passwords exposed in data breaches.\n"
        "It was accepted, but anyone trying common passwords may guess it: change it to one used nowhere else."
    )
    try:
        send_mail("Your password was found in a data breach", body, user.pool.email_from or settings.DEFAULT_FROM_EMAIL, [to])
    except Exception as exc:  # a notice that cannot go out must not undo the change
        log.warning("compromised-password notice for user %s failed: %s", user.pk, exc)
