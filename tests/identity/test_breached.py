"""The breached-password corpus (lookup, file format, build) and the password rules built on it."""
import secrets

import pytest

from identity.breached import build
from identity.models import User, UserPool
from identity.services import breached, passwords, signin, signup
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.identity.directory_support import cognito_error, last_email_code

BREACHED = "Password1!"  # satisfies the default policy, and is in the corpus
ENFORCED = {"threat_protection_mode": UserPool.ThreatProtectionMode.ENFORCED}


@pytest.mark.parametrize("password", ["password1", "123456", "qwerty", "iloveyou", "trustno1", "letmein", BREACHED, "P@ssw0rd"])
def test_common_breached_passwords_are_found(password):
    assert breached.is_breached(password)


def test_random_passwords_are_not_found():
    # 20 characters from a 64-letter alphabet: none is in any list (a false alarm is ~1 in a million each).
    assert not any(breached.is_breached(secrets.token_urlsafe(15)) for _ in range(20))
    assert not breached.is_breached(DEFAULT_PASSWORD)


def test_the_lookup_is_exact():
    assert breached.is_breached("password1") and not breached.is_breached("password1 ") and not breached.is_breached("")


def test_the_shipped_corpus_holds_over_a_million_hashes_in_its_format():
    data = breached.CORPUS.read_bytes()
    count = int.from_bytes(data[8:12], "big")
    assert data[:8] == build.MAGIC and count == breached.corpus_size() >= 1_000_000
    starts = [int.from_bytes(data[12 + 4 * i: 16 + 4 * i], "big") for i in range(0, 2**16 + 1, 4096)]
    assert starts == sorted(starts) and int.from_bytes(data[12 + 4 * 2**16: 16 + 4 * 2**16], "big") == count
    assert len(data) == 12 + 4 * (2**16 + 1) + 3 * count


def test_a_corpus_built_from_a_list_finds_exactly_its_members(tmp_path):
    members = {"correct horse", "Tr0ub4dor&3", "ñandú-2024", *(f"pass{i}" for i in range(2000))}
    path = tmp_path / "small.bin"
    path.write_bytes(build.encode(members))
    corpus = breached._Corpus(path)
    assert corpus.size == len(members) and all(member in corpus for member in members)
    assert not any(other in corpus for other in ("correct horse!", "pass2000", "Tr0ub4dor&4", "nandu-2024"))


# The rules on top: threat protection ENFORCED with BLOCK refuses; AUDIT and OFF never act.

def _user(pool, **attributes):
    return factories.create_user(pool=pool, attributes={"email": "ana@example.com", "email_verified": "true", **attributes})


def test_enforced_block_refuses_a_breached_password(db):
    pool = factories.create_pool(**ENFORCED)
    with cognito_error("InvalidPasswordException", breached.BREACHED_MESSAGE):
        passwords.check_password_policy(pool=pool, password=BREACHED, user=_user(pool))
    passwords.check_password_policy(pool=pool, password="Unlisted-Horse-42", user=_user(pool, email="b@example.com"))


@pytest.mark.parametrize("mode", ["OFF", "AUDIT"])
def test_off_and_audit_accept_a_breached_password(db, mode):
    pool = factories.create_pool(threat_protection_mode=mode)
    passwords.check_password_policy(pool=pool, password=BREACHED, user=_user(pool))


def test_notify_accepts_and_emails_an_existing_user(db, mailoutbox, django_capture_on_commit_callbacks):
    pool = factories.create_pool(**ENFORCED, compromised_credentials_action="NOTIFY")
    user = _user(pool)
    with django_capture_on_commit_callbacks(execute=True):
        passwords.admin_set_user_password(pool=pool, username=user.username, password=BREACHED, permanent=True)
    assert [m.to for m in mailoutbox] == [["ana@example.com"]]
    assert "data breach" in mailoutbox[0].subject and BREACHED not in mailoutbox[0].body
    user.refresh_from_db()
    assert passwords.password_matches(user, BREACHED)


