"""Branding in the console: saved through set_ui_customization, and previewed live without saving."""
from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hostedui import branding
from hostedui.models import UICustomization
from identity.context import RequestContext
from identity.models import AuditEvent
from tests.admin.conftest import _two_factor_optional, admin_url, console, form_data, messages_of, operator  # noqa: F401
from tests.hostedui.branding_support import png

OPERATOR = RequestContext(actor="operator:ops")


def upload(data: bytes, name: str = "logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def saved_row(pool, client=None, **settings) -> UICustomization:
    return branding.set_ui_customization(pool=pool, client=client, settings=settings, images_in=None, context=OPERATOR)[0]


def draft(console, url: str, data: dict):
    return console.post(url, data)


def test_the_add_page_has_the_preview_frame_and_its_script(console, pool):
    page = console.get(admin_url("hostedui_uicustomization_add"))
    html = page.content.decode()
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in html
    assert f'data-preview-url="{admin_url("hostedui_uicustomization_preview_new")}"' in html
    assert 'sandbox="allow-same-origin"' in html and "hostedui/admin-preview.js" in html


def test_adding_branding_saves_sanitised_css_and_the_logo_and_warns_about_what_was_dropped(console, pool, client_app):
    response = console.post(admin_url("hostedui_uicustomization_add"), {
        "pool": pool.pk, "client": client_app.pk, "mode": "dark", "primary_color": "#1A2B3C",
        "custom_css": "@import 'https://evil.example/x.css';\n.card { border-radius: 0 }",
        "logo_file": upload(png()), "logo_alt": "Acme",
    }, follow=True)
    assert response.status_code == 200
    row = UICustomization.objects.get(pool=pool, client=client_app)
    assert (row.mode, row.primary_color, row.logo_type, row.logo_alt) == ("dark", "#1a2b3c", "image/png", "Acme")
    assert row.custom_css == ".card {\n  border-radius: 0;\n}\n"
    assert any("Dropped from the custom CSS: line 1: @import is not allowed" in text for text in messages_of(response))
    assert AuditEvent.objects.filter(pool=pool, event_type="SetUICustomization", actor="operator:ops").exists()
    assert branding.page_branding(pool, client_app).mode == "dark"


def test_a_bad_value_is_a_form_error_and_nothing_is_saved(console, pool):
    response = console.post(admin_url("hostedui_uicustomization_add"), {
        "pool": pool.pk, "primary_color": "#12", "logo_file": upload(b"<html>not an image</html>", "x.png"),
    })
    assert response.status_code == 200 and "hex colour" in response.content.decode()
    assert not UICustomization.objects.exists()


def test_changing_and_removing_an_image(console, pool):
    row = branding.set_ui_customization(pool=pool, settings={"primary_color": "#123456"}, images_in={"logo": png()}, context=OPERATOR)[0]
    page = console.get(admin_url("hostedui_uicustomization_change", row.pk))
    assert "image/png" in page.content.decode()  # what is stored is shown
    data = {**form_data(page), "mode": "light", "clear_logo": "on"}
    assert console.post(admin_url("hostedui_uicustomization_change", row.pk), data).status_code == 302
    row.refresh_from_db()
    assert (row.mode, row.primary_color, row.logo_type) == ("light", "#123456", "")


def test_deleting_goes_through_the_service(console, pool):
    row = saved_row(pool, mode="dark")
    response = console.post(admin_url("hostedui_uicustomization_delete", row.pk), {"post": "yes"})
    assert response.status_code == 302 and not UICustomization.objects.exists()
    assert AuditEvent.objects.filter(pool=pool, event_type="DeleteUICustomization").exists()


def test_the_preview_shows_the_draft_and_saves_nothing(console, pool, client_app):
    saved_row(pool, primary_color="#111111", surface_color="#fefefe")
    row = saved_row(pool, client_app, primary_color="#222222", logo_alt="Saved")
    page = console.get(admin_url("hostedui_uicustomization_change", row.pk))
    data = {**form_data(page), "primary_color": "#333333", "mode": "dark", "logo_file": upload(png(2, 2))}
    answer = draft(console, admin_url("hostedui_uicustomization_preview", row.pk), data)
    assert answer.status_code == 200, answer.content
    preview_url = answer.json()["url"]

    preview = console.get(preview_url)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert preview["X-Frame-Options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in preview["Content-Security-Policy"]
    assert "no-store" in preview["Cache-Control"]
    assert '<html lang="en" data-theme="dark">' in html and 'alt="Saved"' in html
    assert "Sign in" in html
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]*preview[^"]*)"', html).group(1)
    css = console.get(stylesheet.replace("&amp;", "&")).content.decode()
    assert "--up-primary: #333333;" in css and "--up-surface: #fefefe;" in css  # draft, then the pool's
    logo = re.search(r'<img class="brand-logo" src="([^"]+)"', html).group(1)
    served = console.get(logo.replace("&amp;", "&"))
    assert served.content == png(2, 2) and served["Content-Security-Policy"].startswith("default-src 'none'")

    row.refresh_from_db()
    assert (row.primary_color, row.mode, row.logo_type) == ("#222222", "", "")


def test_a_new_rows_preview_and_what_its_css_would_lose(console, pool):
    answer = draft(console, admin_url("hostedui_uicustomization_preview_new"), {
        "pool": pool.pk, "mode": "light", "text_color": "#101010", "custom_css": "p { position: fixed } q { color: red }",
    })
    body = answer.json()
    assert answer.status_code == 200 and body["dropped"] == ["line 1: property position is not allowed"]
    assert 'data-theme="light"' in console.get(body["url"]).content.decode()
    assert not UICustomization.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"primary_color": "blue"}, "hex colour"),
        ({"pool": ""}, "Pool: This field is required."),
        ({"client": "nope"}, "Client: Select a valid choice."),
        ({"favicon_file": upload(b"GIF89a" + bytes(10))}, "favicon must be one of"),
    ],
)
def test_a_draft_with_a_bad_value_says_why(console, pool, data, message):
    answer = draft(console, admin_url("hostedui_uicustomization_preview_new"), {"pool": pool.pk, **data})
    assert answer.status_code == 400 and message in answer.json()["error"]


def test_a_preview_belongs_to_the_operator_who_made_it(console, pool, django_user_model):
    url = draft(console, admin_url("hostedui_uicustomization_preview_new"), {"pool": pool.pk}).json()["url"]
    assert console.get(url).status_code == 200
    other = django_user_model.objects.create_superuser(username="other", email="o@example.com", password="Other-password-42")
    browser = Client()
    browser.force_login(other)
    assert browser.get(url).status_code == 404
    browser.logout()
    assert browser.get(url).status_code == 302  # to the console's sign-in
    assert console.get(admin_url("hostedui_uicustomization_preview_new")).status_code == 405
