"""One-time codes: issue, send, and check (hashed, expiring, attempt-limited)."""
from __future__ import annotations

import datetime
import secrets

from django.db import transaction

from identity import clock, crypto, ratelimit
from identity.errors import CodeMismatchException, ExpiredCodeException, LimitExceededException
from identity.models import User, VerificationCode

Purpose = VerificationCode.Purpose
LIFETIMES = {
    Purpose.SIGN_UP: datetime.timedelta(hours=24),
    Purpose.FORGOT_PASSWORD: datetime.timedelta(hours=1),
    Purpose.VERIFY_ATTRIBUTE: datetime.timedelta(hours=24),
}
# A code is burned after this many wrong guesses: 5 in 1,000,000 is the attacker's best chance.
MAX_FAILED_ATTEMPTS = 5
# Cognito's per-user quotas for sending codes (ResendConfirmationCode 5/h, and the like).
SENDS_PER_HOUR = 5


def _digest(code_row_owner: User, purpose: str, attribute_name: str, code: str) -> str:
    # Binding the digest to user and purpose stops a code for one job answering another.
    return crypto.keyed_digest("code", f"{code_row_owner.pk}:{purpose}:{attribute_name}:{code}")


def issue_code(*, user: User, purpose: str, attribute_name: str = "", delivered_to: str = "") -> str:
    """Create the user's live code for `purpose`, replacing any earlier one; returns the plain code.

    Raises LimitExceededException when the user has had SENDS_PER_HOUR codes this hour.
    """
    if not ratelimit.hit(f"code-send:{user.pk}:{purpose}", limit=SENDS_PER_HOUR, window_seconds=3600):
        raise LimitExceededException("Attempt limit exceeded, please try after some time.")
    code = f"{secrets.randbelow(1_000_000):06d}"
    VerificationCode.objects.update_or_create(
        user=user,
        purpose=purpose,
        attribute_name=attribute_name,
        defaults={
            "pool_id": user.pool_id,
            "code_digest": _digest(user, purpose, attribute_name, code),
            "expires_at": clock.now() + LIFETIMES[purpose],
            "failed_attempts": 0,
            "delivered_to": delivered_to,
        },
    )
    return code


def consume_code(*, user: User, purpose: str, code: str, attribute_name: str = "") -> str:
    """Accept the user's live code once and return the attribute it was delivered to, or raise.

    Raises ExpiredCodeException (none live, or expired), LimitExceededException (too many
    wrong guesses), CodeMismatchException (wrong code; the miss is counted).
    """
    outcome = _check_and_consume(user=user, purpose=purpose, code=str(code or ""), attribute_name=attribute_name)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def check_code(*, user: User, purpose: str, code: str, attribute_name: str = "") -> str:
    """Like consume_code, but a right code stays live (a miss still counts)."""
    outcome = _check_and_consume(user=user, purpose=purpose, code=str(code or ""), attribute_name=attribute_name, consume=False)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@transaction.atomic
def _check_and_consume(*, user: User, purpose: str, code: str, attribute_name: str, consume: bool = True) -> Exception | str:
    # Returns the error instead of raising it, so the counted miss commits.
    row = (
        VerificationCode.objects.select_for_update()
        .filter(user=user, purpose=purpose, attribute_name=attribute_name)
        .first()
    )
    if row is None:
        return ExpiredCodeException()
    if row.expires_at <= clock.now():
        row.delete()
        return ExpiredCodeException()
    if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
        return LimitExceededException()
    if not crypto.digests_match(row.code_digest, _digest(user, purpose, attribute_name, code)):
        row.failed_attempts += 1
        row.save(update_fields=["failed_attempts"])
        return CodeMismatchException()
    if consume:
        row.delete()
    return row.delivered_to


def pending_code(*, user: User, purpose: str, attribute_name: str = "") -> VerificationCode | None:
    return VerificationCode.objects.filter(user=user, purpose=purpose, attribute_name=attribute_name).first()
