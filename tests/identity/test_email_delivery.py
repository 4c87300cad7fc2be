"""Codes travel through a real SMTP server: aiosmtpd on a local port, Django's SMTP backend."""
import re

import pytest
from aiosmtpd.controller import Controller

from identity.errors import CodeDeliveryFailureException
from identity.models import User, VerificationCode
from identity.services import passwords, signup, users
from tests.identity.directory_support import STRONG_PASSWORD, cognito_error
from tests.smtp_sink import Sink
from tests.smtp_sink import free_port as _free_port


@pytest.fixture(scope="module")
def smtp_server():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def smtp_sink(smtp_server, settings, django_mail_patch_dns):
    sink, port = smtp_server
    sink.messages.clear()
    sink.envelopes.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return sink


@pytest.fixture
def dead_smtp(settings, django_mail_patch_dns):
    """Django's SMTP backend pointed at a local port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


def test_sign_up_code_arrives_by_smtp_and_confirms(pool, client_app, smtp_sink):
    pool.verification_email_subject = "Welcome, here is your code"
    pool.verification_email_message = "Hello {username}, your code is {####}."
    pool.save()
    signup.sign_up(pool=pool, client=client_app, username="sam", password="Sup3r-secret!", attributes={"email": "sam@example.com"})
    message = smtp_sink.messages[-1]
    body = message.get_payload(decode=True).decode()
    assert message["To"] == "sam@example.com" and message["Subject"] == "Welcome, here is your code"
    code = re.search(r"Hello sam, your code is (\d{6})\.", body).group(1)
    assert signup.confirm_sign_up(pool=pool, client=client_app, username="sam", code=code).status == "CONFIRMED"


def test_unreachable_smtp_raises_after_the_user_exists(pool, client_app, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    with pytest.raises(CodeDeliveryFailureException):
        signup.sign_up(pool=pool, client=client_app, username="sam", password="Sup3r-secret!", attributes={"email": "sam@example.com"})
    # As Cognito: the user exists (UNCONFIRMED) and can ask for the code again.
    assert User.objects.get(pool=pool, username="sam").status == "UNCONFIRMED"


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_the_code_from_the_delivered_message_confirms(pool, client_app, smtp_sink):
    pool.email_from = "Shop <no-reply@shop.example>"
    pool.save()
    result = signup.sign_up(pool=pool, client=client_app, username="sam", password=STRONG_PASSWORD, attributes={"email": "Sam@Example.com"})
    assert result.code_delivery.destination == "S***@E***"
    (message,) = smtp_sink.messages
    assert smtp_sink.envelopes == [("no-reply@shop.example", ["Sam@Example.com"])]
    assert message["From"] == "Shop <no-reply@shop.example>" and message["Subject"] == "Your verification code"
    body = _body(message)
    assert "{####}" not in body and "{username}" not in body
    code = re.fullmatch(r"Your verification code is (\d{6})\.", body.strip()).group(1)
    user = signup.confirm_sign_up(pool=pool, client=client_app, username="sam", code=code)
    assert user.status == User.Status.CONFIRMED and user.is_verified("email")


def test_the_invitation_renders_username_and_temporary_password(pool, client_app, smtp_sink):
    pool.invitation_email_subject = "Welcome to the shop"
    pool.invitation_email_message = "Hi {username}! Sign in as {username} with {####} before the week is out."
    pool.save()
    user = users.admin_create_user(pool=pool, username="carol", attributes={"email": "carol@example.com"})
    (message,) = smtp_sink.messages
    assert message["Subject"] == "Welcome to the shop" and message["To"] == "carol@example.com"
    match = re.fullmatch(r"Hi carol! Sign in as carol with (\S+) before the week is out\.", _body(message).strip())
    user.refresh_from_db()
    assert match and passwords.password_matches(user, match.group(1))


def test_a_reset_code_by_smtp(pool, client_app, user, smtp_sink):
    pool.reset_email_message = "Reset code for {username}: {####}"
    pool.save()
    passwords.forgot_password(pool=pool, client=client_app, username=user.username)
    body = _body(smtp_sink.messages[-1])
    code = re.fullmatch(rf"Reset code for {user.username}: (\d{{6}})", body.strip()).group(1)
    passwords.confirm_forgot_password(pool=pool, client=client_app, username=user.username, code=code, password=STRONG_PASSWORD)
    user.refresh_from_db()
    assert passwords.password_matches(user, STRONG_PASSWORD)


def test_after_a_failed_delivery_a_resend_gets_through(pool, client_app, settings, dead_smtp, smtp_server):
    with cognito_error("CodeDeliveryFailureException"):
        signup.sign_up(pool=pool, client=client_app, username="sam", password=STRONG_PASSWORD, attributes={"email": "sam@example.com"})
    user = User.objects.get(pool=pool, username="sam")
    assert user.status == User.Status.UNCONFIRMED and VerificationCode.objects.filter(user=user).exists()
    sink, port = smtp_server
    sink.messages.clear()
    settings.EMAIL_PORT = port  # the mail server is back
    signup.resend_confirmation_code(pool=pool, client=client_app, username="sam")
    code = re.search(r"\b(\d{6})\b", _body(sink.messages[-1])).group(1)
    assert signup.confirm_sign_up(pool=pool, client=client_app, username="sam", code=code).status == User.Status.CONFIRMED


def test_failed_deliveries_elsewhere(pool, client_app, user, dead_smtp):
    with cognito_error("CodeDeliveryFailureException"):
        passwords.forgot_password(pool=pool, client=client_app, username=user.username)
    user.refresh_from_db()
    assert passwords.password_matches(user, "Correct-Horse-9")
    with cognito_error("CodeDeliveryFailureException"):
        users.admin_create_user(pool=pool, username="carol", attributes={"email": "carol@example.com"})
    # As Cognito: the account exists and the invitation can be sent again (MessageAction RESEND).
    assert User.objects.get(pool=pool, username="carol").status == User.Status.FORCE_CHANGE_PASSWORD
