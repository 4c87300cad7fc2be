"""SignUp: an UNCONFIRMED user, a code sent to an auto-verified attribute, and every way it refuses."""
import pytest
from django.contrib.auth.hashers import identify_hasher

from identity.messaging import MemorySmsSender
from identity.models import User, VerificationCode
from identity.services import passwords, signup
from tests import factories
from tests.identity.directory_support import (
    STRONG_PASSWORD,
    cognito_error,
    last_email_code,
    last_sms_code,
    snapshot,
    use_memory_sms,
)


@pytest.fixture
def sms(settings):
    return use_memory_sms(settings)


def _sign_up(pool, client, username="bob", password=STRONG_PASSWORD, **attributes):
    return signup.sign_up(pool=pool, client=client, username=username, password=password, attributes=attributes)


def test_sign_up_creates_an_unconfirmed_user_and_emails_a_code(pool, client_app, mailoutbox):
    result = _sign_up(pool, client_app, email="bob@example.com", name="Bob")

    user = User.objects.get(pool=pool, username="bob")
    assert result.user.pk == user.pk and result.user_confirmed is False and result.user_sub == str(user.sub)
    assert result.code_delivery.as_cognito() == {"Destination": "b***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert (user.status, user.enabled) == (User.Status.UNCONFIRMED, True)
    assert user.attributes == {"email": "bob@example.com", "name": "Bob"}
    assert not user.is_verified("email")
    # argon2id at rest, never the plain password.
    assert identify_hasher(user.password).algorithm == "argon2" and STRONG_PASSWORD not in user.password
    assert passwords.password_matches(user, STRONG_PASSWORD)
    assert [m.to for m in mailoutbox] == [["bob@example.com"]]
    assert len(last_email_code(mailoutbox)) == 6
    row = VerificationCode.objects.get(user=user)
    assert (row.purpose, row.delivered_to) == (VerificationCode.Purpose.SIGN_UP, "email")


def test_sign_up_texts_the_code_when_phone_is_auto_verified(db, sms, mailoutbox):
    pool = factories.create_pool(auto_verified_attributes=["email", "phone_number"])
    client = factories.create_client(pool=pool)
    result = _sign_up(pool, client, email="bob@example.com", phone_number="+12065551212")
    assert result.code_delivery.as_cognito() == {"Destination": "+*******1212", "DeliveryMedium": "SMS", "AttributeName": "phone_number"}
    assert mailoutbox == [] and [m["to"] for m in MemorySmsSender.outbox] == ["+12065551212"]
    assert len(last_sms_code()) == 6


def test_a_pool_that_verifies_nothing_sends_no_code(db, mailoutbox):
    pool = factories.create_pool(auto_verified_attributes=[])
    result = _sign_up(pool, factories.create_client(pool=pool), email="bob@example.com")
    assert result.code_delivery is None and mailoutbox == []
    assert not VerificationCode.objects.exists()


def test_a_user_without_the_auto_verified_attribute_gets_no_code(pool, client_app, mailoutbox):
    result = _sign_up(pool, client_app, name="Bob")
    assert result.code_delivery is None and mailoutbox == []


def test_admin_only_pools_refuse_sign_up(db, mailoutbox):
    pool = factories.create_pool(allow_admin_create_user_only=True)
    with cognito_error("NotAuthorizedException", "SignUp is not permitted"):
        _sign_up(pool, factories.create_client(pool=pool), email="bob@example.com")
    assert not User.objects.filter(pool=pool).exists() and mailoutbox == []


@pytest.mark.parametrize("again", ["bob", "BOB", "Bob", "ｂｏｂ"])  # the last is full-width: equal under NFKC
def test_a_taken_username_in_any_case_is_refused(pool, client_app, mailoutbox, again):
    _sign_up(pool, client_app, email="bob@example.com")
    before, sent = snapshot(pool), len(mailoutbox)
    with cognito_error("UsernameExistsException", "User already exists"):
        _sign_up(pool, client_app, username=again, password="Different-Pa55!", email="other@example.com")
    assert snapshot(pool) == before and len(mailoutbox) == sent


def test_hiding_user_existence_does_not_cover_sign_up(pool, mailoutbox):
    # Cognito answers UsernameExistsException whatever PreventUserExistenceErrors says.
    hiding = factories.create_client(pool=pool, prevent_user_existence_errors="ENABLED")
    _sign_up(pool, hiding)
    with cognito_error("UsernameExistsException"):
        _sign_up(pool, hiding)


def test_usernames_keep_their_case(pool, client_app):
    assert _sign_up(pool, client_app, username="BoB").user.username == "BoB"


def test_a_case_sensitive_pool_tells_case_apart(db):
    pool = factories.create_pool(case_sensitive=True)
    client = factories.create_client(pool=pool)
    _sign_up(pool, client, username="Bob")
    _sign_up(pool, client, username="bob")
    assert sorted(User.objects.filter(pool=pool).values_list("username", flat=True)) == ["Bob", "bob"]
    before = snapshot(pool)
    with cognito_error("UsernameExistsException"):
        _sign_up(pool, client, username="Bob")
    assert snapshot(pool) == before


@pytest.mark.parametrize("username", ["", "two words", "tab\there", "x" * 129, "bell\x07"])
def test_malformed_usernames_are_refused(pool, client_app, username):
    with cognito_error("InvalidParameterException"):
        _sign_up(pool, client_app, username=username)
    assert not User.objects.filter(pool=pool).exists()


def test_email_as_username_fills_the_email_and_uses_the_sub_as_username(db, mailoutbox):
    pool = factories.create_pool(username_attributes=["email"])
    result = _sign_up(pool, factories.create_client(pool=pool), username="Dan@Example.com")
    user = User.objects.get(pk=result.user.pk)
    assert user.username == str(user.sub) and user.attributes["email"] == "Dan@Example.com"
    assert mailoutbox[0].to == ["Dan@Example.com"]


@pytest.mark.parametrize("again", ["dan@example.com", "DAN@example.COM"])
def test_email_as_username_refuses_a_taken_email_in_any_case(db, mailoutbox, again):
    pool = factories.create_pool(username_attributes=["email"])
    client = factories.create_client(pool=pool)
    _sign_up(pool, client, username="Dan@Example.com")
    before, sent = snapshot(pool), len(mailoutbox)
    with cognito_error("UsernameExistsException", "An account with the given email already exists."):
        _sign_up(pool, client, username=again)
    assert snapshot(pool) == before and len(mailoutbox) == sent


@pytest.mark.parametrize(
    ("username_attributes", "username", "attributes"),
    [
        (["email"], "dan", {}),
        (["email"], "+12065551212", {}),
        (["phone_number"], "dan@example.com", {}),
        (["email", "phone_number"], "dan", {}),
        (["email"], "dan@example.com", {"email": "someone-else@example.com"}),
    ],
)
def test_email_or_phone_username_must_be_one(db, username_attributes, username, attributes):
    pool = factories.create_pool(username_attributes=username_attributes)
    with cognito_error("InvalidParameterException"):
        _sign_up(pool, factories.create_client(pool=pool), username=username, **attributes)
    assert not User.objects.filter(pool=pool).exists()


def test_phone_as_username(db, settings):
    use_memory_sms(settings)
    pool = factories.create_pool(username_attributes=["phone_number"])
    result = _sign_up(pool, factories.create_client(pool=pool), username="+12065551212")
    assert result.user.attributes["phone_number"] == "+12065551212"
    assert result.code_delivery.delivery_medium == "SMS"


@pytest.mark.parametrize(
    ("alias", "username", "message"),
    [
        ("email", "dan@example.com", "Username cannot be of email format, since user pool is configured for email alias."),
        ("phone_number", "+12065551212", "Username cannot be of phone format"),
    ],
)
def test_alias_pools_refuse_usernames_shaped_like_the_alias(db, alias, username, message):
    pool = factories.create_pool(alias_attributes=[alias])
    with cognito_error("InvalidParameterException", message):
        _sign_up(pool, factories.create_client(pool=pool), username=username)
    assert not User.objects.filter(pool=pool).exists()


def test_alias_pools_let_two_unconfirmed_users_give_one_email(db, mailoutbox):
    # The clash is settled at confirmation (AliasExistsException / ForceAliasCreation), not at sign-up.
    pool = factories.create_pool(alias_attributes=["email"])
    client = factories.create_client(pool=pool)
    _sign_up(pool, client, username="first", email="shared@example.com")
    _sign_up(pool, client, username="second", email="shared@example.com")
    assert User.objects.filter(pool=pool).count() == 2


def test_a_preferred_username_alias_is_unique_from_sign_up(db):
    pool = factories.create_pool(alias_attributes=["preferred_username"])
    client = factories.create_client(pool=pool)
    _sign_up(pool, client, username="first", preferred_username="Captain")
    before = snapshot(pool)
    with cognito_error("UsernameExistsException"):
        _sign_up(pool, client, username="second", preferred_username="captain")
    assert snapshot(pool) == before


@pytest.mark.parametrize("password", ["Sh0rt!x", "alllowercase1!", "ALLUPPERCASE1!", "NoNumbers!!", "NoSymbols123", " Padded-Pa55 ", ""])
def test_a_password_outside_the_policy_creates_nothing(pool, client_app, mailoutbox, password):
    with cognito_error("InvalidPasswordException", "Password does not conform to policy"):
        _sign_up(pool, client_app, password=password, email="bob@example.com")
    assert snapshot(pool)["users"] == [] and mailoutbox == []


@pytest.mark.parametrize(
    "attributes",
    [
        {"shoe_size": "44"},
        {"custom:unknown": "x"},
        {"sub": "00000000-0000-0000-0000-000000000000"},
        {"email": "not-an-email"},
        {"email": "two@@example.com"},
        {"phone_number": "2065551212"},
        {"phone_number": "+0123456"},
        {"name": "x" * 2049},
        {"name": 42},
        {"birthdate": "1990-1-1"},
        {"updated_at": "yesterday"},
        {"updated_at": "-1"},
        {"custom:age": "forty"},
        {"custom:age": "17"},
        {"custom:age": "151"},
        {"custom:vip": "yes"},
        {"custom:joined": "last tuesday"},
        {"custom:code": "a"},
        {"custom:code": "abcdef"},
    ],
)
def test_attributes_outside_the_schema_create_nothing(db, mailoutbox, attributes):
    pool = factories.create_pool(
        custom_attributes=[
            {"Name": "age", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "18", "MaxValue": "150"}},
            {"Name": "vip", "AttributeDataType": "Boolean"},
            {"Name": "joined", "AttributeDataType": "DateTime"},
            {"Name": "code", "AttributeDataType": "String", "StringAttributeConstraints": {"MinLength": "2", "MaxLength": "5"}},
        ]
    )
    with cognito_error("InvalidParameterException"):
        _sign_up(pool, factories.create_client(pool=pool), **attributes)
    assert snapshot(pool)["users"] == [] and mailoutbox == []


