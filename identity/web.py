"""What every web face needs from the core: resolve the pool once, and describe the caller."""
from __future__ import annotations

import functools

from django.http import Http404
from django.urls import reverse

from identity.context import RequestContext
from identity.errors import ResourceNotFoundException
from identity.services import directory


def pool_view(view):
    """Resolve `pool_id` from the URL into `pool` (or 404) and pass it on explicitly."""

    @functools.wraps(view)
    def wrapper(request, *args, pool_id: str | None = None, **kwargs):
        # On a pool's own domain the Host named the pool (identity.middleware); else the path did.
        pool_id = pool_id or getattr(request, "pool_domain_id", None)
        try:
            pool = directory.get_pool_cached(pool_id)
        except ResourceNotFoundException:
            raise Http404("No such user pool.") from None
        return view(request, *args, pool=pool, **kwargs)

    return wrapper


def request_context(request, *, actor: str = "user") -> RequestContext:
    language = getattr(request, "LANGUAGE_CODE", "en") or "en"
    return RequestContext(
        actor=actor,
        ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
        language=language,
    )


def pool_url(request, pool, name: str) -> str:
    """The path of a pool route, with the /<pool_id> prefix unless this request came to the pool's domain."""
    if getattr(request, "pool_domain_id", None) == pool.id:
        return reverse(name)
    return reverse(name, kwargs={"pool_id": pool.id})
