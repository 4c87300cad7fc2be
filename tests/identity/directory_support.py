"""Helpers for the directory service tests: Cognito errors, codes out of messages, and DB snapshots."""
from __future__ import annotations

import contextlib
import datetime
import itertools
import re
import types

import pytest

from identity import clock
from identity.errors import IdentityError
from identity.messaging import MemorySmsSender
from identity.models import PasswordHistory, User, UserPool, VerificationCode
from identity.services import codes

STRONG_PASSWORD = "Sup3r-secret!"
OTHER_PASSWORD = "An0ther-secret!"
_CODE = re.compile(r"\b(\d{6})\b")


@contextlib.contextmanager
def cognito_error(code: str, message: str | None = None):
    """Expect an identity error with Cognito's exception name `code` (and `message` within its text)."""
    with pytest.raises(IdentityError) as caught:
        yield caught
    assert caught.value.code == code, f"{caught.value.code}: {caught.value.message}"
    if message is not None:
        assert message in caught.value.message


def code_in(text: str) -> str:
    return _CODE.search(text).group(1)


def last_email_code(mailoutbox) -> str:
    return code_in(mailoutbox[-1].body)


def last_sms_code() -> str:
    return code_in(MemorySmsSender.outbox[-1]["body"])


def use_memory_sms(settings) -> list[dict]:
    """Route text messages to MemorySmsSender and start from an empty outbox."""
    settings.USERPOOLS_SMS_SENDER = "memory"
    MemorySmsSender.outbox.clear()
    return MemorySmsSender.outbox


def predictable_codes(monkeypatch, start: int = 111111, step: int = 111111):
    """Make issued codes 111111, 222222, … so two codes never collide by chance."""
    counter = itertools.count(start, step)
    monkeypatch.setattr(codes, "secrets", types.SimpleNamespace(randbelow=lambda _n: next(counter) % 1_000_000))


def freeze_clock(monkeypatch, at: datetime.datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: at)


def travel(monkeypatch, delta: datetime.timedelta) -> datetime.datetime:
    """Move identity.clock forward by `delta` from the real now; returns the new now."""
    moved = clock.now() + delta
    freeze_clock(monkeypatch, moved)
    return moved


def snapshot(pool: UserPool) -> dict:
    """Everything a directory service may write for a pool's users, to prove that an error changed nothing."""
    return {
        "users": list(
            User.objects.filter(pool=pool)
            .order_by("id")
            .values(
                "id", "sub", "username", "status", "enabled", "password", "password_changed_at",
                "temporary_password_expires_at", "attributes", "pending_attributes",
                "email_login", "phone_number_login", "preferred_username_login",
            )
        ),
        "codes": list(
            VerificationCode.objects.filter(pool=pool)
            .order_by("id")
            .values("id", "user_id", "purpose", "attribute_name", "code_digest", "expires_at", "failed_attempts")
        ),
        "history": list(PasswordHistory.objects.filter(user__pool=pool).order_by("id").values_list("id", "password")),
    }


def user_row(user: User) -> dict:
    """The user's own columns as stored (for unchanged-after-error checks that tolerate counted code misses)."""
    return User.objects.filter(pk=user.pk).values(
        "status", "enabled", "password", "attributes", "pending_attributes", "email_login", "phone_number_login"
    ).get()
