"""Screenshots of the hosted pages, light and dark: `make screenshots` writes docs/screenshots/<page>-<scheme>.png.

A fresh SQLite database in a temporary directory is migrated and seeded with the demo pool
(`seed_demo`) and served by Django's live-server thread; Debian's Chromium visits each page of
PAGES in each colour scheme, in a fresh browser context each time.
"""
from __future__ import annotations

# Page name (the PNG's name) → how the browser gets there. A plain page is a route under the pool,
# opened with the demo app's authorization request; a page that needs state gets a function below
# that drives the browser to it through the pages before it (a new context each time, no cookies).
PAGES = {
    "login": lambda tour: tour.authorize(),
    "signup": lambda tour: tour.open("signup"),
    "confirm": lambda tour: to_confirm(tour),
    "forgotPassword": lambda tour: tour.open("forgotPassword"),
    "confirmForgotPassword": lambda tour: to_confirm_forgot_password(tour),
    "newPassword": lambda tour: to_new_password(tour),
    "signedIn": lambda tour: to_signed_in(tour),
    "error": lambda tour: tour.goto(f"{tour.issuer}/login"),  # no client_id: the hosted error page
    "totpSetup": lambda tour: to_totp_setup(tour),
    "recoveryCodes": lambda tour: to_recovery_codes(tour),
    "totpCode": lambda tour: to_totp_code(tour),
    "selectFactor": lambda tour: to_select_factor(tour),
    "signInOptions": lambda tour: _passwordless_tour(tour).open("signInOptions"),
    "passkeys": lambda tour: to_passkeys(tour),
    "authEventFeedback": lambda tour: to_auth_event_feedback(tour),
}
COLOR_SCHEMES = ("light", "dark")
VIEWPORT = {"width": 640, "height": 800}
PASSWORD = "Screenshot-passw0rd"

import base64  # noqa: E402  (the table above is what people edit; it stays first)
import hashlib
import itertools
import os
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
_EMAILS = itertools.count(1)  # every context signs up someone new


def to_confirm(tour: Tour) -> None:
    tour.open("signup")
    tour.page.get_by_label("Email", exact=True).fill(tour.new_email())
    tour.page.get_by_label("Password", exact=True).fill(PASSWORD)
    tour.page.get_by_label("Confirm password", exact=True).fill(PASSWORD)
    tour.click("Sign up")


def to_confirm_forgot_password(tour: Tour) -> None:
    tour.open("forgotPassword")
    tour.page.get_by_label("Email", exact=True).fill(tour.demo_user)
    tour.click("Send code")


def to_new_password(tour: Tour) -> None:
    from identity.services import users

    email = tour.new_email()
    users.admin_create_user(pool=tour.pool, username=email, attributes={"email_verified": "true"},
                            temporary_password=PASSWORD, message_action="SUPPRESS")
    tour.sign_in(email)


def to_signed_in(tour: Tour) -> None:
    # Signing in without an app's authorization request ends on the hosted signed-in page.
    tour.goto(f"{tour.issuer}/login?{urlencode({'client_id': tour.client.client_id})}")
    tour.sign_in(tour.demo_user, navigate=False)


def _mfa_tour(tour: Tour) -> Tour:
    """The same browser on a second demo pool that requires an authenticator app (created once)."""
    from identity.models import UserPool
    from identity.services import mfa_config, pools

    pool = UserPool.objects.filter(name="Demo pool with MFA").first()
    if pool is None:
        pool = pools.create_user_pool(name="Demo pool with MFA", username_attributes=["email"])
        mfa_config.set_user_pool_mfa_config(pool=pool, mfa_configuration="ON", software_token_enabled=True)
        pools.create_user_pool_client(pool=pool, name="Demo app", allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email"],
                                      callback_urls=tour.client.callback_urls)
    return replace(tour, pool=pool, client=pool.clients.get())


def _new_mfa_user(tour: Tour) -> str:
    from identity.services import passwords, users

    email = tour.new_email()
    users.admin_create_user(pool=tour.pool, username=email, attributes={"email_verified": "true"}, message_action="SUPPRESS")
    passwords.admin_set_user_password(pool=tour.pool, username=email, password=PASSWORD, permanent=True)
    return email


