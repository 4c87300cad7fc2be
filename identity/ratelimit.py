"""Counters in the shared cache (Redis in production), so every node sees the same counts.

Two uses: `hit` for per-user quotas the services keep (code sends, password changes), and
`limit_request` / `@throttle` for the per-IP and per-client request limits on every
unauthenticated endpoint (docs/threat-protection.md).
"""
from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse

from identity import cache as shared_cache
from identity import clock
from identity.errors import ResourceNotFoundException, TooManyRequestsException

# Request scopes: password- and code-bearing calls; the OAuth token endpoint (busier, and
# authenticated by the client's own secret or PKCE, so it gets more room); hosted-page views and
# /logout; the cheap, cached discovery and JWKS documents; and failed SigV4 signatures.
SIGN_IN = "sign-in"
TOKEN = "token"
PAGE = "page"
DISCOVERY = "discovery"
SIGNATURE = "signature"
SCOPES = (SIGN_IN, TOKEN, PAGE, DISCOVERY, SIGNATURE)


@dataclass(frozen=True)
class RequestLimit:
    per_ip: int
    per_client: int
    window_seconds: int = 60


# Far above what one person or app does, so only floods are refused; the test suite and the
# token benchmark (about 1,000 requests/s from one address) stay well below them.
DEFAULT_REQUEST_LIMITS = {
    SIGN_IN: RequestLimit(per_ip=3_000, per_client=30_000),
    TOKEN: RequestLimit(per_ip=300_000, per_client=600_000),
    PAGE: RequestLimit(per_ip=6_000, per_client=60_000),
    DISCOVERY: RequestLimit(per_ip=60_000, per_client=0),
    # Counts only failures, per address: a wrong key or signature costs a guesser its budget.
    SIGNATURE: RequestLimit(per_ip=300, per_client=0),
}


class RequestsThrottled(TooManyRequestsException):
    """TooManyRequestsException that says when the caller may try again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests; retry in {retry_after} seconds.")
        self.retry_after = retry_after


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under `key`; False once more than `limit` fell in the current window."""
    cache_key = f"rl:{key}"
    # add() is atomic on every backend: only the first caller in a window creates the counter.
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit


def reset(key: str) -> None:
    cache.delete(f"rl:{key}")


def request_limit(scope: str) -> RequestLimit:
    """The limit for `scope`: settings.USERPOOLS_RATE_LIMITS (per_ip, per_client, window_seconds) over the defaults."""
    configured = getattr(settings, "USERPOOLS_RATE_LIMITS", {}).get(scope, {})
    default = DEFAULT_REQUEST_LIMITS[scope]
    return RequestLimit(
        per_ip=configured.get("per_ip", default.per_ip),
        per_client=configured.get("per_client", default.per_client),
        window_seconds=max(1, configured.get("window_seconds", default.window_seconds)),
    )


def address_key(ip_address: str) -> str:
    """The part of an address one caller controls: an IPv4 address, or an IPv6 address's /64.

    A single IPv6 host is usually given a whole /64 and can rotate through it, so counting each
    /128 would hand it a fresh budget per request; an IPv4-mapped address counts as its IPv4 one.
    """
    if ":" not in ip_address:
        return ip_address
    try:
        address = ipaddress.IPv6Address(ip_address.split("%", 1)[0])
    except ValueError:
        return ip_address
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network(f"{address}/64", strict=False))


def _window(limit: RequestLimit) -> tuple[float, int]:
    now = clock.now().timestamp()
    return now, math.floor(now / limit.window_seconds) * limit.window_seconds


