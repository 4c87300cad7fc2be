"""Branding per pool and per client: the override order, what a page gets, the stylesheet, the save rules."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hostedui import branding
from hostedui.models import UICustomization
from identity import localcache
from identity.context import RequestContext
from identity.errors import InvalidParameterException
from identity.models import AuditEvent
from tests import factories
from tests.hostedui.branding_support import JPEG_HEADER, SVG, ico, png

OPERATOR = RequestContext(actor="operator:ops")


def set_branding(pool, client=None, **settings):
    images_in = {name: settings.pop(name) for name in ("logo", "favicon", "background_image") if name in settings}
    row, dropped = branding.set_ui_customization(pool=pool, client=client, settings=settings, images_in=images_in, context=OPERATOR)
    return row, dropped


def sheet(pool, client=None) -> str:
    return branding.stylesheet(branding.load_layers(pool, client), urls=branding.asset_urls(pool, client))


def test_a_pool_without_branding_gets_the_defaults_and_no_stylesheet(pool, client_app):
    page = branding.page_branding(pool, client_app)
    assert page == branding.Branding(mode="auto", logo_alt=pool.name)
    assert page.stylesheet_url is None and page.logo_url is None and page.favicon_url is None


def test_the_client_overrides_the_pool_field_by_field(pool, client_app):
    other = factories.create_client(pool=pool)
    set_branding(pool, primary_color="#112233", text_color="#222222", mode="dark", logo=png(), logo_alt="Pool Inc.")
    set_branding(pool, client_app, primary_color="#AA0000", favicon=ico())

    mine, theirs = branding.page_branding(pool, client_app), branding.page_branding(pool, other)
    assert mine.mode == theirs.mode == "dark"
    assert mine.logo_alt == "Pool Inc." and mine.logo_url.startswith(f"/{pool.id}/branding/logo?client_id={client_app.client_id}&v=")
    assert mine.favicon_url.startswith(f"/{pool.id}/branding/favicon?client_id={client_app.client_id}&v=")
    assert theirs.favicon_url is None
    css_mine, css_theirs = sheet(pool, client_app), sheet(pool, other)
    assert "--up-primary: #aa0000;" in css_mine and "--up-text: #222222;" in css_mine and "#112233" not in css_mine
    assert "--up-primary: #112233;" in css_theirs and "#aa0000" not in css_theirs


def test_a_client_row_alone_still_brands_that_client_only(pool, client_app):
    set_branding(pool, client_app, mode="light", surface_color="#fafafa")
    assert branding.page_branding(pool, client_app).mode == "light"
    assert branding.page_branding(pool, client_app).stylesheet_url is not None
    assert branding.page_branding(pool, None) == branding.Branding(mode="auto", logo_alt=pool.name)


def test_each_mode_gets_its_own_colours_and_auto_follows_the_browser(pool):
    set_branding(pool, primary_color="#111111", dark_primary_color="#eeeeee", border_radius="12px",
                 font_family='"Open Sans", sans-serif', background_image=png(4, 4))
    css = sheet(pool)
    assert ":root[data-theme=light] {\n  --up-primary: #111111;\n}" in css
    assert ":root[data-theme=dark] {\n  --up-primary: #eeeeee;\n}" in css
    assert "@media not all and (prefers-color-scheme: dark) {\n:root[data-theme=auto] {\n  --up-primary: #111111;" in css
    assert "@media (prefers-color-scheme: dark) {\n:root[data-theme=auto] {\n  --up-primary: #eeeeee;" in css
    assert '--up-radius: 12px;' in css and '--up-font: "Open Sans", sans-serif;' in css
    assert f'--up-background-image: url("/{pool.id}/branding/background?v=' in css


def test_a_light_colour_never_reaches_the_dark_mode(pool):
    set_branding(pool, primary_color="#111111")
    assert sheet(pool) == (
        ":root[data-theme=light] {\n  --up-primary: #111111;\n}\n"
        "@media not all and (prefers-color-scheme: dark) {\n:root[data-theme=auto] {\n  --up-primary: #111111;\n}\n}\n"
    )


def test_custom_css_is_stored_sanitised_and_appended_with_real_image_paths(pool):
    row, dropped = set_branding(
        pool, logo=png(), custom_css="@import 'https://evil.example/x.css';\n.brand-logo { background: url(branding/logo) }\np { position: fixed }"
    )
    assert row.custom_css == '.brand-logo {\n  background: url("branding/logo");\n}\n'
    assert dropped == ("line 1: @import is not allowed", "line 3: property position is not allowed")
    assert f'background: url("/{pool.id}/branding/logo?v={branding.row_version(row)}");' in sheet(pool)


def test_urls_drop_the_pool_prefix_on_the_pools_own_domain(pool, client_app, rf):
    set_branding(pool, logo=png(), primary_color="#123456")
    request = rf.get("/login")
    request.pool_domain_id, request.urlconf = pool.id, "config.domain_urls"
    page = branding.page_branding(pool, client_app, request)
    assert page.logo_url.startswith(f"/branding/logo?client_id={client_app.client_id}&v=")
    assert page.stylesheet_url.startswith(f"/branding.css?client_id={client_app.client_id}&v=")


def test_page_branding_reads_the_database_once_per_row_and_then_not_at_all(pool, client_app):
    set_branding(pool, primary_color="#123456", logo=png())
    localcache.clear()
    with CaptureQueriesContext(connection) as first:
        branding.page_branding(pool, client_app)
    with CaptureQueriesContext(connection) as again:
        branding.page_branding(pool, client_app)
    assert len(first) == 2 and len(again) == 0
    assert all('"logo"' not in query["sql"].split("FROM")[0] for query in first.captured_queries)


def test_a_change_is_seen_at_once_on_this_node(pool, client_app):
    assert branding.page_branding(pool, client_app).mode == "auto"
    set_branding(pool, mode="dark")
    assert branding.page_branding(pool, client_app).mode == "dark"
    set_branding(pool, client_app, mode="light")
    assert branding.page_branding(pool, client_app).mode == "light"


def test_versions_change_with_each_save(pool):
    first, _ = set_branding(pool, primary_color="#123456")
    before = branding.page_branding(pool, None).stylesheet_url
    UICustomization.objects.filter(pk=first.pk).update(updated_at=first.updated_at.replace(year=2000))
    set_branding(pool, primary_color="#654321")
    assert branding.page_branding(pool, None).stylesheet_url != before


def test_settings_not_named_keep_their_value_and_images_can_be_removed(pool):
    set_branding(pool, primary_color="#123456", logo=png())
    row, _ = branding.set_ui_customization(pool=pool, settings={"mode": "dark"}, clear=["logo"], context=OPERATOR)
    row.refresh_from_db()
    assert (row.primary_color, row.mode, row.logo_type, bytes(row.logo)) == ("#123456", "dark", "", b"")
    event = AuditEvent.objects.filter(pool=pool, event_type="SetUICustomization").order_by("-pk").first()
    assert event.actor == "operator:ops" and event.details == {"client_id": "ALL", "fields": ["logo", "mode"]}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"primary_color": "red"}, "hex colour"),
        ({"primary_color": "#12345"}, "hex colour"),
        ({"mode": "sepia"}, "light, dark or auto"),
        ({"border_radius": "url(https://evil)"}, "not a safe CSS value"),
        ({"font_family": "x; background: url(https://evil)"}, "not a safe CSS value"),
        ({"logo_alt": "x" * 101}, "at most 100"),
        ({"custom_css": "p{}" * 7000}, "at most 20000"),
        ({"css": "p {}"}, "Unknown UI customization settings: css"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(pool, values, message):
    with pytest.raises(InvalidParameterException, match=message):
        set_branding(pool, **values)
    assert not UICustomization.objects.filter(pool=pool).exists()
    assert not AuditEvent.objects.filter(pool=pool, event_type="SetUICustomization").exists()


@pytest.mark.parametrize(
    ("field", "data", "message"),
    [
        ("logo", b"GIF89a" + b"\x00" * (100 * 1024), "at most 100 KB"),
        ("logo", b"<html><script>alert(1)</script></html>", "must be one of"),
        ("logo", b"", "empty"),
        ("favicon", JPEG_HEADER, "must be one of: ICO, PNG, SVG"),
        ("background_image", SVG, "must be one of: PNG, JPEG, WEBP"),
        ("logo", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "scripts"),
        ("logo", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "scripts"),
        ("logo", b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>', "scripts"),
        ("logo", b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><use x:href="https://evil/x.svg#a"/></svg>', "scripts"),
        ("logo", b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://evil/x)"/></svg>', "scripts"),
        ("logo", b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil/x.css);</style></svg>', "scripts"),
        ("logo", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>', "must be one of"),
        ("logo", b'<svg xmlns="http://www.w3.org/2000/svg"><!ENTITY a "x"></svg>', "scripts"),
        ("logo", b'<svg xmlns="http://www.w3.org/2000/svg"><rect', "well-formed"),
    ],
)
def test_images_are_checked_by_their_bytes(pool, field, data, message):
    with pytest.raises(InvalidParameterException, match=message):
        set_branding(pool, **{field: data})
    assert not UICustomization.objects.filter(pool=pool).exists()


def test_accepted_images_are_stored_with_the_type_their_bytes_show(pool):
    row, _ = set_branding(pool, logo=SVG, favicon=ico(), background_image=JPEG_HEADER)
    row.refresh_from_db()
    assert (row.logo_type, row.favicon_type, row.background_image_type) == ("image/svg+xml", "image/x-icon", "image/jpeg")
    assert bytes(row.logo) == SVG


def test_a_client_of_another_pool_is_refused(pool):
    stranger = factories.create_client(pool=factories.create_pool())
    with pytest.raises(InvalidParameterException, match="does not belong"):
        set_branding(pool, stranger, primary_color="#123456")


def test_one_row_per_pool_and_per_client(pool, client_app):
    set_branding(pool, primary_color="#111111")
    set_branding(pool, primary_color="#222222")
    set_branding(pool, client_app, primary_color="#333333")
    set_branding(pool, client_app, mode="dark")
    assert UICustomization.objects.filter(pool=pool).count() == 2


def test_deleting_a_clients_row_falls_back_to_the_pool(pool, client_app):
    set_branding(pool, mode="dark")
    row, _ = set_branding(pool, client_app, mode="light")
    branding.delete_ui_customization(customization=row, context=OPERATOR)
    assert branding.page_branding(pool, client_app).mode == "dark"
    assert AuditEvent.objects.filter(pool=pool, event_type="DeleteUICustomization").exists()


def test_deleting_the_pool_deletes_its_branding(pool, client_app):
    from identity.services import pools

    set_branding(pool, client_app, mode="light", logo=png())
    pools.delete_user_pool(pool=pool)
    assert not UICustomization.objects.exists()
