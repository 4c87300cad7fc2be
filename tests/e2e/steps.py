"""What a person does on the hosted pages, found by label and role as a screen reader would find them."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD


def fill(page: Page, fields: dict[str, str]) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)


def press(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()


def sign_in(
    page: Page, username: str, password: str = PASSWORD, *,
    identifier: str = "Username", password_label: str = "Password", button: str = "Sign in",
) -> None:
    fill(page, {identifier: username, password_label: password})
    press(page, button)


def expect_field_error(page: Page, label: str, message: str) -> None:
    """The form's live summary is announced, and the field's own error is its accessible description."""
    expect(page.locator("[role=alert]:not(:empty), [aria-live]:not([aria-live=off]):not(:empty)").first).to_be_visible()
    expect(page.get_by_label(label, exact=True)).to_have_accessible_description(re.compile(re.escape(message)))


def expect_page(page: Page, pool, route: str) -> None:
    """The browser is on the pool's hosted `route` (the authorization request still in the query)."""
    expect(page).to_have_url(re.compile(rf"/{pool.id}/{route}(\?|$)"))


def expect_callback(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/callback-demo\?code="))
