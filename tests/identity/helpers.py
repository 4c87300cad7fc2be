"""Reading what the services sent: codes in emails and text messages."""
from __future__ import annotations

import re

from identity.messaging import MemorySmsSender


def last_code(mailoutbox) -> str:
    return re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)


def last_sms_code() -> str:
    return re.search(r"\b(\d{6})\b", MemorySmsSender.outbox[-1]["body"]).group(1)


def snapshot(user) -> tuple:
    user.refresh_from_db()
    return (user.status, user.enabled, user.password, dict(user.attributes), dict(user.pending_attributes))
