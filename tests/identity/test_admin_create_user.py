"""AdminCreateUser: a FORCE_CHANGE_PASSWORD user with a temporary password and an invitation."""
import datetime
import json
import re

import pytest

from identity import clock
from identity.messaging import MemorySmsSender
from identity.models import User
from identity.services import directory, passwords, signin, users
from tests import factories
from tests.identity.directory_support import (
    STRONG_PASSWORD,
    cognito_error,
    freeze_clock,
    snapshot,
    use_memory_sms,
)

_INVITATION = re.compile(r"Your username is (\S+) and temporary password is (.+)\.$")


@pytest.fixture
def sms(settings):
    return use_memory_sms(settings)


def _create(pool, username="carol", **kwargs):
    kwargs.setdefault("attributes", {"email": "carol@example.com"})
    return users.admin_create_user(pool=pool, username=username, **kwargs)


def _invitation(text):
    username, password = _INVITATION.search(text).groups()
    return username, password


def test_the_user_gets_an_emailed_temporary_password(pool, client_app, mailoutbox, monkeypatch):
    now = clock.now()
    freeze_clock(monkeypatch, now)
    user = _create(pool)
    user.refresh_from_db()
    assert user.status == User.Status.FORCE_CHANGE_PASSWORD and user.enabled
    assert user.temporary_password_expires_at == now + datetime.timedelta(days=7)
    assert [m.to for m in mailoutbox] == [["carol@example.com"]] and mailoutbox[0].subject == "Your temporary password"
    username, password = _invitation(mailoutbox[0].body)
    assert username == "carol" and passwords.password_matches(user, password)
    passwords.check_password_policy(pool=pool, password=password)
    assert signin.password_sign_in(pool=pool, client=client_app, username="carol", password=password).name == "NEW_PASSWORD_REQUIRED"


def test_generated_passwords_meet_a_strict_policy(db, mailoutbox):
    pool = factories.create_pool(password_minimum_length=30)
    for n in range(5):
        _create(pool, username=f"user{n}", attributes={"email": f"u{n}@example.com"})
        _, password = _invitation(mailoutbox[-1].body)
        assert len(password) >= 30
        passwords.check_password_policy(pool=pool, password=password)


def test_a_given_temporary_password_is_used(pool, mailoutbox):
    user = _create(pool, temporary_password=STRONG_PASSWORD)
    user.refresh_from_db()
    assert passwords.password_matches(user, STRONG_PASSWORD)
    assert _invitation(mailoutbox[0].body)[1] == STRONG_PASSWORD


def test_a_temporary_password_outside_the_policy_creates_nothing(pool, mailoutbox):
    with cognito_error("InvalidPasswordException", "Password must have numeric characters"):
        _create(pool, temporary_password="No-Numbers-Here")
    assert snapshot(pool)["users"] == [] and mailoutbox == []


def test_suppress_sends_nothing(pool, mailoutbox):
    user = _create(pool, message_action="SUPPRESS")
    assert mailoutbox == [] and User.objects.filter(pk=user.pk).exists()


def test_delivery_mediums(pool, sms, mailoutbox):
    attributes = {"email": "c@example.com", "phone_number": "+12065551212"}
    _create(pool, username="texted", attributes=attributes, desired_delivery_mediums=["SMS"])
    assert mailoutbox == [] and MemorySmsSender.outbox[-1]["to"] == "+12065551212"
    _create(pool, username="both", attributes=attributes, desired_delivery_mediums=["EMAIL", "SMS"])
    assert len(mailoutbox) == 1 and len(MemorySmsSender.outbox) == 2
    # Without a choice: email when there is one, else a text.
    _create(pool, username="phone-only", attributes={"phone_number": "+12065551213"})
    assert len(mailoutbox) == 1 and MemorySmsSender.outbox[-1]["to"] == "+12065551213"
    _, password = _invitation(MemorySmsSender.outbox[-1]["body"])
    assert passwords.password_matches(User.objects.get(pool=pool, username="phone-only"), password)


def test_a_user_with_nowhere_to_send_is_still_created(pool, sms, mailoutbox):
    user = _create(pool, attributes={"name": "Carol"})
    assert User.objects.filter(pk=user.pk).exists() and mailoutbox == [] and MemorySmsSender.outbox == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"message_action": "SHOUT"},
        {"desired_delivery_mediums": ["FAX"]},
        {"desired_delivery_mediums": ["EMAIL", "PIGEON"]},
        {"attributes": {"shoe_size": "44"}},
        {"attributes": {"email": "not-an-email"}},
        {"attributes": {"phone_number": "555-1212"}},
        {"attributes": {"sub": "00000000-0000-0000-0000-000000000000"}},
        {"username": "two words"},
        {"username": ""},
    ],
)
def test_bad_input_creates_nothing(pool, mailoutbox, kwargs):
    with cognito_error("InvalidParameterException"):
        _create(pool, **kwargs)
    assert snapshot(pool)["users"] == [] and mailoutbox == []


@pytest.mark.parametrize("again", ["carol", "CAROL", "Carol"])
def test_a_taken_username_in_any_case(pool, mailoutbox, again):
    _create(pool)
    before, sent = snapshot(pool), len(mailoutbox)
    with cognito_error("UsernameExistsException", "User account already exists"):
        _create(pool, username=again, attributes={"email": "other@example.com"})
    assert snapshot(pool) == before and len(mailoutbox) == sent


