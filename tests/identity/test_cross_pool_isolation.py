"""Directory services never cross pools: users, clients, codes and groups of pool A are unknown in pool B."""
import pytest

from identity.models import GroupMembership, User
from identity.services import directory, groups, passwords, signup, users
from tests import factories
from tests.identity.directory_support import (
    STRONG_PASSWORD,
    cognito_error,
    last_email_code,
    predictable_codes,
    snapshot,
)


@pytest.fixture
def pool_a(db):
    return factories.create_pool()


@pytest.fixture
def pool_b(db):
    return factories.create_pool()


@pytest.fixture
def client_a(pool_a):
    return factories.create_client(pool=pool_a, prevent_user_existence_errors="LEGACY")


@pytest.fixture
def client_b(pool_b):
    return factories.create_client(pool=pool_b, prevent_user_existence_errors="LEGACY")


@pytest.fixture
def ana_in_a(pool_a):
    return factories.create_user(
        pool=pool_a, username="ana",
        attributes={"email": "ana@example.com", "email_verified": "true", "phone_number": "+12065551212",
                    "phone_number_verified": "true", "preferred_username": "Anita"},
    )


def _sign_up(pool, client, username="ana", **attributes):
    attributes.setdefault("email", "ana@example.com")
    return signup.sign_up(pool=pool, client=client, username=username, password=STRONG_PASSWORD, attributes=attributes).user


def test_one_username_in_two_pools(pool_a, client_a, pool_b, client_b, mailoutbox):
    in_a = _sign_up(pool_a, client_a, "Ana")
    in_b = _sign_up(pool_b, client_b, "ana")
    assert in_a.sub != in_b.sub
    assert directory.find_user(pool_a, "ANA").pk == in_a.pk and directory.find_user(pool_b, "ANA").pk == in_b.pk


def test_one_email_username_in_two_pools(db, mailoutbox):
    first, second = factories.create_pool(username_attributes=["email"]), factories.create_pool(username_attributes=["email"])
    for pool in (first, second):
        signup.sign_up(pool=pool, client=factories.create_client(pool=pool), username="dan@example.com", password=STRONG_PASSWORD)
    assert User.objects.filter(email_login="dan@example.com").count() == 2


def test_one_verified_alias_in_two_pools(db):
    first, second = factories.create_pool(alias_attributes=["email"]), factories.create_pool(alias_attributes=["email"])
    holders = [
        factories.create_user(pool=pool, username="holder", attributes={"email": "a@example.com", "email_verified": "true"})
        for pool in (first, second)
    ]
    assert [directory.find_user(pool, "a@example.com").pk for pool in (first, second)] == [u.pk for u in holders]


@pytest.mark.parametrize(
    ("identifier", "alias_of_twin"),
    [("ana", False), ("ANA", False), ("sub", False), ("ana@example.com", True), ("+12065551212", True), ("anita", True)],
)
def test_find_user_never_crosses_pools(pool_a, pool_b, ana_in_a, identifier, alias_of_twin):
    identifier = str(ana_in_a.sub) if identifier == "sub" else identifier
    assert directory.find_user(pool_a, identifier if not alias_of_twin else "ana").pk == ana_in_a.pk
    assert directory.find_user(pool_b, identifier) is None
    with cognito_error("UserNotFoundException"):
        directory.get_user(pool_b, identifier)
    # In a third pool where those values are sign-in aliases, only that pool's own holder is found.
    alias_pool = factories.create_pool(alias_attributes=["email", "phone_number", "preferred_username"])
    twin = factories.create_user(pool=alias_pool, username="twin", attributes=ana_in_a.attributes)
    found = directory.find_user(alias_pool, identifier)
    assert (found.pk if found else None) == (twin.pk if alias_of_twin else None)


def test_a_code_from_pool_a_does_not_confirm_in_pool_b(pool_a, client_a, pool_b, client_b, mailoutbox, monkeypatch):
    predictable_codes(monkeypatch)
    _sign_up(pool_a, client_a)
    code_a = last_email_code(mailoutbox)
    _sign_up(pool_b, client_b)
    code_b = last_email_code(mailoutbox)
    assert code_a != code_b
    before = snapshot(pool_b)["users"]
    with cognito_error("CodeMismatchException"):
        signup.confirm_sign_up(pool=pool_b, client=client_b, username="ana", code=code_a)
    assert snapshot(pool_b)["users"] == before
    assert signup.confirm_sign_up(pool=pool_a, client=client_a, username="ana", code=code_a).pool_id == pool_a.id
    assert User.objects.get(pool=pool_b, username="ana").status == User.Status.UNCONFIRMED


