"""Discovery and JWKS: plain views over the pool's published keys."""
from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from identity.errors import ResourceNotFoundException
from identity.services import directory, keys
from identity.services.pools import issuer_for


def _pool_or_404(pool_id: str):
    try:
        return directory.get_pool(pool_id)
    except ResourceNotFoundException as exc:
        return JsonResponse({"error": "not_found", "error_description": exc.message}, status=404)


@require_GET
def jwks(request, pool_id: str):
    pool = _pool_or_404(pool_id)
    if isinstance(pool, JsonResponse):
        return pool
    response = JsonResponse(keys.jwks(pool))
    # Relying parties may cache briefly; a rotation publishes the next key well before it signs.
    response["Cache-Control"] = f"public, max-age={keys.CACHE_SECONDS}"
    return response


@require_GET
def openid_configuration(request, pool_id: str):
    pool = _pool_or_404(pool_id)
    if isinstance(pool, JsonResponse):
        return pool
    issuer = issuer_for(pool)
    document = {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    return JsonResponse(document)
