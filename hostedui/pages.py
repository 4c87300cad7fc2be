"""What every hosted page shares: the pool and app client, the language, the security headers, rendering."""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from hostedui import branding, flow
from identity import ratelimit
from identity.services import directory
from identity.web import pool_view

def hosted_page(view):
    """Resolve the pool and `client_id`, pick the language, limit requests and harden the response."""

    @never_cache
    @pool_view
    @functools.wraps(view)
    def wrapper(request, pool, **kwargs):
        language = choose_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            client = None
            # The address is counted before the client is looked up, and the client only once it is known.
            response = _throttled(request, pool, None)
            if response is None:
                client = directory.find_client_cached(pool, request.GET.get("client_id", ""))
                if client is None:
                    response = error_page(request, pool, _("This sign-in link is incomplete: it names no known app client."))
                else:
                    response = _throttled(request, pool, client) or view(request, pool, client, **kwargs)
        return harden(response, client)

    return wrapper


def in_page_language(view):
    """Run a view that renders pages for people (the OIDC error and signed-out pages) in the hosted pages' language."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(choose_language(request)):
            return view(request, *args, **kwargs)

    return wrapper


def choose_language(request) -> str:
    """Cognito's managed login picks `lang` first; then the browser's Accept-Language."""
    supported = {code for code, _name in settings.LANGUAGES}
    wanted = (request.GET.get("lang") or "").lower()
    if wanted in supported:
        return wanted
    if wanted.split("-")[0] in supported:
        return wanted.split("-")[0]
    return translation.get_language_from_request(request)


def _throttled(request, pool, client):
    """A request over its limit (identity.ratelimit): the caller's address when `client` is None, else the app client's.

    Form POSTs count in the sign-in scope; page views (GET, which can start work such as an
    authenticator's secret at MFA set-up) in the more generous page scope.
    """
    scope = ratelimit.SIGN_IN if request.method == "POST" else ratelimit.PAGE
    try:
        if client is None:
            ratelimit.limit_request(scope=scope, ip_address=request.META.get("REMOTE_ADDR"), client_id=None)
        else:
            ratelimit.limit_request(scope=scope, ip_address=None, client_id=client.client_id)
    except ratelimit.RequestsThrottled as exc:
        response = error_page(request, pool, _("Too many attempts. Wait a minute and try again."), status=429, client=client)
        response["Retry-After"] = str(exc.retry_after)
        return response
    return None


def page(request, pool, client, template: str, context: dict | None = None, *, status: int = 200):
    """Render a hosted page with what every page shows: branding, links that carry the request, a notice."""
    base = {
        "pool": pool,
        "client": client,
        "branding": branding.page_branding(pool, client),
        "links": {name.replace("-", "_"): flow.page_url(request, pool, name) for name in ("login", "signup", "forgot-password", "confirm")},
        "languages": [(code, name, flow.page_url(request, pool, request.resolver_match.url_name, lang=code)) for code, name in settings.LANGUAGES],
        "notice": flow.take_notice(request, pool),
        "signup_allowed": not pool.allow_admin_create_user_only,
        "passwordless": passwordless_links(request, pool, client),
    }
    return render(request, f"hostedui/{template}", {**base, **(context or {})}, status=status)


def passwordless_links(request, pool, client) -> dict:
    from hostedui.views.passwordless import links  # the views import this module

    return links(request, pool, client)


def error_page(request, pool, message: str, *, status: int = 400, client=None):
    return render(
        request, "hostedui/error.html",
        {"pool": pool, "client": client, "message": message, "branding": branding.page_branding(pool, client)},
        status=status,
    )


def harden(response, client):
    """A strict policy: our own scripts and styles only, no framing, forms only to us and the app's URLs."""
    targets = sorted({_origin(url) for url in (client.callback_urls + client.logout_urls)} - {None}) if client else []
    response["Content-Security-Policy"] = "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            # Chromium applies form-action to the redirects after a POST, so the app's callback must be listed.
            "form-action " + " ".join(["'self'", *targets]),
            "frame-ancestors 'none'",
        ]
    )
    response["X-Frame-Options"] = "DENY"
    # "no-referrer" would make Chromium send `Origin: null` with our own forms, which CSRF checking refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cross-Origin-Opener-Policy"] = "same-origin"
    return response


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"
