"""User attributes: update, delete, verify; pending email/phone values; what users, clients and operators may write."""
import datetime

import pytest

from identity.messaging import MemorySmsSender
from identity.models import User, VerificationCode
from identity.services import directory, users
from tests import factories
from tests.identity.directory_support import (
    cognito_error,
    last_email_code,
    last_sms_code,
    predictable_codes,
    snapshot,
    travel,
    use_memory_sms,
    user_row,
)


@pytest.fixture
def sms(settings):
    return use_memory_sms(settings)


def _update(user, client=None, **attributes):
    return users.update_user_attributes(user=user, client=client, attributes=attributes)


def _verify(user, attribute, code):
    return users.verify_user_attribute(user=user, attribute_name=attribute, code=code)


def _fresh(user):
    return User.objects.get(pk=user.pk)


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


# UpdateUserAttributes


def test_plain_attributes_are_written_at_once(pool, user, mailoutbox):
    assert _update(user, name="Alice Liddell", given_name="Alice") == []
    assert _fresh(user).attributes == {
        "email": "alice@example.com", "email_verified": "true", "name": "Alice Liddell", "given_name": "Alice",
    }
    assert mailoutbox == []


def test_a_new_email_waits_for_its_code_while_the_old_one_stays(pool, user, mailoutbox):
    (details,) = _update(user, email="new@example.com")
    assert details.as_cognito() == {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    assert mailoutbox[-1].to == ["new@example.com"]
    stored = _fresh(user)
    assert stored.attributes["email"] == "alice@example.com" and stored.is_verified("email")
    assert stored.pending_attributes == {"email": "new@example.com"}

    _verify(stored, "email", last_email_code(mailoutbox))
    stored = _fresh(user)
    assert stored.attributes["email"] == "new@example.com" and stored.is_verified("email")
    assert stored.pending_attributes == {}


def test_in_an_alias_pool_the_old_email_signs_in_until_the_new_one_is_verified(db, mailoutbox):
    pool = factories.create_pool(alias_attributes=["email"])
    user = factories.create_user(pool=pool, username="alice", attributes={"email": "old@example.com", "email_verified": "true"})
    _update(user, email="new@example.com")
    assert directory.find_user(pool, "old@example.com").pk == user.pk
    assert directory.find_user(pool, "new@example.com") is None
    _verify(_fresh(user), "email", last_email_code(mailoutbox))
    assert directory.find_user(pool, "new@example.com").pk == user.pk
    assert directory.find_user(pool, "old@example.com") is None


def test_an_unverified_email_is_replaced_at_once(pool, mailoutbox):
    user = factories.create_user(pool=pool, attributes={"email": "old@example.com"})
    _update(user, email="new@example.com")
    stored = _fresh(user)
    assert stored.attributes["email"] == "new@example.com" and stored.attributes["email_verified"] == "false"
    assert stored.pending_attributes == {} and mailoutbox[-1].to == ["new@example.com"]
    _verify(stored, "email", last_email_code(mailoutbox))
    assert _fresh(user).is_verified("email")


def test_a_pool_that_does_not_keep_originals_replaces_at_once(db, mailoutbox):
    pool = factories.create_pool(attributes_require_verification_before_update=[])
    user = factories.create_user(pool=pool, attributes={"email": "old@example.com", "email_verified": "true"})
    _update(user, email="new@example.com")
    stored = _fresh(user)
    assert stored.attributes["email"] == "new@example.com" and not stored.is_verified("email")
    assert mailoutbox[-1].to == ["new@example.com"]


def test_a_pool_that_does_not_auto_verify_sends_no_code(db, mailoutbox):
    pool = factories.create_pool(auto_verified_attributes=[])
    user = factories.create_user(pool=pool, attributes={"email": "old@example.com", "email_verified": "true"})
    assert _update(user, email="new@example.com") == []
    stored = _fresh(user)
    assert stored.attributes["email"] == "new@example.com" and not stored.is_verified("email")
    assert mailoutbox == []


def test_the_same_email_again_is_no_change(pool, user, mailoutbox):
    assert _update(user, email="alice@example.com") == []
    assert _fresh(user).is_verified("email") and mailoutbox == []


def test_setting_the_current_email_back_cancels_the_pending_one(pool, user, mailoutbox):
    _update(user, email="typo@example.com")
    _update(_fresh(user), email="alice@example.com")
    stored = _fresh(user)
    assert stored.pending_attributes == {} and stored.attributes["email"] == "alice@example.com"
    # A later code goes to the address in force, not to the abandoned one.
    users.get_user_attribute_verification_code(user=stored, client=None, attribute_name="email")
    assert mailoutbox[-1].to == ["alice@example.com"]


def test_a_new_phone_number_waits_for_its_text(db, sms):
    pool = factories.create_pool(auto_verified_attributes=["phone_number"])
    user = factories.create_user(pool=pool, attributes={"phone_number": "+12065550000", "phone_number_verified": "true"})
    (details,) = _update(user, phone_number="+12065551212")
    assert (details.delivery_medium, details.destination) == ("SMS", "+*******1212")
    assert MemorySmsSender.outbox[-1]["to"] == "+12065551212"
    assert _fresh(user).attributes["phone_number"] == "+12065550000"
    _verify(_fresh(user), "phone_number", last_sms_code())
    assert _fresh(user).attributes["phone_number"] == "+12065551212" and _fresh(user).is_verified("phone_number")


@pytest.fixture
def custom_pool(db):
    return factories.create_pool(
        custom_attributes=[
            {"Name": "tenant", "Mutable": False},
            {"Name": "age", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "150"}},
        ]
    )


