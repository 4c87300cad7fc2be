"""The risk notification's feedback page with Django's test client: opening the link shows the sign-in and changes
nothing; the button records the answer (as UpdateAuthEventFeedback does); forged, expired and CSRF-less requests change nothing."""
import datetime
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.test import Client

from cognito_api.credentials import create_access_key
from identity import clock
from identity.context import RequestContext
from identity.errors import NotAuthorizedException
from identity.models import AuthEvent
from identity.services import pools, risk, signin
from tests import factories
from tests.cognito_api.conftest import boto3_client
from tests.factories import DEFAULT_PASSWORD
from tests.hostedui.conftest import text

HOME = RequestContext(ip_address="203.0.113.7", user_agent="Firefox at home", device_id="laptop")
PHONE = RequestContext(ip_address="203.0.113.8", user_agent="Mobile Safari on an iPhone", device_id="phone")


@pytest.fixture
def pool(db):
    return factories.create_pool(threat_protection_mode="ENFORCED", risk_low_notify=True)


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool)


@pytest.fixture
def ana(pool):
    return factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})


def _risky_sign_in(pool, app, mailoutbox, capture) -> tuple[AuthEvent, dict[str, str]]:
    """A known sign-in, then one from a new device (Low, notified): that event and the links its email carries."""
    for context in (HOME, PHONE):
        with capture(execute=True):
            signin.initiate_auth(pool=pool, client=app, auth_flow="USER_PASSWORD_AUTH",
                                 auth_parameters={"USERNAME": "ana", "PASSWORD": DEFAULT_PASSWORD}, context=context)
    [notice] = mailoutbox
    links = dict(re.findall(r"This was (me|not me): (\S+)", notice.body))
    event = AuthEvent.objects.filter(user__username="ana").order_by("-id").first()
    assert event.risk_level == "Low" and set(links) == {"me", "not me"}
    return event, links


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def _browser() -> Client:
    return Client(enforce_csrf_checks=True)


def _csrf(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(response)).group(1)


def test_the_link_shows_the_sign_in_and_only_the_button_records_the_answer(pool, app, ana, mailoutbox, django_capture_on_commit_callbacks):
    event, links = _risky_sign_in(pool, app, mailoutbox, django_capture_on_commit_callbacks)
    browser = _browser()
    opened = browser.get(_path(links["not me"]))
    # The token leaves the URL for the session before anything is shown.
    assert opened.status_code == 302 and "token=" not in opened["Location"] and "value=Invalid" in opened["Location"]
    shown = browser.get(opened["Location"])
    body = text(shown)
    assert shown.status_code == 200 and "Was this you?" in body
    assert "Mobile Safari on an iPhone" in body and "203.0.113.0/24" in body and f"{event.created_at:%Y}" in body
    assert 'value="Invalid" class="primary"' in body and 'value="Valid" class="secondary"' in body
    assert shown["Content-Security-Policy"].startswith("default-src 'none'") and shown["X-Frame-Options"] == "DENY"
    event.refresh_from_db()
    assert event.feedback_value == ""  # a scanner opening the link changes nothing

    answered = browser.post(opened["Location"], {"csrfmiddlewaretoken": _csrf(shown), "value": "Invalid"})
    assert answered.status_code == 302
    event.refresh_from_db()
    assert (event.feedback_value, event.feedback_provider) == ("Invalid", "User")
    after = text(browser.get(answered["Location"]))
    assert "marked as not yours" in after and "You said this sign-in was not yours." in after and "Change your password" in after
    # The answer feeds the profile: that device is now untrusted, so its next sign-in is High (MFA required; ana has none).
    with pytest.raises(NotAuthorizedException):
        signin.initiate_auth(pool=pool, client=app, auth_flow="USER_PASSWORD_AUTH",
                             auth_parameters={"USERNAME": "ana", "PASSWORD": DEFAULT_PASSWORD}, context=PHONE)
    latest = AuthEvent.objects.filter(user=ana).order_by("-id").first()
    assert (latest.risk_level, latest.risk_decision) == ("High", "Block") and "untrusted_device" in latest.risk_reasons


def test_a_tampered_token_is_refused_and_changes_nothing(pool, app, ana, mailoutbox, django_capture_on_commit_callbacks):
    event, links = _risky_sign_in(pool, app, mailoutbox, django_capture_on_commit_callbacks)
    token = re.search(r"token=([^&]+)", links["me"]).group(1)
    forged = links["me"].replace(token, token[:-3] + ("xyz" if not token.endswith("xyz") else "abc"))
    browser = _browser()
    refused = browser.get(_path(forged))
    assert refused.status_code == 400 and "This link is not valid or has expired, so nothing was changed." in text(refused)
    # Nothing was kept for a later POST either.
    assert browser.post(f"/{pool.id}/auth-event-feedback?client_id={app.client_id}", {"value": "Valid"}).status_code == 403
    page = browser.get(f"/{pool.id}/auth-event-feedback?client_id={app.client_id}")
    assert page.status_code == 400 and "not valid or has expired" in text(page)
    event.refresh_from_db()
    assert event.feedback_value == ""