def test_typed_custom_attributes_within_the_schema_are_kept_as_strings(db):
    pool = factories.create_pool(
        custom_attributes=[
            {"Name": "age", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "18"}},
            {"Name": "vip", "AttributeDataType": "Boolean"},
            {"Name": "joined", "AttributeDataType": "DateTime"},
        ]
    )
    values = {"custom:age": "42", "custom:vip": "true", "custom:joined": "2024-05-01T10:00:00Z"}
    result = _sign_up(pool, factories.create_client(pool=pool), **values)
    assert User.objects.get(pk=result.user.pk).attributes == values


@pytest.mark.parametrize("flag", ["email_verified", "phone_number_verified"])
def test_users_cannot_mark_their_own_attributes_verified(pool, client_app, flag):
    with cognito_error("NotAuthorizedException", f"unauthorized attribute {flag}"):
        _sign_up(pool, client_app, email="bob@example.com", **{flag: "true"})
    assert snapshot(pool)["users"] == []


def test_a_client_writes_only_its_write_attributes(pool):
    client = factories.create_client(pool=pool, write_attributes=["name", "email"])
    with cognito_error("NotAuthorizedException"):
        _sign_up(pool, client, email="bob@example.com", family_name="Builder")
    assert snapshot(pool)["users"] == []
    _sign_up(pool, client, email="bob@example.com", name="Bob")


