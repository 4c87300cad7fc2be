"""OAuth 2.0 / OIDC endpoints under each pool's issuer, named as Cognito names them."""
from __future__ import annotations

from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oidc.core.errors import LoginRequiredError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hostedui import session
from hostedui.pages import in_page_language
from identity import clock, ratelimit
from identity.web import pool_url, pool_view
from identity.services import keys
from oidc import discovery, endpoints
from oidc.server import build_authorization_server


@require_GET
@ratelimit.throttle(ratelimit.DISCOVERY)
@pool_view
def jwks(request, pool):
    response = JsonResponse(keys.jwks(pool))
    # Relying parties may cache briefly; a rotation publishes the next key well before it signs.
    response["Cache-Control"] = f"public, max-age={keys.CACHE_SECONDS}"
    return response


@require_GET
@ratelimit.throttle(ratelimit.DISCOVERY)
@pool_view
def openid_configuration(request, pool):
    return JsonResponse(discovery.document(pool))


def error_page(request, error: OAuth2Error, status: int = 400):
    """Errors that cannot go back to the client (unknown client, unregistered redirect URI)."""
    return render(request, "oidc/error.html", {"error": error.error, "description": error.description}, status=status)


@require_GET
@ratelimit.throttle()
@in_page_language
@pool_view
def authorize(request, pool):
    server = build_authorization_server(pool)
    try:
        grant = server.get_consent_grant(request, end_user=None)
    except OAuth2Error as error:
        if getattr(error, "redirect_uri", None):
            return server.handle_error_response(request, error)
        return error_page(request, error)
    provider = request.GET.get("identity_provider") or request.GET.get("idp_identifier")
    if provider and provider != "COGNITO":
        # Federation lands with its own issue; until then only the pool's own users sign in.
        error = UnsupportedIdentityProviderError(redirect_uri=grant.redirect_uri, redirect_fragment=grant.ERROR_RESPONSE_FRAGMENT)
        error.state = request.GET.get("state")
        return server.handle_error_response(request, error)
    signed_in = session.current_user(request, pool)
    prompt = request.GET.get("prompt", "")
    if signed_in and _too_old(signed_in, request.GET.get("max_age")):
        signed_in = None
    if signed_in is None and prompt == "none":
        error = LoginRequiredError(redirect_uri=grant.redirect_uri, redirect_fragment=grant.ERROR_RESPONSE_FRAGMENT)
        error.state = request.GET.get("state")
        return server.handle_error_response(request, error)
    if signed_in is None or prompt == "login":
        return _to_sign_in(request, pool)
    return server.create_authorization_response(request, grant_user=signed_in, grant=grant)


class UnsupportedIdentityProviderError(OAuth2Error):
    error = "invalid_request"
    description = "The identity provider is not configured for this client."


def _too_old(signed_in, max_age: str | None) -> bool:
    if max_age is None or not max_age.isdigit():
        return False
    return (clock.now() - signed_in.auth_time).total_seconds() > int(max_age)


def _to_sign_in(request, pool):
    # The sign-in page resumes this same authorization request afterwards, without prompt=login.
    params = [(k, v) for k, v in request.GET.items() if k != "prompt"]
    return HttpResponseRedirect(pool_url(request, pool, "hostedui:login") + "?" + urlencode(params))


@csrf_exempt
@require_POST
@ratelimit.throttle(ratelimit.TOKEN)
@pool_view
def token(request, pool):
    return build_authorization_server(pool).create_token_response(request)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@ratelimit.throttle(ratelimit.TOKEN)
@pool_view
def userinfo(request, pool):
    return endpoints.userinfo(request, pool)


@csrf_exempt
@require_POST
@ratelimit.throttle(ratelimit.TOKEN)
@pool_view
def revoke(request, pool):
    return endpoints.revoke(request, pool, build_authorization_server(pool))


@csrf_exempt
@require_POST
@ratelimit.throttle(ratelimit.TOKEN)
@pool_view
def introspect(request, pool):
    return endpoints.introspect(request, pool, build_authorization_server(pool))


@require_GET
@ratelimit.throttle(ratelimit.PAGE)
@in_page_language
@pool_view
def logout(request, pool):
    return endpoints.logout(request, pool)
