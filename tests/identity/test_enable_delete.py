"""AdminDisableUser / AdminEnableUser, DeleteUser / AdminDeleteUser."""
import pytest

from identity.models import AuditEvent, GroupMembership, User, VerificationCode
from identity.services import directory, passwords, signin, signup, users
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.identity.directory_support import STRONG_PASSWORD, cognito_error, snapshot


def _sign_in(pool, client, username, password=DEFAULT_PASSWORD):
    return signin.password_sign_in(pool=pool, client=client, username=username, password=password)


def test_a_disabled_user_stays_listed_but_cannot_sign_in(pool, client_app, user):
    users.admin_disable_user(pool=pool, username=user.username.upper())
    stored = User.objects.get(pk=user.pk)
    assert stored.enabled is False and stored.status == User.Status.CONFIRMED
    assert directory.find_user(pool, user.username).pk == user.pk
    with cognito_error("NotAuthorizedException", "User is disabled."):
        _sign_in(pool, client_app, user.username)
    users.admin_enable_user(pool=pool, username=user.username)
    assert User.objects.get(pk=user.pk).enabled is True
    assert _sign_in(pool, client_app, user.username).user.pk == user.pk


def test_a_disabled_user_cannot_recover_the_password(pool, client_app, user, mailoutbox):
    users.admin_disable_user(pool=pool, username=user.username)
    before = snapshot(pool)
    with cognito_error("NotAuthorizedException"):
        passwords.forgot_password(pool=pool, client=client_app, username=user.username)
    with cognito_error("NotAuthorizedException"):
        passwords.admin_reset_user_password(pool=pool, username=user.username)
    assert snapshot(pool) == before and mailoutbox == []


def test_a_disabled_user_is_not_told_apart_by_a_wrong_password(pool, client_app, user):
    users.admin_disable_user(pool=pool, username=user.username)
    with cognito_error("NotAuthorizedException", "Incorrect username or password."):
        _sign_in(pool, client_app, user.username, "wrong-password")


def test_disable_and_enable_are_idempotent(pool, user):
    users.admin_enable_user(pool=pool, username=user.username)
    users.admin_disable_user(pool=pool, username=user.username)
    users.admin_disable_user(pool=pool, username=user.username)
    assert User.objects.get(pk=user.pk).enabled is False


@pytest.mark.parametrize("operation", [users.admin_disable_user, users.admin_enable_user, users.admin_delete_user])
def test_unknown_users(pool, user, operation):
    before = snapshot(pool)
    with cognito_error("UserNotFoundException"):
        operation(pool=pool, username="nobody")
    assert snapshot(pool) == before


def test_delete_removes_the_user_and_everything_hanging_off_it(pool, client_app, mailoutbox):
    signup.sign_up(pool=pool, client=client_app, username="bob", password=STRONG_PASSWORD, attributes={"email": "b@example.com"})
    user = User.objects.get(pool=pool, username="bob")
    group = factories.create_user(pool=pool, groups=["staff"]).memberships.get().group
    GroupMembership.objects.create(pool=pool, group=group, user=user)
    sub = user.sub

    users.delete_user(user=user)
    assert not User.objects.filter(pk=user.pk).exists()
    assert not VerificationCode.objects.filter(user_id=user.pk).exists()
    assert not GroupMembership.objects.filter(user_id=user.pk).exists()
    assert GroupMembership.objects.filter(group=group).count() == 1  # the other member stays
    # The trail survives the user, still naming them.
    event = AuditEvent.objects.get(event_type="DeleteUser", username="bob")
    assert event.user is None and event.details["sub"] == str(sub)

    # The username is free again; the sub is never reused.
    again = signup.sign_up(pool=pool, client=client_app, username="bob", password=STRONG_PASSWORD).user
    assert again.sub != sub


def test_an_operator_deletes_by_alias(db):
    pool = factories.create_pool(username_attributes=["email"])
    user = factories.create_user(pool=pool, username="u-1", attributes={"email": "dan@example.com"})
    users.admin_delete_user(pool=pool, username="DAN@example.com")
    assert not User.objects.filter(pk=user.pk).exists()


def test_deleting_a_user_frees_their_alias(db):
    pool = factories.create_pool(alias_attributes=["email"])
    holder = factories.create_user(pool=pool, username="holder", attributes={"email": "a@example.com", "email_verified": "true"})
    users.admin_delete_user(pool=pool, username="a@example.com")
    assert not User.objects.filter(pk=holder.pk).exists()
    newcomer = factories.create_user(pool=pool, username="newcomer", attributes={"email": "a@example.com", "email_verified": "true"})
    assert directory.find_user(pool, "a@example.com").pk == newcomer.pk


def test_deleting_one_user_leaves_the_others(pool, user):
    other = factories.create_user(pool=pool)
    users.admin_delete_user(pool=pool, username=user.username)
    assert list(User.objects.filter(pool=pool).values_list("pk", flat=True)) == [other.pk]
