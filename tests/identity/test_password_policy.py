"""The pool's password policy: every rule with Cognito's message, the same rules in every service, and history."""
import pytest

from identity.models import PasswordHistory, UserPool
from identity.services import passwords, pools, signup, users
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.identity.directory_support import cognito_error, last_email_code, snapshot

PREFIX = "Password does not conform to policy: "
# Cognito's RequireSymbols set (Basic Latin only), space included.
COGNITO_SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"


def _check(pool, password):
    passwords.check_password_policy(pool=pool, password=password)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("", "Password not long enough"),
        ("Ab1!", "Password not long enough"),
        ("Abcde1!", "Password not long enough"),
        ("abcdefg1!", "Password must have uppercase characters"),
        ("ABCDEFG1!", "Password must have lowercase characters"),
        ("Abcdefgh!", "Password must have numeric characters"),
        ("Abcdefgh1", "Password must have symbol characters"),
        # Only Basic Latin counts, as in Cognito.
        ("Ábcdefg1!", "Password must have uppercase characters"),
        ("ПАРОЛЬab1!", "Password must have uppercase characters"),
        ("ABCDEFGä1!", "Password must have lowercase characters"),
        ("Abcdefg!١٢٣", "Password must have numeric characters"),
        ("Abcdefg1€", "Password must have symbol characters"),
        ("Abcdefg1§", "Password must have symbol characters"),
        # The first broken rule is the one named.
        ("abc", "Password not long enough"),
        ("abcdefgh", "Password must have uppercase characters"),
    ],
)
def test_each_rule_with_cognitos_message(pool, password, rule):
    with cognito_error("InvalidPasswordException") as caught:
        _check(pool, password)
    assert caught.value.message == PREFIX + rule


def test_eight_characters_with_all_four_kinds_pass_the_default_policy(pool):
    _check(pool, "Abcdef1!")


@pytest.mark.parametrize("symbol", list(COGNITO_SYMBOLS))
def test_every_cognito_symbol_counts(pool, symbol):
    _check(pool, f"Abcdefg1{symbol}")


def test_a_space_inside_counts_as_a_symbol(pool):
    _check(pool, "Abcd efg1")


@pytest.mark.parametrize("password", [" Abcdefg1!", "Abcdefg1! ", "\tAbcdefg1!", "Abcdefg1!\n"])
def test_no_leading_or_trailing_whitespace(pool, password):
    with cognito_error("InvalidPasswordException", "whitespace"):
        _check(pool, password)


def test_at_most_256_characters(pool):
    longest = "Aa1!" + "x" * 252
    _check(pool, longest)
    with cognito_error("InvalidPasswordException", "longer than 256"):
        _check(pool, longest + "x")


def test_not_a_string(pool):
    with cognito_error("InvalidPasswordException"):
        _check(pool, None)


def test_the_minimum_length_is_the_pools(db):
    pool = factories.create_pool(password_minimum_length=12)
    with cognito_error("InvalidPasswordException", "Password not long enough"):
        _check(pool, "Abcdefg1!xy")
    _check(pool, "Abcdefg1!xyz")


@pytest.mark.parametrize(
    ("switched_off", "password"),
    [
        ("password_require_uppercase", "abcdefg1!"),
        ("password_require_lowercase", "ABCDEFG1!"),
        ("password_require_numbers", "Abcdefgh!"),
        ("password_require_symbols", "Abcdefgh1"),
    ],
)
def test_each_rule_can_be_switched_off(db, switched_off, password):
    _check(factories.create_pool(**{switched_off: False}), password)


def test_the_most_relaxed_policy(db):
    pool = factories.create_pool(
        password_minimum_length=6, password_require_uppercase=False, password_require_lowercase=False,
        password_require_numbers=False, password_require_symbols=False,
    )
    _check(pool, "aaaaaa")
    with cognito_error("InvalidPasswordException", "Password not long enough"):
        _check(pool, "aaaaa")


@pytest.mark.parametrize(
    "setting",
    [
        {"password_minimum_length": 5},
        {"password_minimum_length": 100},
        {"password_history_size": 25},
        {"temporary_password_validity_days": 366},
    ],
)
def test_a_pool_policy_outside_cognitos_ranges_is_refused(db, setting):
    with cognito_error("InvalidParameterException"):
        pools.create_user_pool(name="strict", **setting)
    assert not UserPool.objects.filter(name="strict").exists()