def test_no_action_accepts_silently(db, mailoutbox, django_capture_on_commit_callbacks):
    pool = factories.create_pool(**ENFORCED, compromised_credentials_action="NO_ACTION")
    user = _user(pool)
    with django_capture_on_commit_callbacks(execute=True):
        passwords.admin_set_user_password(pool=pool, username=user.username, password=BREACHED, permanent=True)
    assert mailoutbox == []


def _sign_up(pool, client, user, mailoutbox, password):
    signup.sign_up(pool=pool, client=client, username="newcomer", password=password, attributes={"email": "new@example.com"})


def _change(pool, client, user, mailoutbox, password):
    passwords.change_password(user=user, previous_password=DEFAULT_PASSWORD, proposed_password=password)


def _confirm_forgot(pool, client, user, mailoutbox, password):
    passwords.forgot_password(pool=pool, client=client, username=user.username)
    passwords.confirm_forgot_password(pool=pool, client=client, username=user.username, code=last_email_code(mailoutbox), password=password)


def _admin_set(pool, client, user, mailoutbox, password):
    passwords.admin_set_user_password(pool=pool, username=user.username, password=password, permanent=True)


def _new_password_required(pool, client, user, mailoutbox, password):
    passwords.admin_set_user_password(pool=pool, username=user.username, password="Temporary-Horse-7", permanent=False)
    challenge = signin.initiate_auth(pool=pool, client=client, auth_flow="USER_PASSWORD_AUTH",
                                     auth_parameters={"USERNAME": user.username, "PASSWORD": "Temporary-Horse-7"})
    signin.respond_to_auth_challenge(pool=pool, client=client, challenge_name="NEW_PASSWORD_REQUIRED", session=challenge.session,
                                     responses={"USERNAME": user.username, "NEW_PASSWORD": password})


OPERATIONS = [_sign_up, _change, _confirm_forgot, _admin_set, _new_password_required]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_service_that_sets_a_password_refuses_a_breached_one(db, mailoutbox, operation):
    pool = factories.create_pool(**ENFORCED)
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    with cognito_error("InvalidPasswordException", breached.BREACHED_MESSAGE):
        operation(pool, client, user, mailoutbox, BREACHED)
    assert list(User.objects.filter(pool=pool).values_list("username", flat=True)) == ["ana"]
    user.refresh_from_db()
    assert not passwords.password_matches(user, BREACHED)


# Passwords made of the username or the email, refused in every pool.

PERSONAL = "Password does not conform to policy: Password must not contain the username or email"


@pytest.mark.parametrize("password", ["Alexander-2024!", "xALEXANDERx-9!", "alexander@Example.com1"])
def test_a_password_containing_the_username_or_email_is_refused(db, password):
    pool = factories.create_pool()
    user = factories.create_user(pool=pool, username="alexander", attributes={"email": "alexander@example.com"})
    with cognito_error("InvalidPasswordException", PERSONAL):
        passwords.check_password_policy(pool=pool, password=password, user=user)


def test_a_short_username_only_counts_when_it_is_the_whole_password(db):
    pool = factories.create_pool(password_minimum_length=6, password_require_symbols=False, password_require_uppercase=False,
                                 password_require_lowercase=False, password_require_numbers=False)
    user = factories.create_user(pool=pool, username="kal", attributes={})
    passwords.check_password_policy(pool=pool, password="Kalamata-9!", user=user)
    other = factories.create_user(pool=pool, username="kalama", attributes={})
    with cognito_error("InvalidPasswordException", PERSONAL):
        passwords.check_password_policy(pool=pool, password="KALAMA", user=other)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_service_refuses_the_users_own_name(db, mailoutbox, operation):
    pool = factories.create_pool()
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="newcomer", attributes={"email": "ana@example.com", "email_verified": "true"})
    if operation is _sign_up:
        user.delete()  # sign-up makes "newcomer" itself
    with cognito_error("InvalidPasswordException", PERSONAL):
        operation(pool, client, user, mailoutbox, "Newcomer-2024!")
