from identity.services import directory
from tests import factories


def test_user_found_by_username_in_any_case(pool):
    user = factories.create_user(pool=pool, username="Alice")
    assert directory.find_user(pool, "ALICE") == user
    assert directory.find_user(pool, str(user.sub)) == user
    assert directory.find_user(pool, "bob") is None
