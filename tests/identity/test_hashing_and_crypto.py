"""Pool users' passwords are argon2id at the configured cost; secrets at rest are encrypted."""
import pytest
from argon2 import extract_parameters
from argon2.low_level import Type
from cryptography.fernet import Fernet
from django.contrib.auth.hashers import make_password

from identity import crypto
from identity.services import passwords
from tests import factories


def test_passwords_are_argon2id_with_the_configured_cost(pool, settings):
    settings.USERPOOLS_ARGON2 = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}
    user = factories.create_user(pool=pool, password="Correct-Horse-9")
    params = extract_parameters(user.password.removeprefix("argon2"))
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (Type.ID, 19 * 1024, 2, 1)


def test_a_cost_change_rehashes_at_next_check(pool, settings):
    user = factories.create_user(pool=pool, password="Correct-Horse-9")
    settings.USERPOOLS_ARGON2 = {"memory_cost": 2048, "time_cost": 1, "parallelism": 1}
    assert passwords.password_matches(user, "Correct-Horse-9")
    user.refresh_from_db()
    assert extract_parameters(user.password.removeprefix("argon2")).memory_cost == 2048
    assert not passwords.password_matches(user, "correct-horse-9")


def test_pbkdf2_hashes_still_verify_and_upgrade(pool):
    user = factories.create_user(pool=pool, password=None)
    user.password = make_password("Legacy-Pass-1", hasher="pbkdf2_sha256")
    user.save()
    assert passwords.password_matches(user, "Legacy-Pass-1")
    user.refresh_from_db()
    assert user.password.startswith("argon2")


def test_encryption_round_trip_and_key_rotation(settings):
    old = settings.KEY_ENCRYPTION_KEYS[0]
    token = crypto.encrypt("s3cret")
    assert "s3cret" not in token
    settings.KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    assert crypto.decrypt(token) == "s3cret"
    settings.KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError):
        crypto.decrypt(token)


def test_keyed_digest_depends_on_purpose_and_server_key(settings):
    digest = crypto.keyed_digest("code", "123456")
    assert digest != crypto.keyed_digest("client-secret", "123456")
    settings.SECRET_KEY = "another-server-key-" * 3
    assert digest != crypto.keyed_digest("code", "123456")