def test_a_case_sensitive_pool_tells_case_apart(db):
    pool = factories.create_pool(case_sensitive=True)
    _create(pool, username="Carol", message_action="SUPPRESS")
    _create(pool, username="carol", message_action="SUPPRESS")
    before = snapshot(pool)
    with cognito_error("UsernameExistsException"):
        _create(pool, username="carol", message_action="SUPPRESS")
    assert snapshot(pool) == before


def test_email_as_username(db, mailoutbox):
    pool = factories.create_pool(username_attributes=["email"])
    user = _create(pool, username="dan@example.com", attributes={})
    assert user.username == str(user.sub) and user.attributes["email"] == "dan@example.com"
    assert mailoutbox[0].to == ["dan@example.com"]


def test_email_as_username_refuses_a_taken_email_as_a_username_clash(db, mailoutbox):
    # In a pool whose username is the email, a taken email is a taken username, as in SignUp.
    pool = factories.create_pool(username_attributes=["email"])
    _create(pool, username="dan@example.com", attributes={})
    before, sent = snapshot(pool), len(mailoutbox)
    with cognito_error("UsernameExistsException", "An account with the given email already exists."):
        _create(pool, username="DAN@example.com", attributes={})
    with cognito_error("UsernameExistsException"):
        _create(pool, username="dan@example.com", attributes={}, force_alias_creation=True)
    assert snapshot(pool) == before and len(mailoutbox) == sent


def test_alias_pools_refuse_usernames_shaped_like_the_alias(db):
    pool = factories.create_pool(alias_attributes=["email"])
    with cognito_error("InvalidParameterException", "Username cannot be of email format"):
        _create(pool, username="carol@example.com")
    assert snapshot(pool)["users"] == []


def test_a_verified_alias_held_by_another_user(db, mailoutbox):
    pool = factories.create_pool(alias_attributes=["email"])
    holder = factories.create_user(pool=pool, username="holder", attributes={"email": "shared@example.com", "email_verified": "true"})
    verified_copy = {"email": "Shared@example.com", "email_verified": "true"}
    before = snapshot(pool)
    with cognito_error("AliasExistsException"):
        _create(pool, username="newcomer", attributes=verified_copy)
    assert snapshot(pool) == before and mailoutbox == []
    # An unverified copy is no clash: it is not a sign-in name.
    _create(pool, username="unverified", attributes={"email": "shared@example.com"})
    # ForceAliasCreation moves the verified alias to the new user.
    newcomer = _create(pool, username="newcomer", attributes=verified_copy, force_alias_creation=True)
    holder.refresh_from_db()
    assert not holder.is_verified("email") and holder.email_login is None
    assert directory.find_user(pool, "shared@example.com").pk == newcomer.pk


def test_operators_may_set_verification_flags(pool):
    user = _create(pool, attributes={"email": "c@example.com", "email_verified": "true"}, message_action="SUPPRESS")
    user.refresh_from_db()
    assert user.is_verified("email")


def test_required_attributes_may_be_left_for_the_first_sign_in(db, mailoutbox):
    # Cognito: "AdminCreateUser may skip required attributes; SignUp may not." The user supplies
    # them when answering NEW_PASSWORD_REQUIRED (requiredAttributes).
    pool = factories.create_pool(required_attributes=["name"])
    client = factories.create_client(pool=pool)
    user = _create(pool, attributes={"email": "carol@example.com"})
    _, password = _invitation(mailoutbox[0].body)
    challenge = signin.password_sign_in(pool=pool, client=client, username=user.username, password=password)
    assert json.loads(challenge.parameters["requiredAttributes"]) == ["userAttributes.name"]


def test_immutable_custom_attributes_may_be_set_at_creation(db):
    pool = factories.create_pool(custom_attributes=[{"Name": "tenant", "Mutable": False}])
    user = _create(pool, attributes={"custom:tenant": "acme"}, message_action="SUPPRESS")
    assert User.objects.get(pk=user.pk).attributes["custom:tenant"] == "acme"


# MessageAction=RESEND


def test_resend_replaces_the_temporary_password(pool, mailoutbox):
    user = _create(pool)
    _, first = _invitation(mailoutbox[0].body)
    _create(pool, username="CAROL", message_action="RESEND", attributes=None)
    _, second = _invitation(mailoutbox[1].body)
    user.refresh_from_db()
    assert user.status == User.Status.FORCE_CHANGE_PASSWORD and User.objects.filter(pool=pool).count() == 1
    assert passwords.password_matches(user, second) and not passwords.password_matches(user, first)


def test_resend_to_a_confirmed_user_is_refused(pool, user, mailoutbox):
    before = snapshot(pool)
    with cognito_error("UnsupportedUserStateException", "Current status is CONFIRMED"):
        _create(pool, username=user.username, message_action="RESEND")
    assert snapshot(pool) == before and mailoutbox == []


def test_resend_to_nobody(pool, mailoutbox):
    with cognito_error("UserNotFoundException"):
        _create(pool, username="nobody", message_action="RESEND")
    assert snapshot(pool)["users"] == [] and mailoutbox == []