@pytest.fixture
def custom_user(custom_pool):
    return factories.create_user(
        pool=custom_pool, attributes={"email": "a@example.com", "email_verified": "true", "custom:tenant": "acme"}
    )


def test_an_immutable_attribute_cannot_be_updated_by_anyone(custom_pool, custom_user):
    before = snapshot(custom_pool)
    with cognito_error("InvalidParameterException", "custom:tenant is immutable"):
        _update(custom_user, **{"custom:tenant": "evil"})
    with cognito_error("InvalidParameterException"):
        users.admin_update_user_attributes(pool=custom_pool, username=custom_user.username, attributes={"custom:tenant": "evil"})
    assert snapshot(custom_pool) == before


@pytest.mark.parametrize(
    "attributes",
    [
        {"shoe_size": "44"},
        {"sub": "00000000-0000-0000-0000-000000000000"},
        {"email": "not-an-email"},
        {"phone_number": "0044 20 7946 0000"},
        {"name": "x" * 2049},
        {"custom:age": "-1"},
        {"custom:age": "old"},
        {"name": "fine", "custom:nope": "x"},  # one bad name spoils the whole request
    ],
)
def test_values_outside_the_schema_change_nothing(custom_pool, custom_user, mailoutbox, attributes):
    before = snapshot(custom_pool)
    with cognito_error("InvalidParameterException"):
        _update(custom_user, **attributes)
    assert snapshot(custom_pool) == before and mailoutbox == []


@pytest.mark.parametrize("flag", ["email_verified", "phone_number_verified"])
def test_users_cannot_write_verification_flags(pool, user, flag):
    before = snapshot(pool)
    with cognito_error("NotAuthorizedException"):
        _update(user, **{flag: "true"})
    assert snapshot(pool) == before


def test_a_client_writes_only_its_write_attributes(pool, user, mailoutbox):
    client = factories.create_client(pool=pool, write_attributes=["name"])
    before = snapshot(pool)
    with cognito_error("NotAuthorizedException", "unauthorized attribute email"):
        _update(user, client, email="new@example.com")
    with cognito_error("NotAuthorizedException"):
        _update(user, client, name="Alice", family_name="Liddell")
    assert snapshot(pool) == before and mailoutbox == []
    _update(user, client, name="Alice")
    assert _fresh(user).attributes["name"] == "Alice"