def test_a_reset_code_from_pool_a_does_not_reset_in_pool_b(pool_a, client_a, pool_b, client_b, ana_in_a, mailoutbox):
    twin = factories.create_user(pool=pool_b, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    passwords.forgot_password(pool=pool_a, client=client_a, username="ana")
    before = snapshot(pool_b)
    with cognito_error("ExpiredCodeException"):  # pool B's ana has no live reset code at all
        passwords.confirm_forgot_password(
            pool=pool_b, client=client_b, username="ana", code=last_email_code(mailoutbox), password=STRONG_PASSWORD
        )
    assert snapshot(pool_b) == before and twin.pk != ana_in_a.pk


def test_a_client_belongs_to_one_pool(pool_a, client_a, pool_b):
    assert directory.get_client(pool_a, client_a.client_id).pk == client_a.pk
    with cognito_error("ResourceNotFoundException"):
        directory.get_client(pool_b, client_a.client_id)
    assert directory.find_client_cached(pool_a, client_a.client_id) is not None
    assert directory.find_client_cached(pool_b, client_a.client_id) is None


_ADMIN_OPERATIONS = {
    "admin_get_user": lambda pool: users.admin_get_user(pool=pool, username="ana"),
    "admin_set_user_password": lambda pool: passwords.admin_set_user_password(pool=pool, username="ana", password=STRONG_PASSWORD, permanent=True),
    "admin_reset_user_password": lambda pool: passwords.admin_reset_user_password(pool=pool, username="ana"),
    "admin_disable_user": lambda pool: users.admin_disable_user(pool=pool, username="ana"),
    "admin_enable_user": lambda pool: users.admin_enable_user(pool=pool, username="ana"),
    "admin_delete_user": lambda pool: users.admin_delete_user(pool=pool, username="ana"),
    "admin_update_user_attributes": lambda pool: users.admin_update_user_attributes(pool=pool, username="ana", attributes={"name": "x"}),
    "admin_delete_user_attributes": lambda pool: users.admin_delete_user_attributes(pool=pool, username="ana", names=["email"]),
    "admin_confirm_sign_up": lambda pool: signup.admin_confirm_sign_up(pool=pool, username="ana"),
    "admin_create_user_resend": lambda pool: users.admin_create_user(pool=pool, username="ana", message_action="RESEND"),
    "admin_add_user_to_group": lambda pool: groups.admin_add_user_to_group(pool=pool, username="ana", group_name="staff"),
}


@pytest.mark.parametrize("operation", list(_ADMIN_OPERATIONS))
def test_operators_of_pool_b_cannot_reach_pool_as_users(pool_a, pool_b, ana_in_a, mailoutbox, operation):
    groups.create_group(pool=pool_b, name="staff")
    before = snapshot(pool_a)
    with cognito_error("UserNotFoundException"):
        _ADMIN_OPERATIONS[operation](pool_b)
    assert snapshot(pool_a) == before and mailoutbox == []


def test_users_of_pool_a_are_unknown_to_pool_bs_clients(pool_a, pool_b, client_b, ana_in_a, mailoutbox):
    before = snapshot(pool_a)
    with cognito_error("UserNotFoundException"):
        passwords.forgot_password(pool=pool_b, client=client_b, username="ana")
    with cognito_error("UserNotFoundException"):
        passwords.confirm_forgot_password(pool=pool_b, client=client_b, username="ana", code="123456", password=STRONG_PASSWORD)
    with cognito_error("UserNotFoundException"):
        signup.resend_confirmation_code(pool=pool_b, client=client_b, username="ana")
    with cognito_error("UserNotFoundException"):
        signup.confirm_sign_up(pool=pool_b, client=client_b, username="ana", code="123456")
    hiding = factories.create_client(pool=pool_b, prevent_user_existence_errors="ENABLED")
    passwords.forgot_password(pool=pool_b, client=hiding, username="ana")  # a simulated delivery
    assert snapshot(pool_a) == before and mailoutbox == []


def test_groups_belong_to_one_pool(pool_a, pool_b, ana_in_a):
    groups.create_group(pool=pool_a, name="staff")
    groups.create_group(pool=pool_b, name="staff")  # the same name is free in another pool
    factories.create_user(pool=pool_b, username="bea")
    groups.admin_add_user_to_group(pool=pool_a, username="ana", group_name="staff")
    assert not GroupMembership.objects.filter(group__pool=pool_b).exists()
    with cognito_error("UserNotFoundException"):
        groups.admin_add_user_to_group(pool=pool_a, username="bea", group_name="staff")
    groups.delete_group(pool=pool_b, name="staff")
    with cognito_error("ResourceNotFoundException"):
        groups.get_group(pool=pool_b, name="staff")
    assert groups.get_group(pool=pool_a, name="staff").memberships.count() == 1


def test_changes_in_pool_b_leave_pool_as_namesake_alone(pool_a, pool_b, ana_in_a):
    factories.create_user(pool=pool_b, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    before = snapshot(pool_a)
    users.admin_disable_user(pool=pool_b, username="ana")
    passwords.admin_set_user_password(pool=pool_b, username="ana", password=STRONG_PASSWORD, permanent=False)
    users.admin_update_user_attributes(pool=pool_b, username="ana", attributes={"email_verified": "false"})
    users.admin_delete_user(pool=pool_b, username="ana")
    assert snapshot(pool_a) == before
