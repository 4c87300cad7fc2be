"""SignUp, ConfirmSignUp, ResendConfirmationCode and AdminConfirmSignUp, error paths included."""
import pytest

from identity.errors import (
    AliasExistsException,
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    InvalidPasswordException,
    LimitExceededException,
    NotAuthorizedException,
    UserNotFoundException,
    UsernameExistsException,
)
from identity.messaging import MemorySmsSender
from identity.models import User, VerificationCode
from identity.services import signup
from tests import factories
from tests.identity.helpers import last_code, last_sms_code

PASSWORD = "Sup3r-secret!"


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.USERPOOLS_SMS_SENDER = "memory"
    MemorySmsSender.outbox.clear()


def _sign_up(pool, client, username="bob", password=PASSWORD, **attrs):
    attrs = attrs or {"email": f"{username}@example.com"}
    return signup.sign_up(pool=pool, client=client, username=username, password=password, attributes=attrs)


def test_sign_up_creates_an_unconfirmed_user_and_emails_a_code(pool, client_app, mailoutbox):
    result = _sign_up(pool, client_app)
    assert result.user_confirmed is False and result.user.status == "UNCONFIRMED"
    assert result.code_delivery.as_cognito() == {"Destination": "b***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert mailoutbox[0].to == ["bob@example.com"] and mailoutbox[0].subject == "Your verification code"
    assert len(last_code(mailoutbox)) == 6


@pytest.mark.parametrize("existing", ["bob", "BOB", "Bob"])
def test_duplicate_username_in_any_case(pool, client_app, existing):
    _sign_up(pool, client_app, username=existing)
    with pytest.raises(UsernameExistsException):
        _sign_up(pool, client_app, username="bob")
    assert User.objects.filter(pool=pool).count() == 1


def test_case_sensitive_pool_allows_both(db):
    pool = factories.create_pool(case_sensitive=True)
    client = factories.create_client(pool=pool)
    _sign_up(pool, client, username="Bob")
    _sign_up(pool, client, username="bob")
    assert User.objects.filter(pool=pool).count() == 2


def test_unicode_usernames_compare_in_normal_form(pool, client_app):
    _sign_up(pool, client_app, username="ｂｏｂ")  # full-width letters: NFKC makes them "bob"
    with pytest.raises(UsernameExistsException):
        _sign_up(pool, client_app, username="bob")


@pytest.mark.parametrize(
    ("username", "attrs", "error"),
    [
        ("has space", {"email": "a@example.com"}, InvalidParameterException),
        ("", {"email": "a@example.com"}, InvalidParameterException),
        ("x" * 129, {"email": "a@example.com"}, InvalidParameterException),
        ("ok", {"email": "not-an-email"}, InvalidParameterException),
        ("ok", {"phone_number": "555-1234"}, InvalidParameterException),
        ("ok", {"shoe_size": "44"}, InvalidParameterException),
        ("ok", {"sub": "forged"}, InvalidParameterException),
        ("ok", {"email_verified": "true"}, NotAuthorizedException),
        ("ok", {"birthdate": "1990"}, InvalidParameterException),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(pool, client_app, mailoutbox, username, attrs, error):
    with pytest.raises(error):
        signup.sign_up(pool=pool, client=client_app, username=username, password=PASSWORD, attributes=attrs)
    assert not User.objects.filter(pool=pool).exists() and not mailoutbox


@pytest.mark.parametrize("password", ["short1A!", "alllowercase1!", "ALLUPPERCASE1!", "NoDigits!!", "NoSymbols123", " Leading1!", "x" * 257])
def test_password_policy(pool, client_app, password):
    pool.password_minimum_length = 10
    pool.save()
    with pytest.raises(InvalidPasswordException):
        _sign_up(pool, client_app, password=password)
    assert not User.objects.filter(pool=pool).exists()


def test_required_attributes(db):
    pool = factories.create_pool(required_attributes=["name"])
    client = factories.create_client(pool=pool)
    with pytest.raises(InvalidParameterException, match="name"):
        _sign_up(pool, client)
    assert _sign_up(pool, client, email="b@example.com", name="Bob").user.attributes["name"] == "Bob"


def test_custom_attribute_types(db):
    pool = factories.create_pool(custom_attributes=[
        {"Name": "age", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "150"}},
        {"Name": "vip", "AttributeDataType": "Boolean"},
        {"Name": "joined", "AttributeDataType": "DateTime"},
        {"Name": "code", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "2", "MaxLength": "4"}},
    ])
    client = factories.create_client(pool=pool)
    ok = {"custom:age": "42", "custom:vip": "true", "custom:joined": "2024-01-01T10:00:00Z", "custom:code": "AB"}
    assert _sign_up(pool, client, username="ok", email="ok@example.com", **ok).user.attributes["custom:age"] == "42"
    for name, value in [("custom:age", "151"), ("custom:age", "x"), ("custom:vip", "maybe"), ("custom:joined", "yesterday"), ("custom:code", "A")]:
        with pytest.raises(InvalidParameterException):
            _sign_up(pool, client, username="bad", email="bad@example.com", **{name: value})


def test_client_write_attributes_are_enforced(pool):
    client = factories.create_client(pool=pool, write_attributes=["email"])
    with pytest.raises(NotAuthorizedException):
        _sign_up(pool, client, email="b@example.com", name="Bob")


def test_admin_only_pools_refuse_sign_up(db):
    pool = factories.create_pool(allow_admin_create_user_only=True)
    with pytest.raises(NotAuthorizedException):
        _sign_up(pool, factories.create_client(pool=pool))


def test_email_as_username(db, mailoutbox):
    pool = factories.create_pool(username_attributes=["email"])
    client = factories.create_client(pool=pool)
    result = _sign_up(pool, client, username="Dana@Example.com", email="Dana@Example.com")
    assert result.user.username == str(result.user.sub)
    with pytest.raises(UsernameExistsException, match="email"):
        _sign_up(pool, client, username="dana@example.com", email="dana@example.com")
    with pytest.raises(InvalidParameterException):
        _sign_up(pool, client, username="dana", email="d2@example.com")
    user = signup.confirm_sign_up(pool=pool, client=client, username="DANA@example.com", code=last_code(mailoutbox))
    assert user.status == "CONFIRMED"


def test_phone_sign_up_sends_a_text(db):
    pool = factories.create_pool(username_attributes=["phone_number"])
    client = factories.create_client(pool=pool)
    result = _sign_up(pool, client, username="+12065550123", phone_number="+12065550123")
    assert result.code_delivery.delivery_medium == "SMS" and MemorySmsSender.outbox[0]["to"] == "+12065550123"
    signup.confirm_sign_up(pool=pool, client=client, username="+12065550123", code=last_sms_code())
    result.user.refresh_from_db()
    assert result.user.is_verified("phone_number")


def test_alias_pool_refuses_email_shaped_usernames(db):
    pool = factories.create_pool(alias_attributes=["email"])
    with pytest.raises(InvalidParameterException, match="email format"):
        _sign_up(pool, factories.create_client(pool=pool), username="a@example.com", email="a@example.com")


def test_confirm_verifies_the_email_and_code_is_single_use(pool, client_app, mailoutbox):
    _sign_up(pool, client_app)
    code = last_code(mailoutbox)
    user = signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code=code)
    assert user.status == "CONFIRMED" and user.is_verified("email")
    with pytest.raises(NotAuthorizedException, match="CONFIRMED"):
        signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code=code)