def limit_request(*, scope: str, ip_address: str | None, client_id: str | None) -> None:
    """Count one request to an unauthenticated endpoint against its caller's address and app client.

    `client_id` must name an app client that exists (callers resolve it first): a claimed but
    unchecked id would let junk requests spend a real app's budget. The address is counted first,
    and a request refused there is not counted against the client, so callers at their own limit
    cannot exhaust an app's budget either.

    Windows are fixed and aligned to identity.clock, so a refusal can say when the window ends.
    A limit of 0 means no limit. Raises RequestsThrottled (TooManyRequestsException) with
    `retry_after` in whole seconds once either count passes its limit.
    """
    limit = request_limit(scope)
    now, start = _window(limit)
    wanted = []
    if ip_address and limit.per_ip:
        wanted.append((f"rl:{scope}:ip:{address_key(ip_address)}:{start}", limit.per_ip))
    if client_id and limit.per_client:
        wanted.append((f"rl:{scope}:client:{client_id[:128]}:{start}", limit.per_client))
    if not wanted:
        return
    # In order, stopping at a refusal: one call to the cache for both.
    counts = shared_cache.count_while_allowed(wanted, timeout=limit.window_seconds + 1)
    if any(count > allowed for count, (_, allowed) in zip(counts, wanted)):
        raise RequestsThrottled(max(1, math.ceil(start + limit.window_seconds - now)))


def refuse_after_failures(*, scope: str, ip_address: str | None) -> None:
    """RequestsThrottled if this address already failed more than the scope's per-address limit in this window."""
    limit = request_limit(scope)
    if not ip_address or not limit.per_ip:
        return
    now, start = _window(limit)
    if (cache.get(f"rl:{scope}:ip:{address_key(ip_address)}:{start}") or 0) >= limit.per_ip:
        raise RequestsThrottled(max(1, math.ceil(start + limit.window_seconds - now)))


def count_failure(*, scope: str, ip_address: str | None) -> None:
    """Count one failure (a bad signature) against the address; refuse_after_failures reads the count."""
    limit = request_limit(scope)
    if ip_address and limit.per_ip:
        now, start = _window(limit)
        shared_cache.count([f"rl:{scope}:ip:{address_key(ip_address)}:{start}"], timeout=limit.window_seconds + 1)


def _claimed_client_id(request) -> str | None:
    """The app client a request names (HTTP Basic user, or client_id); not yet authenticated, nor known to exist."""
    authorization = request.headers.get("Authorization", "")
    if authorization[:6].lower() == "basic ":
        try:
            return base64.b64decode(authorization[6:], validate=True).decode().partition(":")[0] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return request.POST.get("client_id") or request.GET.get("client_id") or None


def _existing_client_id(request, pool_id: str | None) -> str | None:
    """The claimed client id if the pool has such a client (per-process cache, identity.localcache)."""
    claimed = _claimed_client_id(request)
    if not claimed or not pool_id:
        return None
    from identity.services import directory  # services import this module

    try:
        pool = directory.get_pool_cached(pool_id)
    except ResourceNotFoundException:
        return None
    return claimed if directory.find_client_cached(pool, claimed) is not None else None


def too_many_requests(request, exc: RequestsThrottled) -> HttpResponse:
    """HTTP 429 with Retry-After: a short page for browsers, OAuth-style JSON for everything else."""
    if "text/html" in request.headers.get("Accept", ""):
        response = HttpResponse(
            f"<!doctype html><title>Too many requests</title><p>Too many requests. Try again in {exc.retry_after} seconds.</p>",
            status=429,
        )
    else:
        response = JsonResponse({"error": "too_many_requests", "error_description": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def throttle(scope: str = SIGN_IN, *, methods: tuple[str, ...] | None = None):
    """View decorator: count each request per caller address and claimed client; over the limit, 429 with Retry-After.

        @ratelimit.throttle(methods=("POST",))  # a hosted-UI form: its POSTs count, page views do not
        @ratelimit.throttle()                   # /oauth2/authorize: every request counts
        @ratelimit.throttle(ratelimit.TOKEN)    # /oauth2/token

    Put it outside @pool_view, so a request refused for its address costs no query. The claimed
    client is looked up (cached per process) before it is counted: only real clients have budgets.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if methods is None or request.method in methods:
                try:
                    # The address first, then the client only if it is one of this pool's.
                    limit_request(scope=scope, ip_address=request.META.get("REMOTE_ADDR"), client_id=None)
                    client_id = _existing_client_id(request, kwargs.get("pool_id") or getattr(request, "pool_domain_id", None))
                    if client_id:
                        limit_request(scope=scope, ip_address=None, client_id=client_id)
                except RequestsThrottled as exc:
                    return too_many_requests(request, exc)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
