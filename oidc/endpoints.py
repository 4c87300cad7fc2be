"""userInfo (OIDC Core §5.3), revocation (RFC 7009), introspection (RFC 7662) and logout."""
from __future__ import annotations

from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidRequestError, UnauthorizedClientError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from joserfc import jwt
from joserfc.errors import JoseError

from hostedui import session
from identity.errors import IdentityError, UnsupportedTokenTypeException
from identity.services import claims, directory, keys, tokens
from identity.services.pools import issuer_for

PUBLIC_OR_CONFIDENTIAL = ["client_secret_basic", "client_secret_post", "none"]


def _bearer_error(status: int, error: str, description: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["WWW-Authenticate"] = f'Bearer error="{error}", error_description="{description}"'
    return response


def _bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.POST.get("access_token") if request.method == "POST" else None


def userinfo(request, pool):
    """The signed-in user's readable attributes, for an access token granted `openid` (RFC 6750 errors)."""
    token = _bearer_token(request)
    if not token:
        response = JsonResponse({"error": "invalid_request", "error_description": "Missing access token."}, status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    try:
        verified = tokens.verify_access_token(pool=pool, token=token)
    except IdentityError as exc:
        return _bearer_error(401, "invalid_token", exc.message)
    if verified.user is None or "openid" not in verified.scopes:
        return _bearer_error(403, "insufficient_scope", "The access token was not granted the openid scope.")
    client = directory.find_client_cached(pool, verified.client_id)
    body = {"sub": str(verified.user.sub), "username": verified.user.username}
    body.update(claims.attribute_claims(verified.user, client))
    return JsonResponse(body)



def _authenticate(server, request, methods):
    oauth_request = server.create_oauth2_request(request)
    return oauth_request, server.authenticate_client(oauth_request, methods, endpoint="revoke")


def revoke(request, pool, server):
    """Revoke a refresh token and what it produced; unknown tokens answer 200 (RFC 7009 §2.2)."""
    try:
        oauth_request, client = _authenticate(server, request, PUBLIC_OR_CONFIDENTIAL)
        token = request.POST.get("token")
        if not token:
            raise InvalidRequestError("Missing 'token' parameter.")
        if not client.enable_token_revocation:
            raise UnauthorizedClientError("Token revocation is not enabled for this app client.")
        tokens.revoke_refresh_token(pool=pool, client=client, token=token)
    except OAuth2Error as error:
        return server.handle_error_response(request, error)
    except UnsupportedTokenTypeException as exc:  # an access or ID token (RFC 7009 §2.2.1)
        return JsonResponse({"error": "unsupported_token_type", "error_description": exc.message}, status=400)
    except IdentityError as exc:
        return JsonResponse({"error": "invalid_request", "error_description": exc.message}, status=400)
    return JsonResponse({}, status=200)


def introspect(request, pool, server):
    """Token state for confidential clients of the pool (RFC 7662); Cognito has no such endpoint."""
    try:
        _, client = _authenticate(server, request, ["client_secret_basic", "client_secret_post"])
    except OAuth2Error as error:
        return server.handle_error_response(request, error)
    token = request.POST.get("token", "")
    body = _introspect_access(pool, token) if token.count(".") == 2 else _introspect_refresh(pool, token)
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


def _introspect_access(pool, token: str) -> dict:
    try:
        verified = tokens.verify_access_token(pool=pool, token=token)
    except IdentityError:
        return {"active": False}
    fields = ("sub", "client_id", "scope", "exp", "iat", "iss", "jti", "username", "token_use")
    return {"active": True, "token_type": "access_token", **{k: verified.claims[k] for k in fields if k in verified.claims}}


def _introspect_refresh(pool, token: str) -> dict:
    record = tokens.live_refresh_token(pool=pool, refresh_token=token)
    if record is None:
        return {"active": False}
    return {
        "active": True,
        "token_type": "refresh_token",
        "client_id": record.client_id,
        "sub": str(record.user.sub),
        "username": record.user.username,
        "scope": " ".join(record.scopes),
        "exp": int(record.expires_at.timestamp()),
        "iat": int(record.created_at.timestamp()),
        "iss": issuer_for(pool),
    }


def logout(request, pool):
    """End the hosted-UI session; return to an exact registered sign-out URL, Cognito's or OIDC's way."""
    params = request.GET
    client_id, target = params.get("client_id"), params.get("logout_uri")
    if params.get("id_token_hint") or params.get("post_logout_redirect_uri"):
        client_id = _client_from_hint(pool, params.get("id_token_hint")) or client_id
        target = params.get("post_logout_redirect_uri")
    client = directory.find_client_cached(pool, client_id or "")
    if client is None:
        return render(request, "oidc/error.html", {"error": "invalid_request", "description": "Unknown or missing client_id."}, status=400)
    if target and target not in client.logout_urls:
        return render(request, "oidc/error.html", {"error": "invalid_request", "description": "The sign-out URL is not registered for this client."}, status=400)
    session.sign_out(request, pool)
    if not target:
        return render(request, "oidc/signed_out.html", {"pool": pool})
    state = params.get("state")
    return HttpResponseRedirect(target + (("&" if "?" in target else "?") + urlencode({"state": state}) if state else ""))


def _client_from_hint(pool, hint: str | None) -> str | None:
    if not hint:
        return None
    try:
        decoded = jwt.decode(hint, keys.signing_keys(pool).key_set, algorithms=["RS256"])
    except (JoseError, ValueError):
        return None
    # An expired hint still names its client (OIDC RP-Initiated Logout §2); the signature must hold.
    if decoded.claims.get("iss") != issuer_for(pool) or decoded.claims.get("token_use") != "id":
        return None
    return decoded.claims.get("aud")
