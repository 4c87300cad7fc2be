"""The branding a hosted page links to: its stylesheet, logo, favicon and background image.

Each URL carries `v`, the version of the row it came from; a request with the current version is
cached by browsers for a year, any other must revalidate (ETag). Images are served as the type
found from their bytes, never sniffed, and sandboxed: an SVG opened directly runs nothing here.
"""
from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe

from hostedui import branding
from hostedui.images import SVG
from identity import ratelimit
from identity.services import directory
from identity.web import pool_view

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _client(request, pool):
    client_id = request.GET.get("client_id", "")
    if not client_id:
        return None
    client = directory.find_client_cached(pool, client_id[:128])
    if client is None:
        raise Http404("No such app client.")
    return client


def _not_modified(request, etag: str) -> bool:
    wanted = parse_etags(request.headers.get("If-None-Match", ""))
    return etag in wanted or "*" in wanted


def _cached(request, response, version: str):
    response["ETag"] = f'"{version}"'
    response["Cache-Control"] = IMMUTABLE if request.GET.get("v") == version else REVALIDATE
    return response


@require_safe
@ratelimit.throttle(ratelimit.DISCOVERY)
@pool_view
def stylesheet(request, pool):
    client = _client(request, pool)
    layers = branding.load_layers(pool, client)
    version = layers.version
    if _not_modified(request, f'"{version}"'):
        return _cached(request, HttpResponseNotModified(), version)
    text = branding.stylesheet(layers, urls=branding.asset_urls(pool, client, request)) if layers.styled else ""
    response = HttpResponse(text, content_type="text/css; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return _cached(request, response, version)


def _image_view(field: str):
    @require_safe
    @ratelimit.throttle(ratelimit.DISCOVERY)
    @pool_view
    def view(request, pool):
        client = _client(request, pool)
        row = branding.load_layers(pool, client).image_row(field)
        if row is None:
            raise Http404("No image.")
        if _not_modified(request, f'"{branding.row_version(row)}"'):
            return _cached(request, HttpResponseNotModified(), branding.row_version(row))
        found = branding.image_of(pool, client, field)
        if found is None:
            raise Http404("No image.")
        data, content_type, version = found
        return _cached(request, image_response(data, content_type, name=field), version)

    view.__name__ = field
    return view


def image_response(data: bytes, content_type: str, *, name: str) -> HttpResponse:
    """An image with the headers that keep it an image: its own type, no sniffing, no scripts, no embedding elsewhere."""
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = IMAGE_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if content_type == SVG:
        # <img> and favicons ignore this; opening the file itself downloads it instead.
        response["Content-Disposition"] = f'attachment; filename="{name}.svg"'
    return response


logo = _image_view("logo")
favicon = _image_view("favicon")
background = _image_view("background_image")
