"""AdminCreateUser, attributes (update, delete, verify with pending values), enable/disable, delete."""
import pytest

from identity.errors import (
    AliasExistsException,
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedException,
    UnsupportedUserStateException,
    UserNotFoundException,
    UsernameExistsException,
)
from identity.models import AuditEvent, User
from identity.services import directory, passwords, users
from tests import factories
from tests.identity.helpers import last_code, snapshot


def test_admin_create_user_invites_with_a_temporary_password(pool, mailoutbox):
    user = users.admin_create_user(pool=pool, username="carol", attributes={"email": "c@example.com"})
    assert user.status == "FORCE_CHANGE_PASSWORD" and user.temporary_password_expires_at
    body = mailoutbox[0].body
    temporary = body.rsplit(" ", 1)[1].rstrip(".")
    assert "carol" in body and passwords.password_matches(user, temporary)


def test_admin_create_user_suppress_given_password_and_resend(pool, mailoutbox):
    user = users.admin_create_user(pool=pool, username="dan", attributes={"email": "d@example.com"}, temporary_password="Given-Passw0rd!", message_action="SUPPRESS")
    assert not mailoutbox and passwords.password_matches(user, "Given-Passw0rd!")
    users.admin_create_user(pool=pool, username="dan", message_action="RESEND")
    user.refresh_from_db()
    assert mailoutbox and not passwords.password_matches(user, "Given-Passw0rd!")


def test_admin_create_user_errors_change_nothing(pool, user, mailoutbox):
    with pytest.raises(UsernameExistsException):
        users.admin_create_user(pool=pool, username=user.username.upper())
    with pytest.raises(InvalidParameterException):
        users.admin_create_user(pool=pool, username="eve", message_action="SHOUT")
    with pytest.raises(InvalidParameterException):
        users.admin_create_user(pool=pool, username="eve", desired_delivery_mediums=["PIGEON"])
    with pytest.raises(UserNotFoundException):
        users.admin_create_user(pool=pool, username="ghost", message_action="RESEND")
    with pytest.raises(UnsupportedUserStateException):
        users.admin_create_user(pool=pool, username=user.username, message_action="RESEND")
    assert User.objects.filter(pool=pool).count() == 1 and not mailoutbox


def test_admin_may_set_verification_flags_and_alias_conflicts_need_force(db):
    pool = factories.create_pool(alias_attributes=["email"])
    holder = users.admin_create_user(pool=pool, username="one", attributes={"email": "x@example.com", "email_verified": "true"}, message_action="SUPPRESS")
    with pytest.raises(AliasExistsException):
        users.admin_create_user(pool=pool, username="two", attributes={"email": "x@example.com", "email_verified": "true"}, message_action="SUPPRESS")
    users.admin_create_user(pool=pool, username="two", attributes={"email": "x@example.com", "email_verified": "true"}, message_action="SUPPRESS", force_alias_creation=True)
    holder.refresh_from_db()
    assert directory.find_user(pool, "x@example.com").username == "two" and not holder.is_verified("email")


def test_users_cannot_write_verification_flags_or_immutable_attributes(db):
    pool = factories.create_pool(custom_attributes=[{"Name": "tier", "Mutable": False}])
    client = factories.create_client(pool=pool)
    user = users.admin_create_user(pool=pool, username="u", attributes={"custom:tier": "gold"}, message_action="SUPPRESS")
    before = snapshot(user)
    with pytest.raises(NotAuthorizedException):
        users.update_user_attributes(user=user, client=client, attributes={"email_verified": "true"})
    with pytest.raises(InvalidParameterException, match="immutable"):
        users.update_user_attributes(user=user, client=client, attributes={"custom:tier": "silver"})
    with pytest.raises(InvalidParameterException):
        users.admin_update_user_attributes(pool=pool, username="u", attributes={"custom:tier": "silver"})
    with pytest.raises(InvalidParameterException):
        users.delete_user_attributes(user=user, client=client, names=["custom:tier"])
    assert snapshot(user) == before


