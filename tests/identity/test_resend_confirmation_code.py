"""ResendConfirmationCode: a fresh code replaces the old one, five an hour, existence hidden on request."""
import pytest

from identity.messaging import MemorySmsSender
from identity.models import User, VerificationCode
from identity.services import signup
from tests import factories
from tests.identity.directory_support import (
    STRONG_PASSWORD,
    cognito_error,
    last_email_code,
    last_sms_code,
    predictable_codes,
    snapshot,
    use_memory_sms,
)


def _sign_up(pool, client, username="bob", **attributes):
    attributes.setdefault("email", "bob@example.com")
    return signup.sign_up(pool=pool, client=client, username=username, password=STRONG_PASSWORD, attributes=attributes).user


def _resend(pool, client, username="bob"):
    return signup.resend_confirmation_code(pool=pool, client=client, username=username)


def test_a_resent_code_replaces_the_first(pool, client_app, mailoutbox, monkeypatch):
    predictable_codes(monkeypatch)
    _sign_up(pool, client_app)
    first = last_email_code(mailoutbox)
    details = _resend(pool, client_app, "BOB")
    second = last_email_code(mailoutbox)
    assert first != second and len(mailoutbox) == 2
    assert details.as_cognito() == {"Destination": "b***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert VerificationCode.objects.filter(purpose="SIGN_UP").count() == 1
    with cognito_error("CodeMismatchException"):
        signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code=first)
    assert signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code=second).status == User.Status.CONFIRMED


def test_a_resent_code_starts_with_no_misses(pool, client_app, mailoutbox, monkeypatch):
    predictable_codes(monkeypatch)
    _sign_up(pool, client_app)
    for _ in range(5):
        with cognito_error("CodeMismatchException"):
            signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code="000000")
    _resend(pool, client_app)
    assert VerificationCode.objects.get(purpose="SIGN_UP").failed_attempts == 0


def test_the_code_goes_by_sms_when_the_phone_is_auto_verified(db, settings, mailoutbox):
    use_memory_sms(settings)
    pool = factories.create_pool(auto_verified_attributes=["phone_number"])
    client = factories.create_client(pool=pool)
    _sign_up(pool, client, phone_number="+12065551212")
    details = _resend(pool, client)
    assert details.delivery_medium == "SMS" and len(MemorySmsSender.outbox) == 2 and mailoutbox == []
    signup.confirm_sign_up(pool=pool, client=client, username="bob", code=last_sms_code())


@pytest.mark.parametrize("status", [User.Status.CONFIRMED, User.Status.FORCE_CHANGE_PASSWORD])
def test_confirmed_users_get_no_code(pool, client_app, mailoutbox, status):
    factories.create_user(pool=pool, username="bob", status=status, attributes={"email": "bob@example.com"})
    before = snapshot(pool)
    with cognito_error("InvalidParameterException", "User is already confirmed."):
        _resend(pool, client_app)
    assert snapshot(pool) == before and mailoutbox == []


def test_nothing_to_send_to_is_a_parameter_error(db, mailoutbox):
    pool = factories.create_pool(auto_verified_attributes=[])
    client = factories.create_client(pool=pool)
    _sign_up(pool, client)
    before = snapshot(pool)
    with cognito_error("InvalidParameterException"):
        _resend(pool, client)
    assert snapshot(pool) == before and mailoutbox == []


def test_an_unknown_user_seems_to_get_a_code_when_existence_is_hidden(pool, mailoutbox):
    client = factories.create_client(pool=pool, prevent_user_existence_errors="ENABLED")
    details = _resend(pool, client, "nobody")
    assert details.delivery_medium == "EMAIL" and details.attribute_name == "email"
    assert mailoutbox == [] and not User.objects.filter(pool=pool).exists()


def test_hidden_existence_masks_the_address_given_as_username(db, settings, mailoutbox):
    email_pool = factories.create_pool(username_attributes=["email"])
    details = _resend(email_pool, factories.create_client(pool=email_pool), "nobody@example.com")
    assert details.as_cognito() == {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    phone_pool = factories.create_pool(username_attributes=["phone_number"])
    details = _resend(phone_pool, factories.create_client(pool=phone_pool), "+12065551212")
    assert (details.delivery_medium, details.destination) == ("SMS", "+*******1212")
    assert mailoutbox == []


def test_an_unknown_user_is_named_by_a_legacy_client(pool, mailoutbox):
    client = factories.create_client(pool=pool, prevent_user_existence_errors="LEGACY")
    with cognito_error("UserNotFoundException"):
        _resend(pool, client, "nobody")
    assert mailoutbox == []


def test_five_codes_an_hour(pool, client_app, mailoutbox, monkeypatch):
    predictable_codes(monkeypatch)
    _sign_up(pool, client_app)  # the first of five
    for _ in range(4):
        _resend(pool, client_app)
    last = last_email_code(mailoutbox)
    before = snapshot(pool)
    with cognito_error("LimitExceededException"):
        _resend(pool, client_app)
    # Refused before anything was written: the last code sent still confirms.
    assert snapshot(pool) == before and len(mailoutbox) == 5
    signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code=last)


def test_the_limit_is_per_user(pool, client_app, mailoutbox):
    _sign_up(pool, client_app)
    for _ in range(4):
        _resend(pool, client_app)
    _sign_up(pool, client_app, username="carol", email="carol@example.com")
    _resend(pool, client_app, "carol")
