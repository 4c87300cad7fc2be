"""Protect Django views of a resource server with Userpools access tokens."""
from __future__ import annotations

import functools

from django.http import JsonResponse

from verifier import InvalidToken, TokenVerifier


def require_token(verifier: TokenVerifier, *, scopes: set[str] = frozenset(), groups: set[str] = frozenset()):
    """View decorator: a valid Bearer access token with these scopes (and one of these groups), or 401/403.

    The verified claims are put on `request.token_claims`.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            header = request.META.get("HTTP_AUTHORIZATION", "")
            if header[:7].lower() != "bearer ":
                return _refuse(401, "invalid_request", "Bearer access token required.")
            try:
                request.token_claims = verifier.verify_access_token(header[7:].strip(), scopes=scopes, groups=groups)
            except InvalidToken as exc:
                insufficient = str(exc).startswith(("missing scopes", "user is in none"))
                return _refuse(403 if insufficient else 401, "insufficient_scope" if insufficient else "invalid_token", str(exc))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _refuse(status: int, error: str, description: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["WWW-Authenticate"] = f'Bearer error="{error}"'
    return response