def test_required_attributes_must_be_given(db, mailoutbox):
    pool = factories.create_pool(required_attributes=["name"])
    client = factories.create_client(pool=pool)
    with cognito_error("InvalidParameterException", "name: The attribute is required"):
        _sign_up(pool, client, email="bob@example.com")
    with cognito_error("InvalidParameterException", "name: The attribute is required"):
        _sign_up(pool, client, email="bob@example.com", name="")
    assert snapshot(pool)["users"] == [] and mailoutbox == []
    _sign_up(pool, client, email="bob@example.com", name="Bob")


def test_an_immutable_custom_attribute_can_be_given_at_sign_up(db):
    pool = factories.create_pool(custom_attributes=[{"Name": "tenant", "Mutable": False}])
    result = _sign_up(pool, factories.create_client(pool=pool), **{"custom:tenant": "acme"})
    assert result.user.attributes["custom:tenant"] == "acme"


def test_a_failed_text_message_leaves_the_user_created(db, sms, monkeypatch):
    pool = factories.create_pool(auto_verified_attributes=["phone_number"])

    def refuse(self, *, to, body):
        raise OSError("provider down")

    monkeypatch.setattr(MemorySmsSender, "send", refuse)
    with cognito_error("CodeDeliveryFailureException"):
        _sign_up(pool, factories.create_client(pool=pool), phone_number="+12065551212")
    # As Cognito: the account exists, UNCONFIRMED, and ResendConfirmationCode can try again.
    assert User.objects.get(pool=pool, username="bob").status == User.Status.UNCONFIRMED


def test_the_unique_index_is_the_last_word_on_a_race(pool, client_app, monkeypatch):
    _sign_up(pool, client_app)
    before = snapshot(pool)
    monkeypatch.setattr(signup, "_check_available", lambda user: None)  # as if a twin request passed the check first
    with cognito_error("UsernameExistsException"):
        _sign_up(pool, client_app, username="BOB")
    assert snapshot(pool) == before


def test_a_race_for_an_email_username_is_a_username_clash(db, monkeypatch):
    pool = factories.create_pool(username_attributes=["email"])
    client = factories.create_client(pool=pool)
    _sign_up(pool, client, username="dan@example.com")
    before = snapshot(pool)
    monkeypatch.setattr(signup, "_check_available", lambda user: None)
    with cognito_error("UsernameExistsException"):
        _sign_up(pool, client, username="Dan@example.com")
    assert snapshot(pool) == before


def test_usernames_that_grow_past_128_characters_when_normalised_are_refused(pool, client_app):
    from identity.errors import InvalidParameterException
    from identity.models import User

    with pytest.raises(InvalidParameterException):
        signup.sign_up(pool=pool, client=client_app, username="ß" * 100, password="Sup3r-secret!", attributes={})
    assert not User.objects.filter(pool=pool).exists()