def test_a_new_email_waits_for_its_code_while_the_old_one_signs_in(db, mailoutbox):
    pool = factories.create_pool(alias_attributes=["email"])
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="ana", attributes={"email": "old@example.com", "email_verified": "true"})
    deliveries = users.update_user_attributes(user=user, client=client, attributes={"email": "new@example.com", "given_name": "Ana"})
    assert [d.as_cognito()["Destination"] for d in deliveries] == ["n***@e***"] and mailoutbox[-1].to == ["new@example.com"]
    user.refresh_from_db()
    assert user.email == "old@example.com" and user.pending_attributes == {"email": "new@example.com"} and user.attributes["given_name"] == "Ana"
    assert directory.find_user(pool, "old@example.com") == user and directory.find_user(pool, "new@example.com") is None
    with pytest.raises(CodeMismatchException):
        users.verify_user_attribute(user=user, attribute_name="email", code="000000" if last_code(mailoutbox) != "000000" else "111111")
    users.verify_user_attribute(user=user, attribute_name="email", code=last_code(mailoutbox))
    user.refresh_from_db()
    assert user.email == "new@example.com" and user.is_verified("email") and not user.pending_attributes
    assert directory.find_user(pool, "new@example.com") == user and directory.find_user(pool, "old@example.com") is None


def test_unverified_email_is_replaced_at_once(pool, client_app, mailoutbox):
    user = factories.create_user(pool=pool, username="ben", attributes={"email": "b@example.com"})
    users.update_user_attributes(user=user, client=client_app, attributes={"email": "b2@example.com"})
    user.refresh_from_db()
    assert user.email == "b2@example.com" and user.attributes["email_verified"] == "false"
    users.get_user_attribute_verification_code(user=user, client=client_app, attribute_name="email")
    users.verify_user_attribute(user=user, attribute_name="email", code=last_code(mailoutbox))
    user.refresh_from_db()
    assert user.is_verified("email")


def test_verify_errors(pool, client_app, user):
    with pytest.raises(InvalidParameterException):
        users.get_user_attribute_verification_code(user=user, client=client_app, attribute_name="name")
    with pytest.raises(InvalidParameterException):
        users.get_user_attribute_verification_code(user=user, client=client_app, attribute_name="phone_number")


def test_delete_attributes(pool, client_app):
    user = factories.create_user(pool=pool, attributes={"email": "a@example.com", "email_verified": "true", "nickname": "A"})
    users.delete_user_attributes(user=user, client=client_app, names=["nickname", "email"])
    user.refresh_from_db()
    assert user.attributes == {}
    with pytest.raises(InvalidParameterException):
        users.delete_user_attributes(user=user, client=client_app, names=["sub"])


def test_username_attribute_cannot_be_deleted(db):
    pool = factories.create_pool(username_attributes=["email"])
    user = users.admin_create_user(pool=pool, username="e@example.com", message_action="SUPPRESS")
    with pytest.raises(InvalidParameterException):
        users.admin_delete_user_attributes(pool=pool, username="e@example.com", names=["email"])
    assert user.email == "e@example.com"


def test_disable_enable_delete_and_audit(pool, user):
    assert users.admin_disable_user(pool=pool, username=user.username).enabled is False
    assert users.admin_enable_user(pool=pool, username=user.username).enabled is True
    sub = user.sub
    users.admin_delete_user(pool=pool, username=user.username)
    assert not User.objects.filter(sub=sub).exists()
    kinds = list(AuditEvent.objects.filter(username=user.username).values_list("event_type", flat=True))
    assert {"AdminDisableUser", "AdminEnableUser", "AdminDeleteUser"} <= set(kinds)
    with pytest.raises(UserNotFoundException):
        users.admin_disable_user(pool=pool, username=user.username)


def test_delete_own_account(pool, user):
    users.delete_user(user=user)
    assert not User.objects.filter(pool=pool).exists()