def test_wrong_codes_are_counted_then_the_code_is_burned(pool, client_app, mailoutbox):
    user = _sign_up(pool, client_app).user
    code = last_code(mailoutbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(CodeMismatchException):
            signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code=wrong)
    with pytest.raises(LimitExceededException):
        signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code=code)
    user.refresh_from_db()
    assert user.status == "UNCONFIRMED"


def test_expired_code(pool, client_app, mailoutbox, monkeypatch):
    import datetime

    from identity import clock

    _sign_up(pool, client_app)
    later = clock.now() + datetime.timedelta(hours=24, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(ExpiredCodeException):
        signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code=last_code(mailoutbox))


def test_codes_are_stored_hashed(pool, client_app, mailoutbox):
    _sign_up(pool, client_app)
    row = VerificationCode.objects.get()
    assert last_code(mailoutbox) not in row.code_digest and len(row.code_digest) == 64


def test_resend_replaces_the_code_and_is_rate_limited(pool, client_app, mailoutbox):
    _sign_up(pool, client_app)
    first = last_code(mailoutbox)
    details = signup.resend_confirmation_code(pool=pool, client=client_app, username="bob")
    assert details.delivery_medium == "EMAIL"
    second = last_code(mailoutbox)
    if first != second:
        with pytest.raises(CodeMismatchException):
            signup.confirm_sign_up(pool=pool, client=client_app, username="bob", code=first)
    for _ in range(3):
        signup.resend_confirmation_code(pool=pool, client=client_app, username="bob")
    with pytest.raises(LimitExceededException):
        signup.resend_confirmation_code(pool=pool, client=client_app, username="bob")


def test_prevent_user_existence_errors(pool, mailoutbox):
    hiding = factories.create_client(pool=pool, prevent_user_existence_errors="ENABLED")
    legacy = factories.create_client(pool=pool, prevent_user_existence_errors="LEGACY")
    assert signup.resend_confirmation_code(pool=pool, client=hiding, username="ghost").delivery_medium == "EMAIL"
    assert not mailoutbox
    with pytest.raises(CodeMismatchException):
        signup.confirm_sign_up(pool=pool, client=hiding, username="ghost", code="123456")
    with pytest.raises(UserNotFoundException):
        signup.resend_confirmation_code(pool=pool, client=legacy, username="ghost")
    with pytest.raises(UserNotFoundException):
        signup.confirm_sign_up(pool=pool, client=legacy, username="ghost", code="123456")


def test_admin_confirm(pool, client_app):
    _sign_up(pool, client_app)
    user = signup.admin_confirm_sign_up(pool=pool, username="bob")
    assert user.status == "CONFIRMED" and not user.is_verified("email")
    with pytest.raises(NotAuthorizedException):
        signup.admin_confirm_sign_up(pool=pool, username="bob")
    with pytest.raises(UserNotFoundException):
        signup.admin_confirm_sign_up(pool=pool, username="ghost")


def test_verified_alias_conflict_and_force_alias_creation(db, mailoutbox):
    pool = factories.create_pool(alias_attributes=["email"])
    client = factories.create_client(pool=pool)
    holder = factories.create_user(pool=pool, username="holder", attributes={"email": "same@example.com", "email_verified": "true"})
    _sign_up(pool, client, username="newcomer", email="same@example.com")
    code = last_code(mailoutbox)
    with pytest.raises(AliasExistsException):
        signup.confirm_sign_up(pool=pool, client=client, username="newcomer", code=code)
    user = signup.confirm_sign_up(pool=pool, client=client, username="newcomer", code=code, force_alias_creation=True)
    holder.refresh_from_db()
    assert user.email_login == "same@example.com" and holder.email_login is None and not holder.is_verified("email")