def test_email_as_username_refuses_another_users_email(db, mailoutbox):
    pool = factories.create_pool(username_attributes=["email"], attributes_require_verification_before_update=[])
    factories.create_user(pool=pool, username="u-1", attributes={"email": "taken@example.com"})
    user = factories.create_user(pool=pool, username="u-2", attributes={"email": "mine@example.com", "email_verified": "true"})
    before, in_memory = snapshot(pool), dict(user.attributes)
    with cognito_error("AliasExistsException", "An account with the given email already exists."):
        _update(user, email="Taken@example.com")
    assert snapshot(pool) == before and mailoutbox == []
    assert user.attributes == in_memory  # the caller's object is not left holding the refused value


def test_a_pending_email_that_someone_took_meanwhile_is_refused_at_verification(db, mailoutbox):
    pool = factories.create_pool(username_attributes=["email"])
    user = factories.create_user(pool=pool, username="u-2", attributes={"email": "mine@example.com", "email_verified": "true"})
    _update(user, email="wanted@example.com")
    code = last_email_code(mailoutbox)
    factories.create_user(pool=pool, username="u-1", attributes={"email": "wanted@example.com"})
    before = user_row(user)
    with cognito_error("AliasExistsException"):
        _verify(_fresh(user), "email", code)
    assert user_row(user) == before
    assert directory.find_user(pool, "mine@example.com").pk == user.pk


# Verification codes (GetUserAttributeVerificationCode / VerifyUserAttribute)


def test_an_unverified_email_can_be_verified_on_request(pool, mailoutbox):
    user = factories.create_user(pool=pool, attributes={"email": "a@example.com"})
    details = users.get_user_attribute_verification_code(user=user, client=None, attribute_name="email")
    assert details.destination == "a***@e***" and mailoutbox[-1].to == ["a@example.com"]
    _verify(user, "email", last_email_code(mailoutbox))
    assert _fresh(user).is_verified("email")


def test_the_code_goes_to_the_pending_value(pool, user, mailoutbox):
    _update(user, email="new@example.com")
    users.get_user_attribute_verification_code(user=_fresh(user), client=None, attribute_name="email")
    assert mailoutbox[-1].to == ["new@example.com"]


@pytest.mark.parametrize(("attribute", "message"), [("name", "Only email and phone_number"), ("phone_number", "no phone_number")])
def test_only_an_email_or_phone_that_exists_can_be_verified(pool, user, mailoutbox, attribute, message):
    before = snapshot(pool)
    with cognito_error("InvalidParameterException", message):
        users.get_user_attribute_verification_code(user=user, client=None, attribute_name=attribute)
    with cognito_error("InvalidParameterException"):
        _verify(user, attribute, "123456")
    assert snapshot(pool) == before and mailoutbox == []


def test_a_wrong_code_changes_nothing_even_in_memory(pool, user, mailoutbox):
    _update(user, email="new@example.com")
    user = _fresh(user)
    code = last_email_code(mailoutbox)
    before, in_memory = user_row(user), (dict(user.attributes), dict(user.pending_attributes))
    with cognito_error("CodeMismatchException"):
        _verify(user, "email", _wrong(code))
    assert user_row(user) == before
    # The caller's object must not now claim the new address is verified (a later save would store it).
    assert (user.attributes, user.pending_attributes) == in_memory
    _verify(user, "email", code)


def test_an_expired_verification_code(pool, user, mailoutbox, monkeypatch):
    _update(user, email="new@example.com")
    code = last_email_code(mailoutbox)
    before = user_row(user)
    travel(monkeypatch, datetime.timedelta(hours=24, seconds=1))
    with cognito_error("ExpiredCodeException"):
        _verify(_fresh(user), "email", code)
    assert user_row(user) == before


