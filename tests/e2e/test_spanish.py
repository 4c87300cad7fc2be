"""The hosted pages in Spanish: chosen by `lang` (as Cognito's managed login), else by Accept-Language."""
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible, assert_announced
from tests.e2e.conftest import PASSWORD
from tests.e2e.steps import expect_callback, expect_page, sign_in

SPANISH = {"identifier": "Nombre de usuario", "password_label": "Contraseña", "button": "Iniciar sesión"}


def test_lang_es_signs_in_in_spanish(page, rp, ana):
    page.goto(rp.authorize_url(lang="es"))
    expect_page(page, rp.pool, "login")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    assert_accessible(page)
    sign_in(page, "ana", "Not-the-password-1", **SPANISH)
    assert_announced(page.get_by_text("El nombre de usuario o la contraseña no son correctos."))
    sign_in(page, "ana", PASSWORD, **SPANISH)
    expect_callback(page)
    assert rp.redeem(page.url).id_claims["cognito:username"] == "ana"


def test_accept_language_picks_spanish(new_page, rp, ana):
    page = new_page(locale="es-ES")
    page.goto(rp.authorize_url())
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    expect(page.get_by_label("Nombre de usuario", exact=True)).to_be_visible()
