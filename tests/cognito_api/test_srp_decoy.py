"""An unknown name's SRP challenge looks like a real user's: the same salt each time, an internal-looking username."""
from __future__ import annotations

import uuid

import pytest

from identity.services import signin
from tests import factories

SRP_A = format(pow(2, 12345, 2**3072 - 1) | 1, "x")


def _challenge(pool, client, username):
    return signin.initiate_auth(pool=pool, client=client, auth_flow="USER_SRP_AUTH", auth_parameters={"USERNAME": username, "SRP_A": SRP_A})


@pytest.mark.django_db
def test_the_decoy_salt_is_stable_per_name_like_a_real_one():
    pool = factories.create_pool()
    client = factories.create_client(pool=pool)
    first, again, other = (_challenge(pool, client, name).parameters for name in ("ghost", "ghost", "phantom"))
    assert first["SALT"] == again["SALT"] != other["SALT"]


@pytest.mark.django_db
def test_in_an_email_username_pool_the_decoy_names_a_uuid_as_real_users_get():
    pool = factories.create_pool(username_attributes=["email"])
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username=str(uuid.uuid4()), attributes={"email": "real@example.com", "email_verified": "true"})
    real = _challenge(pool, client, "real@example.com").parameters["USER_ID_FOR_SRP"]
    decoy = _challenge(pool, client, "ghost@example.com").parameters["USER_ID_FOR_SRP"]
    assert uuid.UUID(real) and uuid.UUID(decoy) and decoy != "ghost@example.com"
