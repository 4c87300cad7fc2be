"""Triggers seen through the hosted pages (Django's test client): each handler in-process and as a webhook."""
from __future__ import annotations

from django.core import mail

from identity.models import User
from tests import factories
from tests.hostedui.conftest import last_code, text
from tests.identity.trigger_handlers import LEGACY_USERS, clean_handlers, install, sources, target  # noqa: F401 (fixtures)

PASSWORD = factories.DEFAULT_PASSWORD


def test_a_pre_authentication_denial_is_shown_on_the_sign_in_page(pages, hosted_pool, target):
    factories.create_user(pool=hosted_pool, username="blocked-ana")
    install(hosted_pool, PreAuthentication=target("pre_authentication"))
    page = pages.get(pages.url("login"))
    denied = pages.post(page, {"username": "blocked-ana", "password": PASSWORD})
    assert denied.status_code == 400
    assert "PreAuthentication failed with error Your account is suspended." in text(denied)
    assert not hasattr(denied, "callback")


def test_auto_confirm_lands_straight_on_the_callback(pages, hosted_pool, target):
    install(hosted_pool, PreSignUp=target("auto_confirm"))
    page = pages.get(pages.url("signup"))
    done = pages.post(page, {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD, "confirm_password": PASSWORD})
    assert done.status_code == 302 and done.callback["code"]  # no confirmation page, no code sent
    assert mail.outbox == []
    user = User.objects.get(pool=hosted_pool, username="zoe")
    assert user.status == User.Status.CONFIRMED and user.attributes["email_verified"] == "true"
    assert sources() == ["PreSignUp_SignUp"]


def test_a_pre_sign_up_refusal_is_shown_and_creates_nobody(pages, hosted_pool, target):
    install(hosted_pool, PreSignUp=target("auto_confirm"))
    page = pages.get(pages.url("signup"))
    refused = pages.post(page, {"username": "zed", "email": "zed@closed.example", "password": PASSWORD, "confirm_password": PASSWORD})
    assert refused.status_code == 400 and "PreSignUp failed with error Sign-ups from this domain are closed." in text(refused)
    assert not User.objects.filter(pool=hosted_pool, username="zed").exists()


def test_a_legacy_user_signs_in_on_the_hosted_page(pages, hosted_pool, target):
    install(hosted_pool, UserMigration=target("migrate"))
    page = pages.get(pages.url("login"))
    done = pages.post(page, {"username": "legacy-ana", "password": LEGACY_USERS["legacy-ana"]["password"]})
    assert done.callback["code"]
    assert User.objects.get(pool=hosted_pool, username="legacy-ana").status == User.Status.CONFIRMED


def test_the_hosted_sign_up_email_is_the_custom_message(pages, hosted_pool, target):
    install(hosted_pool, CustomMessage=target("custom_message"))
    page = pages.get(pages.url("signup"))
    confirm = pages.post(page, {"username": "amy", "email": "amy@example.com", "password": PASSWORD, "confirm_password": PASSWORD})
    assert mail.outbox[-1].subject == "Acme: CustomMessage_SignUp" and "your Acme code is" in mail.outbox[-1].body
    done = pages.post(confirm, {"code": last_code("amy@example.com")})
    assert done.callback["code"]
