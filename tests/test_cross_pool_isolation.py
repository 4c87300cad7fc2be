"""Two pools never see each other's users, clients, codes, groups or tokens."""
import pytest

from identity import clock
from identity.errors import CodeMismatchException, NotAuthorizedException, ResourceNotFoundException, UserNotFoundException
from identity.services import directory, groups, passwords, signup, tokens, users
from tests import factories
from tests.identity.helpers import last_code


@pytest.fixture
def two_pools(db):
    a, b = factories.create_pool(), factories.create_pool()
    return a, factories.create_client(pool=a), b, factories.create_client(pool=b)


def test_same_username_lives_in_both_pools(two_pools, mailoutbox):
    a, client_a, b, client_b = two_pools
    user_a = signup.sign_up(pool=a, client=client_a, username="ana", password="Sup3r-secret!", attributes={"email": "ana@example.com"}).user
    user_b = signup.sign_up(pool=b, client=client_b, username="ana", password="Sup3r-secret!", attributes={"email": "ana@example.com"}).user
    assert user_a.sub != user_b.sub
    assert directory.find_user(a, "ana") == user_a and directory.find_user(b, "ana") == user_b


def test_a_code_from_one_pool_does_not_confirm_in_the_other(two_pools, mailoutbox):
    a, client_a, b, client_b = two_pools
    signup.sign_up(pool=a, client=client_a, username="ana", password="Sup3r-secret!", attributes={"email": "ana@example.com"})
    code_a = last_code(mailoutbox)
    signup.sign_up(pool=b, client=client_b, username="ana", password="Sup3r-secret!", attributes={"email": "ana@example.com"})
    code_b = last_code(mailoutbox)
    if code_a != code_b:
        with pytest.raises(CodeMismatchException):
            signup.confirm_sign_up(pool=b, client=client_b, username="ana", code=code_a)
    assert signup.confirm_sign_up(pool=b, client=client_b, username="ana", code=code_b).pool_id == b.id


def test_clients_users_and_groups_are_per_pool(two_pools):
    a, client_a, b, client_b = two_pools
    user_a = factories.create_user(pool=a, username="only-in-a")
    groups.create_group(pool=a, name="staff")
    with pytest.raises(ResourceNotFoundException):
        directory.get_client(b, client_a.client_id)
    with pytest.raises(UserNotFoundException):
        users.admin_get_user(pool=b, username="only-in-a")
    with pytest.raises(UserNotFoundException):
        users.admin_get_user(pool=b, username=str(user_a.sub))
    with pytest.raises(ResourceNotFoundException):
        groups.get_group(pool=b, name="staff")
    with pytest.raises(UserNotFoundException):
        passwords.admin_set_user_password(pool=b, username="only-in-a", password="Sup3r-secret!", permanent=True)


def test_tokens_do_not_cross_pools(two_pools, real_keys):
    a, client_a, b, client_b = two_pools
    user = factories.create_user(pool=a)
    issued = tokens.issue_token_set(pool=a, client=client_a, user=user, scopes=["openid"], auth_time=clock.now())
    with pytest.raises(NotAuthorizedException):
        tokens.verify_access_token(pool=b, token=issued.access_token)
    with pytest.raises(NotAuthorizedException):
        tokens.refresh(pool=b, client=client_b, refresh_token=issued.refresh_token)