def test_an_email_code_does_not_verify_the_phone(pool, sms, mailoutbox):
    user = factories.create_user(pool=pool, attributes={"email": "a@example.com", "phone_number": "+12065551212"})
    users.get_user_attribute_verification_code(user=user, client=None, attribute_name="email")
    before = user_row(user)
    with cognito_error("ExpiredCodeException"):
        _verify(user, "phone_number", last_email_code(mailoutbox))
    assert user_row(user) == before


def test_verifying_an_alias_another_user_holds(db, mailoutbox, monkeypatch):
    predictable_codes(monkeypatch)
    pool = factories.create_pool(alias_attributes=["email"])
    factories.create_user(pool=pool, username="holder", attributes={"email": "shared@example.com", "email_verified": "true"})
    user = factories.create_user(pool=pool, username="other", attributes={"email": "shared@example.com"})
    users.get_user_attribute_verification_code(user=user, client=None, attribute_name="email")
    code = last_email_code(mailoutbox)
    before = user_row(user)
    # Without the code, nothing is told: not even that the address is someone's sign-in name.
    with cognito_error("CodeMismatchException"):
        _verify(_fresh(user), "email", _wrong(code))
    with cognito_error("AliasExistsException"):
        _verify(_fresh(user), "email", code)
    assert user_row(user) == before
    assert directory.find_user(pool, "shared@example.com").username == "holder"


# DeleteUserAttributes


def test_deleting_attributes(pool, user):
    _update(user, name="Alice", email="new@example.com")
    users.delete_user_attributes(user=_fresh(user), client=None, names=["name", "email", "nickname"])
    stored = _fresh(user)
    # email goes with its flag and its pending new value.
    assert stored.attributes == {} and stored.pending_attributes == {}


def test_deleting_an_alias_frees_it(db):
    pool = factories.create_pool(alias_attributes=["email"])
    user = factories.create_user(pool=pool, username="alice", attributes={"email": "a@example.com", "email_verified": "true"})
    users.delete_user_attributes(user=user, client=None, names=["email"])
    assert directory.find_user(pool, "a@example.com") is None
    factories.create_user(pool=pool, username="bob", attributes={"email": "a@example.com", "email_verified": "true"})


@pytest.mark.parametrize(
    ("names", "error"),
    [
        (["shoe_size"], "InvalidParameterException"),
        (["sub"], "InvalidParameterException"),
        (["name"], "InvalidParameterException"),  # required in this pool
        (["custom:tenant"], "InvalidParameterException"),  # immutable
        (["email_verified"], "NotAuthorizedException"),  # a flag only operators write
        (["nickname", "phone_number_verified"], "NotAuthorizedException"),
    ],
)
def test_what_users_cannot_delete(db, names, error):
    pool = factories.create_pool(required_attributes=["name"], custom_attributes=[{"Name": "tenant", "Mutable": False}])
    user = factories.create_user(
        pool=pool,
        attributes={"name": "A", "nickname": "a", "custom:tenant": "acme", "email": "a@example.com", "email_verified": "true",
                    "phone_number": "+12065551212", "phone_number_verified": "true"},
    )
    before = snapshot(pool)
    with cognito_error(error):
        users.delete_user_attributes(user=user, client=None, names=names)
    assert snapshot(pool) == before


def test_the_email_username_cannot_be_deleted(db):
    pool = factories.create_pool(username_attributes=["email"])
    user = factories.create_user(pool=pool, username="u-1", attributes={"email": "a@example.com"})
    before = snapshot(pool)
    with cognito_error("InvalidParameterException", "sign-in identifier"):
        users.delete_user_attributes(user=user, client=None, names=["email"])
    with cognito_error("InvalidParameterException"):
        users.admin_delete_user_attributes(pool=pool, username="a@example.com", names=["email"])
    assert snapshot(pool) == before


def test_a_client_deletes_only_its_write_attributes(pool, user):
    client = factories.create_client(pool=pool, write_attributes=["name"])
    before = snapshot(pool)
    with cognito_error("NotAuthorizedException"):
        users.delete_user_attributes(user=user, client=client, names=["email"])
    assert snapshot(pool) == before