@pytest.mark.parametrize(
    "setting",
    [
        {"password_minimum_length": 6},
        {"password_minimum_length": 99},
        {"password_history_size": 24},
        {"temporary_password_validity_days": 0},
        {"temporary_password_validity_days": 365},
    ],
)
def test_the_edges_of_cognitos_ranges_are_allowed(db, setting):
    pools.create_user_pool(name="edge", **setting)


# The same rules in every service that takes a password.

STRICT = {"password_minimum_length": 12}
TOO_SHORT = "Abcdefg1!xy"


def _sign_up(pool, client, user, mailoutbox):
    signup.sign_up(pool=pool, client=client, username="newcomer", password=TOO_SHORT)


def _admin_create(pool, client, user, mailoutbox):
    users.admin_create_user(pool=pool, username="newcomer", temporary_password=TOO_SHORT)


def _change(pool, client, user, mailoutbox):
    passwords.change_password(user=user, previous_password=DEFAULT_PASSWORD, proposed_password=TOO_SHORT)


def _confirm_forgot(pool, client, user, mailoutbox):
    passwords.forgot_password(pool=pool, client=client, username=user.username)
    code = last_email_code(mailoutbox)
    passwords.confirm_forgot_password(pool=pool, client=client, username=user.username, code=code, password=TOO_SHORT)


def _admin_set(pool, client, user, mailoutbox):
    passwords.admin_set_user_password(pool=pool, username=user.username, password=TOO_SHORT, permanent=True)


@pytest.mark.parametrize("operation", [_sign_up, _admin_create, _change, _confirm_forgot, _admin_set])
def test_every_service_applies_the_pools_policy(db, mailoutbox, operation):
    pool = factories.create_pool(**STRICT)
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, password=DEFAULT_PASSWORD, attributes={"email": "a@example.com", "email_verified": "true"})
    with cognito_error("InvalidPasswordException", "Password not long enough"):
        operation(pool, client, user, mailoutbox)
    assert [row["username"] for row in snapshot(pool)["users"]] == [user.username]
    user.refresh_from_db()
    assert passwords.password_matches(user, DEFAULT_PASSWORD)


# PasswordHistorySize


def _numbered(n: int) -> str:
    return f"Passw0rd-{n:02d}!"


@pytest.mark.parametrize("size", [1, 2, 5])
def test_history_remembers_the_last_n_passwords(db, size):
    pool = factories.create_pool(password_history_size=size)
    user = factories.create_user(pool=pool, username="pat", password=_numbered(0))
    for n in range(1, size + 2):
        passwords.admin_set_user_password(pool=pool, username="pat", password=_numbered(n), permanent=True)
    # In force: size + 1. Remembered: the current one and the size - 1 before it.
    for n in range(size + 1 - size + 1, size + 2):
        before = snapshot(pool)
        with cognito_error("PasswordHistoryPolicyViolationException"):
            passwords.admin_set_user_password(pool=pool, username="pat", password=_numbered(n), permanent=True)
        assert snapshot(pool) == before
    assert PasswordHistory.objects.filter(user=user).count() == size - 1
    passwords.admin_set_user_password(pool=pool, username="pat", password=_numbered(1), permanent=True)


def test_without_history_nothing_is_remembered(pool):
    user = factories.create_user(pool=pool, username="pat")
    for password in ("Passw0rd-01!", DEFAULT_PASSWORD, DEFAULT_PASSWORD):
        passwords.admin_set_user_password(pool=pool, username="pat", password=password, permanent=True)
    assert not PasswordHistory.objects.filter(user=user).exists()


def test_history_keeps_hashes_only(db):
    pool = factories.create_pool(password_history_size=3)
    user = factories.create_user(pool=pool, username="pat", password=_numbered(0))
    for n in (1, 2):
        passwords.admin_set_user_password(pool=pool, username="pat", password=_numbered(n), permanent=True)
    stored = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(stored) == 2
    assert all(value.startswith("argon2") and "Passw0rd" not in value for value in stored)


def test_history_is_per_user(db):
    pool = factories.create_pool(password_history_size=3)
    factories.create_user(pool=pool, username="pat", password=_numbered(0))
    factories.create_user(pool=pool, username="sam", password=_numbered(5))
    passwords.admin_set_user_password(pool=pool, username="sam", password=_numbered(0), permanent=True)
