"""Fixtures of the browser tests: Debian's Chromium through Playwright, the live server, a real SMTP sink, a relying party.

Playwright's sync API runs its event loop in this thread (in a greenlet) and marks that loop as this
thread's running loop, which makes Django refuse ORM calls here (SynchronousOnlyOperation). The
loop is only needed while a test drives the browser, so `chromium` unmarks it as soon as it has
started, and `new_page` (behind `page`) marks it again for the one test and allows Django's ORM beside it
(DJANGO_ALLOW_ASYNC_UNSAFE, through monkeypatch). Tests of other folders that a worker runs after a
browser test thus see no event loop and keep Django's async-safety check.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from django.db import connections
from playwright.sync_api import Browser, sync_playwright

from tests import factories
from tests.e2e.chromium import CHROMIUM, TIMEOUT_MS, launch_args
from tests.e2e.relying_party import RelyingParty
from tests.smtp_sink import running_sink, use_sink

PASSWORD = factories.DEFAULT_PASSWORD


@dataclass
class Chromium:
    browser: Browser
    loop: asyncio.AbstractEventLoop


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium per test process (so one per xdist worker); never a downloaded browser."""
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=launch_args())
    loop = asyncio.get_running_loop()
    asyncio.events._set_running_loop(None)
    yield Chromium(browser=browser, loop=loop)
    asyncio.events._set_running_loop(loop)
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(chromium, live_server, monkeypatch):
    """Open a page in a new browser context (its own cookies): `new_page(locale="es-ES")`; all closed after the test."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    asyncio.events._set_running_loop(chromium.loop)
    contexts = []

    def open_page(**options):
        options = {"base_url": live_server.url, "locale": "en-US", "color_scheme": "light", **options}
        context = chromium.browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    # Django keeps a separate connection for a thread with a running loop; it would outlive the test database.
    connections.close_all()
    asyncio.events._set_running_loop(None)


@pytest.fixture
def page(new_page):
    """A fresh browser context and page per test, on the live server, in English, light colour scheme."""
    return new_page()


@pytest.fixture(autouse=True)
def _issuer_is_the_live_server(settings, live_server):
    # Tokens name the issuer the relying party fetched the JWKS from.
    settings.USERPOOLS_BASE_URL = live_server.url


@pytest.fixture(scope="session")
def _smtp_server():
    with running_sink() as (sink, port):
        yield sink, port


@pytest.fixture(autouse=True)
def mailbox(_smtp_server, settings, django_mail_patch_dns):
    """Every email the server sends in a browser test goes over SMTP to this sink; `mailbox.latest_code(address)`."""
    sink, port = _smtp_server
    sink.clear()
    use_sink(settings, port)
    return sink


@pytest.fixture
def hosted_pool(transactional_db):
    return factories.create_pool()


@pytest.fixture
def app(hosted_pool, live_server):
    """A public app client (PKCE) whose callback is the server's own demo page, so the browser really lands there."""
    return factories.create_client(
        pool=hosted_pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email", "profile"],
        callback_urls=[f"{live_server.url}/callback-demo"], logout_urls=[f"{live_server.url}/callback-demo"],
    )


@pytest.fixture
def rp(live_server, hosted_pool, app):
    return RelyingParty(base_url=live_server.url, pool=hosted_pool, client=app, redirect_uri=app.callback_urls[0])


@pytest.fixture
def ana(hosted_pool):
    """A confirmed user with a verified email and the factories' password (PASSWORD)."""
    return factories.create_user(pool=hosted_pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
