"""The branding endpoints over HTTP: the stylesheet and the images, their headers and caching, on both kinds of host."""
from __future__ import annotations

import re

import pytest

from hostedui import branding
from identity.context import RequestContext
from identity.services import pools
from tests import factories
from tests.hostedui.branding_support import SVG, ico, png

OPERATOR = RequestContext(actor="operator:ops")


def brand(pool, client=None, *, images_in=None, **settings):
    return branding.set_ui_customization(pool=pool, client=client, settings=settings, images_in=images_in, context=OPERATOR)[0]


def test_the_stylesheet_is_css_with_a_version_and_immutable_caching(client, pool, client_app):
    brand(pool, primary_color="#123456", custom_css=".card { box-shadow: none }")
    url = branding.page_branding(pool, client_app).stylesheet_url
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = response.content.decode()
    assert "--up-primary: #123456;" in body and body.endswith(".card {\n  box-shadow: none;\n}\n")
    version = url.rsplit("v=", 1)[1]
    assert response["ETag"] == f'"{version}"'
    again = client.get(url, HTTP_IF_NONE_MATCH=f'"{version}"')
    assert again.status_code == 304 and again.content == b""


def test_a_stale_version_is_served_fresh_but_must_revalidate(client, pool):
    brand(pool, primary_color="#123456")
    response = client.get(f"/{pool.id}/branding.css?v=1")
    assert response.status_code == 200 and response["Cache-Control"] == "public, no-cache"
    assert "#123456" in response.content.decode()


def test_a_pool_without_branding_serves_an_empty_stylesheet(client, pool):
    response = client.get(f"/{pool.id}/branding.css")
    assert response.status_code == 200 and response.content == b""


def test_unknown_pools_and_clients_are_404(client, pool):
    brand(pool, primary_color="#123456")
    assert client.get("/local_nope12345/branding.css").status_code == 404
    assert client.get(f"/{pool.id}/branding.css?client_id=nope").status_code == 404
    stranger = factories.create_client(pool=factories.create_pool())
    assert client.get(f"/{pool.id}/branding.css?client_id={stranger.client_id}").status_code == 404


def test_only_get_and_head(client, pool):
    assert client.post(f"/{pool.id}/branding.css").status_code == 405
    assert client.head(f"/{pool.id}/branding.css").status_code == 200


@pytest.mark.parametrize(
    ("field", "route", "data", "content_type"),
    [
        ("logo", "branding/logo", png(), "image/png"),
        ("favicon", "branding/favicon", ico(), "image/x-icon"),
        ("background_image", "branding/background", png(8, 8), "image/png"),
        ("logo", "branding/logo", SVG, "image/svg+xml"),
    ],
)
def test_images_are_served_as_their_type_sandboxed_and_not_sniffed(client, pool, field, route, data, content_type):
    brand(pool, images_in={field: data})
    response = client.get(f"/{pool.id}/{route}")
    assert response.status_code == 200 and response.content == data
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert ("attachment" in response.get("Content-Disposition", "")) == (content_type == "image/svg+xml")


def test_the_logo_url_a_page_gets_serves_the_clients_logo_or_the_pools(client, pool, client_app):
    other = factories.create_client(pool=pool)
    pool_logo, client_logo = png(rgb=(1, 2, 3)), png(rgb=(4, 5, 6))
    brand(pool, images_in={"logo": pool_logo})
    brand(pool, client_app, images_in={"logo": client_logo})
    mine, theirs = branding.page_branding(pool, client_app), branding.page_branding(pool, other)
    assert client.get(mine.logo_url).content == client_logo
    assert client.get(theirs.logo_url).content == pool_logo
    assert client.get(mine.logo_url)["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = client.get(mine.logo_url)["ETag"]
    assert client.get(mine.logo_url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_missing_image_is_404(client, pool):
    brand(pool, primary_color="#123456")
    assert client.get(f"/{pool.id}/branding/logo").status_code == 404
    assert client.get(f"/{pool.id}/branding/favicon").status_code == 404


def test_on_the_pools_domain_the_same_routes_without_the_prefix(client, pool, settings):
    settings.ALLOWED_HOSTS = ["testserver", "auth.example.com"]
    pools.create_user_pool_domain(pool=pool, domain="auth.example.com")
    brand(pool, primary_color="#123456", images_in={"logo": png(), "background_image": png(2, 2)})
    css = client.get("/branding.css", HTTP_HOST="auth.example.com")
    assert css.status_code == 200
    assert '--up-background-image: url("/branding/background?v=' in css.content.decode()
    assert client.get("/branding/logo", HTTP_HOST="auth.example.com")["Content-Type"] == "image/png"
    assert client.get("/branding/background", HTTP_HOST="auth.example.com").status_code == 200


def _sign_in_page(client, pool, app, prefix: str, **headers) -> str:
    query = {"client_id": app.client_id, "response_type": "code", "redirect_uri": "https://app.example.com/cb", "scope": "openid"}
    response = client.get(f"{prefix}/login", query, **headers)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


@pytest.mark.parametrize("on_domain", [False, True])
def test_the_sign_in_page_links_what_it_is_branded_with(client, pool, settings, on_domain):
    settings.ALLOWED_HOSTS = ["testserver", "auth.example.com"]
    app = factories.create_client(pool=pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"], callback_urls=["https://app.example.com/cb"])
    pools.create_user_pool_domain(pool=pool, domain="auth.example.com")
    brand(pool, mode="dark", primary_color="#123456", logo_alt="Acme", images_in={"logo": png(), "favicon": ico()})
    headers = {"HTTP_HOST": "auth.example.com"} if on_domain else {}
    html = _sign_in_page(client, pool, app, "" if on_domain else f"/{pool.id}", **headers)
    prefix = "" if on_domain else f"/{pool.id}"
    assert 'data-theme="dark"' in html and 'alt="Acme"' in html
    for route in ("branding.css", "branding/logo", "branding/favicon"):
        url = re.search(rf'"({re.escape(prefix)}/{re.escape(route)}\?client_id={app.client_id}&amp;v=[0-9-]+)"', html).group(1)
        assert client.get(url.replace("&amp;", "&"), **headers).status_code == 200