def to_totp_setup(tour: Tour) -> str:
    mfa_tour = _mfa_tour(tour)
    email = _new_mfa_user(mfa_tour)
    mfa_tour.sign_in(email)
    return email


def to_recovery_codes(tour: Tour) -> None:
    import pyotp

    to_totp_setup(tour)
    secret = tour.page.locator("#totp-secret").inner_text().strip()
    tour.page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
    tour.click("Confirm")


def to_totp_code(tour: Tour) -> None:
    import pyotp

    from identity.services import mfa

    mfa_tour = _mfa_tour(tour)
    email = _new_mfa_user(mfa_tour)
    user = mfa_tour.pool.users.get(email_login=email)
    secret = mfa.associate_software_token(user=user)
    mfa.verify_software_token(user=user, code=pyotp.TOTP(secret).now())
    mfa_tour.sign_in(email)


def to_select_factor(tour: Tour) -> None:
    import pyotp

    from identity.services import mfa, mfa_config

    mfa_tour = _mfa_tour(tour)
    mfa_config.set_user_pool_mfa_config(pool=mfa_tour.pool, mfa_configuration="ON", software_token_enabled=True, email_enabled=True)
    mfa_tour.pool.refresh_from_db()
    email = _new_mfa_user(mfa_tour)
    user = mfa_tour.pool.users.get(email_login=email)
    mfa.verify_software_token(user=user, code=pyotp.TOTP(mfa.associate_software_token(user=user)).now())
    mfa.set_user_mfa_preference(user=user, software_token={"Enabled": True, "PreferredMfa": False}, email={"Enabled": True})
    mfa_tour.sign_in(email)


