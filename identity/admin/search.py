"""Searching users at directory scale: exact and prefix matches on indexed columns only."""
from __future__ import annotations

import re
import uuid

from django.db.models import Q, QuerySet

from identity import normalize
from identity.models import User, UserPool
from identity.services.directory import search_key

_PHONE_PREFIX = re.compile(r"^\+?[0-9]{2,15}$")


def search_users(queryset: QuerySet, term: str) -> QuerySet:
    """Users whose sub equals `term`, or whose username, email or phone number starts with it.

    Every branch is an equality or a prefix on a column indexed after `pool` (sub is unique on
    its own); naming every pool binds those indexes' leading column. An infix (`icontains`)
    search would read every row of a million-user table.
    """
    term = term.strip()
    if not term:
        return queryset
    sub = _as_uuid(term)
    if sub is not None:
        return queryset.filter(sub=sub)
    pool_ids = list(UserPool.objects.values_list("pk", flat=True))
    return queryset.filter(_identifier_prefix(term), pool_id__in=pool_ids)


def matching_user_ids(term: str, *, limit: int = 200) -> list[int]:
    """Ids of at most `limit` users matching `term`, for filtering tables that point at users."""
    return list(search_users(User.objects.all(), term).values_list("pk", flat=True)[:limit])


def _as_uuid(term: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(term)
    except ValueError:
        return None


def _identifier_prefix(term: str) -> Q:
    # A username key is case-folded in most pools, only NFKC-normalised in case-sensitive ones.
    keys = dict.fromkeys(normalize.username_key(term, case_sensitive=flag) for flag in (False, True))
    condition = Q()
    for key in keys:
        condition |= Q(username_key__startswith=key)
    condition |= Q(email_key__startswith=search_key("email", term))
    if _PHONE_PREFIX.match(term):
        condition |= Q(phone_number_key__startswith="+" + term.lstrip("+"))
    return condition
