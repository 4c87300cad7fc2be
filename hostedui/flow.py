"""The state a hosted sign-in carries from page to page.

The authorization request's parameters ride along in every page's query string, as Cognito's
hosted pages do, so any page can resume /oauth2/authorize. What must not be in a URL or be
forged by the browser (a challenge's Session, who is mid-sign-up) lives in the pool-scoped
Django session instead.
"""
from __future__ import annotations

from urllib.parse import urlencode

from identity.web import pool_url

# Keys the hosted pages keep in the session, one set per pool.
PENDING_KEY = "hostedui:pool:{pool_id}:pending"
CHALLENGE_KEY = "hostedui:pool:{pool_id}:challenge"
NOTICE_KEY = "hostedui:pool:{pool_id}:notice"
# Query parameters of the pages themselves, not of the authorization request.
PAGE_PARAMETERS = frozenset({"prompt"})


def carried_query(request, **changes) -> str:
    """The authorization request's parameters (plus `changes`), as a query string starting with '?'."""
    params = {key: value for key, value in request.GET.items() if key not in PAGE_PARAMETERS}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(params) if params else ""


def page_url(request, pool, name: str, **changes) -> str:
    """Another hosted page of this pool, carrying the authorization request along."""
    return pool_url(request, pool, f"hostedui:{name}") + carried_query(request, **changes)


def resumes_authorization(request) -> bool:
    """Whether this browser came from /oauth2/authorize (so there is an authorization response to return)."""
    return bool(request.GET.get("response_type") and request.GET.get("redirect_uri"))


def continue_url(request, pool) -> str:
    """Where a finished sign-in goes: back to /oauth2/authorize, or the signed-in page when no app asked."""
    if resumes_authorization(request):
        return pool_url(request, pool, "oidc:authorize") + carried_query(request, lang=None)
    return page_url(request, pool, "signed-in")


def remember(request, pool, key: str, value: dict | None) -> None:
    name = key.format(pool_id=pool.id)
    if value is None:
        request.session.pop(name, None)
    else:
        request.session[name] = value


def recall(request, pool, key: str) -> dict | None:
    return request.session.get(key.format(pool_id=pool.id))


def notice(request, pool, message: str) -> None:
    """A one-time message for the next page (e.g. "your password was reset")."""
    remember(request, pool, NOTICE_KEY, {"message": str(message)})


def take_notice(request, pool) -> str | None:
    value = recall(request, pool, NOTICE_KEY)
    remember(request, pool, NOTICE_KEY, None)
    return value["message"] if value else None