def _passwordless_tour(tour: Tour) -> Tour:
    """A third demo pool whose users may sign in with a passkey or an emailed code (created once)."""
    from identity.models import UserPool
    from identity.services import pools

    pool = UserPool.objects.filter(name="Demo pool, passwordless").first()
    if pool is None:
        pool = pools.create_user_pool(name="Demo pool, passwordless", username_attributes=["email"],
                                      allowed_first_auth_factors=["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"])
        pools.create_user_pool_client(pool=pool, name="Demo app", allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email"],
                                      callback_urls=tour.client.callback_urls,
                                      explicit_auth_flows=["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    return replace(tour, pool=pool, client=pool.clients.get())


def to_passkeys(tour: Tour) -> None:
    from urllib.parse import urlencode as encode

    passwordless = _passwordless_tour(tour)
    email = _new_mfa_user(passwordless)
    passwordless.goto(f"{passwordless.issuer}/login?{encode({'client_id': passwordless.client.client_id})}")
    passwordless.sign_in(email, navigate=False)
    passwordless.goto(f"{passwordless.issuer}/passkeys?{encode({'client_id': passwordless.client.client_id})}")


def to_auth_event_feedback(tour: Tour) -> None:
    """The "was this you?" page that a blocked sign-in's email links to, opened from its "This was not me" link."""
    from identity.context import RequestContext
    from identity.errors import NotAuthorizedException
    from identity.models import AuthEvent, UserPool
    from identity.services import pools, risk, signin

    pool = UserPool.objects.filter(name="Demo pool with threat protection").first()
    if pool is None:
        pool = pools.create_user_pool(name="Demo pool with threat protection", username_attributes=["email"],
                                      threat_protection_mode="ENFORCED", risk_high_action="BLOCK", risk_high_notify=True)
        pools.create_user_pool_client(pool=pool, name="Demo app", explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH"],
                                      callback_urls=tour.client.callback_urls)
    guarded = replace(tour, pool=pool, client=pool.clients.get())
    email = _new_mfa_user(guarded)

    def sign_in(password: str, context: RequestContext) -> None:
        try:
            signin.initiate_auth(pool=pool, client=guarded.client, auth_flow="USER_PASSWORD_AUTH",
                                 auth_parameters={"USERNAME": email, "PASSWORD": password}, context=context)
        except NotAuthorizedException:
            pass  # the guesses, and the blocked sign-in itself

    # As in tests/e2e/test_auth_event_feedback.py: known at home, then guesses and the right password from elsewhere.
    sign_in(PASSWORD, RequestContext(ip_address="203.0.113.7", user_agent="Firefox at home", device_id="laptop"))
    elsewhere = RequestContext(ip_address="198.51.100.23", user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0")
    for attempt in range(3):
        sign_in(f"Wrong-guess-{attempt}", elsewhere)
    sign_in(PASSWORD, elsewhere)
    blocked = AuthEvent.objects.filter(user__pool=pool, user__email_login=email, event_type="SignIn").order_by("-id").first()
    guarded.goto(risk.feedback_links(blocked, guarded.client)[AuthEvent.Feedback.INVALID])


@dataclass
class Tour:
    """The browser page, the demo pool and app, and the moves the page functions are made of."""

    page: object
    base_url: str
    pool: object
    client: object
    demo_user: str

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/{self.pool.id}"

    def authorization_query(self) -> str:
        challenge = base64.urlsafe_b64encode(hashlib.sha256(b"screenshots" * 5).digest()).rstrip(b"=").decode()
        return urlencode({
            "client_id": self.client.client_id, "response_type": "code", "scope": " ".join(self.client.allowed_oauth_scopes),
            "redirect_uri": self.client.callback_urls[0], "code_challenge": challenge, "code_challenge_method": "S256",
        })

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def authorize(self) -> None:
        self.goto(f"{self.issuer}/oauth2/authorize?{self.authorization_query()}")

    def open(self, route: str) -> None:
        self.goto(f"{self.issuer}/{route}?{self.authorization_query()}")

    def click(self, button: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button, exact=True).click()

    def sign_in(self, username: str, password: str = PASSWORD, *, navigate: bool = True) -> None:
        if navigate:
            self.authorize()
        self.page.get_by_label("Email", exact=True).fill(username)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.click("Sign in")

    def new_email(self) -> str:
        return f"screenshot{next(_EMAILS)}@example.com"


def _start_django(workdir: Path) -> str:
    """Settings for a throwaway server (its own SQLite file, locmem email) on a free port; returns its URL."""
    from tests.smtp_sink import free_port

    port = free_port()
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'screenshots.sqlite3'}"
    # localhost, not 127.0.0.1: a passkey's relying party must be a host name, not an address.
    os.environ["USERPOOLS_BASE_URL"] = f"http://localhost:{port}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Playwright's sync API runs an event loop in this thread; the page functions may still use the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django
    from django.conf import settings

    django.setup()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return os.environ["USERPOOLS_BASE_URL"]


def _seed():
    from django.core.management import call_command

    from identity.management.commands.seed_demo import DEMO_CLIENT, DEMO_POOL, DEMO_USER
    from identity.models import UserPool
    from identity.services import passwords

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    pool = UserPool.objects.get(name=DEMO_POOL)
    passwords.admin_set_user_password(pool=pool, username=DEMO_USER, password=PASSWORD, permanent=True)
    return pool, pool.clients.get(name=DEMO_CLIENT), DEMO_USER


def _serve(port: int):
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=port)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server


def main(names: list[str]) -> None:
    unknown = set(names) - set(PAGES)
    if unknown:
        sys.exit(f"unknown pages {sorted(unknown)}; known: {', '.join(PAGES)}")
    with tempfile.TemporaryDirectory() as workdir:
        base_url = _start_django(Path(workdir))
        pool, client, demo_user = _seed()
        server = _serve(int(base_url.rsplit(":", 1)[1]))
        try:
            _shoot(base_url, pool, client, demo_user, names or list(PAGES))
        finally:
            server.terminate()


def _shoot(base_url, pool, client, demo_user, names) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.chromium import CHROMIUM, TIMEOUT_MS, launch_args

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=launch_args())
        for name, scheme in itertools.product(names, COLOR_SCHEMES):
            started = time.monotonic()
            context = browser.new_context(color_scheme=scheme, locale="en-US", viewport=VIEWPORT, reduced_motion="reduce")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            PAGES[name](Tour(page=page, base_url=base_url, pool=pool, client=client, demo_user=demo_user))
            page.wait_for_load_state("load")
            path = OUT / f"{name}-{scheme}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"{path.relative_to(ROOT)}  ({page.url.split('?')[0].removeprefix(base_url)}, {time.monotonic() - started:.1f}s)")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