def test_an_expired_token_is_refused(pool, app, ana, mailoutbox, django_capture_on_commit_callbacks, monkeypatch):
    event, links = _risky_sign_in(pool, app, mailoutbox, django_capture_on_commit_callbacks)
    browser = _browser()
    opened = browser.get(_path(links["me"]))
    later = clock.now() + datetime.timedelta(days=risk.FEEDBACK_TOKEN_DAYS, seconds=5)
    monkeypatch.setattr("time.time", lambda: later.timestamp())  # django.core.signing's clock
    assert "not valid or has expired" in text(browser.get(opened["Location"]))  # held in the session, but stale now
    assert browser.get(_path(links["me"])).status_code == 400
    event.refresh_from_db()
    assert event.feedback_value == ""


def test_the_answer_needs_the_pages_csrf_token(pool, app, ana, mailoutbox, django_capture_on_commit_callbacks):
    event, links = _risky_sign_in(pool, app, mailoutbox, django_capture_on_commit_callbacks)
    browser = _browser()
    opened = browser.get(_path(links["me"]))
    assert browser.post(opened["Location"], {"value": "Valid"}).status_code == 403
    assert browser.post(opened["Location"], {"csrfmiddlewaretoken": "x" * 64, "value": "Valid"}).status_code == 403
    shown = browser.get(opened["Location"])
    unknown = browser.post(opened["Location"], {"csrfmiddlewaretoken": _csrf(shown), "value": "Maybe"})
    assert unknown.status_code == 400 and "Choose one of the two answers." in text(unknown)
    event.refresh_from_db()
    assert event.feedback_value == ""


def test_the_page_speaks_the_users_language_and_answers_on_the_pools_domain(pool, app, ana, mailoutbox, django_capture_on_commit_callbacks,
                                                                           settings):
    settings.ALLOWED_HOSTS = ["testserver", "auth.example.com"]
    _event, links = _risky_sign_in(pool, app, mailoutbox, django_capture_on_commit_callbacks)
    browser = _browser()
    opened = browser.get(_path(links["me"]) + "&lang=es")
    assert "¿Fue usted?" in text(browser.get(opened["Location"]))
    pools.create_user_pool_domain(pool=pool, domain="auth.example.com")
    on_domain = _browser()
    query = urlsplit(links["me"]).query
    moved = on_domain.get(f"/auth-event-feedback?{query}", HTTP_HOST="auth.example.com", HTTP_ACCEPT_LANGUAGE="de")
    assert moved.status_code == 302 and moved["Location"].startswith("/auth-event-feedback?")
    assert "Waren Sie das?" in text(on_domain.get(moved["Location"], HTTP_HOST="auth.example.com", HTTP_ACCEPT_LANGUAGE="de"))


def test_the_answer_shows_in_admin_list_user_auth_events(live_server, transactional_db, mailoutbox, django_capture_on_commit_callbacks):
    pool = factories.create_pool(threat_protection_mode="ENFORCED", risk_low_notify=True)
    app = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    event, links = _risky_sign_in(pool, app, mailoutbox, django_capture_on_commit_callbacks)
    browser = _browser()
    opened = browser.get(_path(links["me"]))
    browser.post(opened["Location"], {"csrfmiddlewaretoken": _csrf(browser.get(opened["Location"])), "value": "Valid"})
    create_access_key(access_key_id="feedback-key", secret_access_key="feedback-secret")
    idp = boto3_client(live_server.url, "feedback-key", "feedback-secret")
    listed = idp.admin_list_user_auth_events(UserPoolId=pool.id, Username="ana", MaxResults=1)["AuthEvents"][0]
    assert listed["EventId"] == str(event.event_id)
    assert (listed["EventFeedback"]["FeedbackValue"], listed["EventFeedback"]["Provider"]) == ("Valid", "User")
    idp.close()


def test_the_page_names_the_account_as_the_user_knows_it(db):
    """In a pool whose users sign in with their email, the username is an opaque id: the page names the email."""
    pool = factories.create_pool(threat_protection_mode="ENFORCED", username_attributes=["email"])
    app = factories.create_client(pool=pool)
    # As sign-up makes it there: the username is the sub, the email the sign-in name.
    user = factories.create_user(pool=pool, username=str(uuid.uuid4()), attributes={"email": "bea@example.com", "email_verified": "true"})
    signin.initiate_auth(pool=pool, client=app, auth_flow="USER_PASSWORD_AUTH",
                         auth_parameters={"USERNAME": "bea@example.com", "PASSWORD": DEFAULT_PASSWORD}, context=HOME)
    event = AuthEvent.objects.get(user=user)
    browser = _browser()
    opened = browser.get(_path(risk.feedback_links(event, app)["Invalid"]))
    body = text(browser.get(opened["Location"]))
    assert "We noticed a sign-in to your account bea@example.com that looked unusual." in body
    assert user.username not in body