# Operators: AdminUpdateUserAttributes / AdminDeleteUserAttributes


def test_an_operator_sets_a_verified_email_without_a_code(pool, user, mailoutbox):
    users.admin_update_user_attributes(
        pool=pool, username=user.username, attributes={"email": "new@example.com", "email_verified": "true"}
    )
    stored = _fresh(user)
    assert stored.attributes["email"] == "new@example.com" and stored.is_verified("email")
    assert stored.pending_attributes == {} and mailoutbox == []


def test_an_operator_sets_verification_flags(pool, user):
    users.admin_update_user_attributes(pool=pool, username=user.username, attributes={"email_verified": "false"})
    assert not _fresh(user).is_verified("email")


def test_an_operator_change_without_the_flag_is_verified_like_a_users(pool, user, mailoutbox):
    users.admin_update_user_attributes(pool=pool, username=user.username, attributes={"email": "new@example.com"})
    stored = _fresh(user)
    assert stored.attributes["email"] == "alice@example.com" and stored.pending_attributes == {"email": "new@example.com"}
    assert mailoutbox[-1].to == ["new@example.com"]


def test_operator_updates_that_are_refused(db, mailoutbox):
    pool = factories.create_pool(alias_attributes=["email"])
    factories.create_user(pool=pool, username="holder", attributes={"email": "shared@example.com", "email_verified": "true"})
    user = factories.create_user(pool=pool, username="other", attributes={"email": "mine@example.com", "email_verified": "true"})
    before = snapshot(pool)
    with cognito_error("AliasExistsException"):
        users.admin_update_user_attributes(
            pool=pool, username="other", attributes={"email": "shared@example.com", "email_verified": "true"}
        )
    with cognito_error("UserNotFoundException"):
        users.admin_update_user_attributes(pool=pool, username="nobody", attributes={"name": "x"})
    with cognito_error("InvalidParameterException"):
        users.admin_update_user_attributes(pool=pool, username="other", attributes={"shoe_size": "44"})
    with cognito_error("InvalidParameterException"):
        users.admin_update_user_attributes(pool=pool, username="other", attributes={"email_verified": "maybe"})
    assert snapshot(pool) == before and mailoutbox == []
    assert user_row(user)["email_login"] == "mine@example.com"


def test_an_operator_deletes_attributes_and_flags(pool, user):
    users.admin_delete_user_attributes(pool=pool, username=user.username, names=["email_verified"])
    assert _fresh(user).attributes == {"email": "alice@example.com"}


def test_operator_deletes_that_are_refused(db):
    pool = factories.create_pool(required_attributes=["name"], custom_attributes=[{"Name": "tenant", "Mutable": False}])
    factories.create_user(pool=pool, username="pat", attributes={"name": "Pat", "custom:tenant": "acme"})
    before = snapshot(pool)
    with cognito_error("UserNotFoundException"):
        users.admin_delete_user_attributes(pool=pool, username="nobody", names=["nickname"])
    for names in (["name"], ["custom:tenant"], ["shoe_size"]):
        with cognito_error("InvalidParameterException"):
            users.admin_delete_user_attributes(pool=pool, username="pat", names=names)
    assert snapshot(pool) == before


def test_verification_codes_are_per_attribute(pool, sms, mailoutbox):
    user = factories.create_user(pool=pool, attributes={"email": "a@example.com", "phone_number": "+12065551212"})
    users.get_user_attribute_verification_code(user=user, client=None, attribute_name="email")
    users.get_user_attribute_verification_code(user=user, client=None, attribute_name="phone_number")
    assert set(VerificationCode.objects.filter(user=user).values_list("attribute_name", flat=True)) == {"email", "phone_number"}
    _verify(user, "phone_number", last_sms_code())
    _verify(_fresh(user), "email", last_email_code(mailoutbox))
    assert _fresh(user).is_verified("email") and _fresh(user).is_verified("phone_number")
