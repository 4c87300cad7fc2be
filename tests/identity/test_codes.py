"""One-time codes: keyed digests at rest, bound to user and purpose, expiring, five misses, five sends an hour."""
import datetime
import hashlib

import pytest

from identity import clock, crypto
from identity.models import AuditEvent, User, VerificationCode
from identity.services import codes, signup
from tests import factories
from tests.identity.directory_support import (
    STRONG_PASSWORD,
    cognito_error,
    freeze_clock,
    last_email_code,
    predictable_codes,
)

Purpose = VerificationCode.Purpose


@pytest.fixture
def other_user(pool):
    return factories.create_user(pool=pool, attributes={"email": "bob@example.com", "email_verified": "true"})


def _row(user, purpose=Purpose.SIGN_UP, attribute_name=""):
    return VerificationCode.objects.get(user=user, purpose=purpose, attribute_name=attribute_name)


def _wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_codes_are_six_random_digits(user):
    seen = set()
    for purpose in (Purpose.SIGN_UP, Purpose.FORGOT_PASSWORD, Purpose.VERIFY_ATTRIBUTE):
        for _ in range(5):
            code = codes.issue_code(user=user, purpose=purpose)
            assert len(code) == 6 and code.isdigit()
            seen.add(code)
    assert len(seen) > 1


def test_the_plain_code_is_never_stored(pool, client_app, mailoutbox, monkeypatch):
    predictable_codes(monkeypatch, start=987654)
    signup.sign_up(pool=pool, client=client_app, username="bob", password=STRONG_PASSWORD, attributes={"email": "b@example.com"})
    code = last_email_code(mailoutbox)
    assert code == "987654"
    user = User.objects.get(pool=pool, username="bob")
    rows = [
        *VerificationCode.objects.filter(user=user).values(),
        *User.objects.filter(pk=user.pk).values(),
        *AuditEvent.objects.filter(pool=pool).values(),
    ]
    for row in rows:
        for column, value in row.items():
            if not isinstance(value, datetime.datetime):  # a timestamp's microseconds could match by chance
                assert code not in str(value), column
    digest = _row(user).code_digest
    # A keyed digest (HMAC under a server key), not a bare hash anyone could tabulate for 10^6 codes.
    assert digest not in {hashlib.sha256(code.encode()).hexdigest(), hashlib.sha256(f"{user.pk}:SIGN_UP::{code}".encode()).hexdigest()}
    assert len(digest) == 64


def test_the_same_code_is_stored_differently_per_user_purpose_and_attribute(user, other_user, monkeypatch):
    predictable_codes(monkeypatch, start=424242, step=0)  # everyone gets 424242
    codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    codes.issue_code(user=other_user, purpose=Purpose.SIGN_UP)
    codes.issue_code(user=user, purpose=Purpose.FORGOT_PASSWORD)
    codes.issue_code(user=user, purpose=Purpose.VERIFY_ATTRIBUTE, attribute_name="email")
    codes.issue_code(user=user, purpose=Purpose.VERIFY_ATTRIBUTE, attribute_name="phone_number")
    digests = list(VerificationCode.objects.values_list("code_digest", flat=True))
    assert len(digests) == 5 and len(set(digests)) == 5


def test_a_code_never_answers_for_another_user(user, other_user, monkeypatch):
    predictable_codes(monkeypatch)
    mine = codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    codes.issue_code(user=other_user, purpose=Purpose.SIGN_UP)
    with cognito_error("CodeMismatchException"):
        codes.consume_code(user=other_user, purpose=Purpose.SIGN_UP, code=mine)
    # Even a copied digest does not carry over: the user is inside the digest.
    row = _row(other_user)
    row.code_digest = _row(user).code_digest
    row.save()
    with cognito_error("CodeMismatchException"):
        codes.consume_code(user=other_user, purpose=Purpose.SIGN_UP, code=mine)
    assert codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=mine) == ""


def test_a_code_never_answers_for_another_purpose_or_attribute(user):
    reset = codes.issue_code(user=user, purpose=Purpose.FORGOT_PASSWORD)
    email = codes.issue_code(user=user, purpose=Purpose.VERIFY_ATTRIBUTE, attribute_name="email")
    with cognito_error("ExpiredCodeException"):  # no live sign-up code at all
        codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=reset)
    with cognito_error("ExpiredCodeException"):
        codes.consume_code(user=user, purpose=Purpose.VERIFY_ATTRIBUTE, attribute_name="phone_number", code=email)
    codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    row = _row(user)
    row.code_digest = _row(user, Purpose.FORGOT_PASSWORD).code_digest  # a digest moved across purposes
    row.save()
    with cognito_error("CodeMismatchException"):
        codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=reset)
    codes.consume_code(user=user, purpose=Purpose.FORGOT_PASSWORD, code=reset)
    codes.consume_code(user=user, purpose=Purpose.VERIFY_ATTRIBUTE, attribute_name="email", code=email)


def test_a_code_works_once_and_reports_where_it_went(user):
    code = codes.issue_code(user=user, purpose=Purpose.FORGOT_PASSWORD, delivered_to="email")
    assert codes.consume_code(user=user, purpose=Purpose.FORGOT_PASSWORD, code=code) == "email"
    with cognito_error("ExpiredCodeException"):
        codes.consume_code(user=user, purpose=Purpose.FORGOT_PASSWORD, code=code)


def test_a_new_code_replaces_the_live_one(user, monkeypatch):
    predictable_codes(monkeypatch)
    first = codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    second = codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    assert VerificationCode.objects.filter(user=user, purpose=Purpose.SIGN_UP).count() == 1
    with cognito_error("CodeMismatchException"):
        codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=first)
    codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=second)


@pytest.mark.parametrize(
    ("purpose", "lifetime"),
    [
        (Purpose.SIGN_UP, datetime.timedelta(hours=24)),
        (Purpose.FORGOT_PASSWORD, datetime.timedelta(hours=1)),
        (Purpose.VERIFY_ATTRIBUTE, datetime.timedelta(hours=24)),
    ],
)
def test_codes_expire(user, monkeypatch, purpose, lifetime):
    issued_at = clock.now()
    freeze_clock(monkeypatch, issued_at)
    code = codes.issue_code(user=user, purpose=purpose)
    assert _row(user, purpose).expires_at == issued_at + lifetime

    freeze_clock(monkeypatch, issued_at + lifetime)
    with cognito_error("ExpiredCodeException"):
        codes.consume_code(user=user, purpose=purpose, code=code)
    assert not VerificationCode.objects.filter(user=user).exists()  # an expired code is dropped

    freeze_clock(monkeypatch, issued_at)
    code = codes.issue_code(user=user, purpose=purpose)
    freeze_clock(monkeypatch, issued_at + lifetime - datetime.timedelta(seconds=1))
    codes.consume_code(user=user, purpose=purpose, code=code)


def test_an_expired_code_is_expired_even_when_wrong(user, monkeypatch):
    code = codes.issue_code(user=user, purpose=Purpose.FORGOT_PASSWORD)
    freeze_clock(monkeypatch, clock.now() + datetime.timedelta(hours=2))
    with cognito_error("ExpiredCodeException"):
        codes.consume_code(user=user, purpose=Purpose.FORGOT_PASSWORD, code=_wrong(code))


def test_misses_are_counted_and_kept(user):
    code = codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    for expected in range(1, 4):
        with cognito_error("CodeMismatchException"):
            codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=_wrong(code))
        # Committed although the call raised.
        assert _row(user).failed_attempts == expected


def test_five_misses_burn_the_code(user):
    code = codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    for _ in range(codes.MAX_FAILED_ATTEMPTS):
        with cognito_error("CodeMismatchException"):
            codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=_wrong(code))
    for guess in (code, _wrong(code)):
        with cognito_error("LimitExceededException"):
            codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=guess)
    assert _row(user).failed_attempts == 5
    # A fresh code starts again from zero.
    fresh = codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    assert _row(user).failed_attempts == 0
    codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=fresh)


def test_misses_on_one_code_do_not_burn_another(user, monkeypatch):
    predictable_codes(monkeypatch)
    codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    reset = codes.issue_code(user=user, purpose=Purpose.FORGOT_PASSWORD)
    for _ in range(5):
        with cognito_error("CodeMismatchException"):
            codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code="000000")
    codes.consume_code(user=user, purpose=Purpose.FORGOT_PASSWORD, code=reset)


def test_five_sends_an_hour_per_user_and_purpose(user, other_user):
    for _ in range(codes.SENDS_PER_HOUR):
        last = codes.issue_code(user=user, purpose=Purpose.FORGOT_PASSWORD)
    digest = _row(user, Purpose.FORGOT_PASSWORD).code_digest
    with cognito_error("LimitExceededException"):
        codes.issue_code(user=user, purpose=Purpose.FORGOT_PASSWORD)
    assert _row(user, Purpose.FORGOT_PASSWORD).code_digest == digest  # the live code is untouched
    codes.issue_code(user=user, purpose=Purpose.VERIFY_ATTRIBUTE, attribute_name="email")
    codes.issue_code(user=other_user, purpose=Purpose.FORGOT_PASSWORD)
    codes.consume_code(user=user, purpose=Purpose.FORGOT_PASSWORD, code=last)


def test_codes_are_compared_in_constant_time(user, monkeypatch):
    calls = []
    real = crypto.digests_match

    def spy(expected, given):
        calls.append((expected, given))
        return real(expected, given)

    monkeypatch.setattr(crypto, "digests_match", spy)
    code = codes.issue_code(user=user, purpose=Purpose.SIGN_UP)
    with cognito_error("CodeMismatchException"):
        codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=_wrong(code))
    codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=code)
    assert len(calls) == 2


def test_a_checked_code_stays_live(user):
    code = codes.issue_code(user=user, purpose=Purpose.SIGN_UP, delivered_to="email")
    assert codes.check_code(user=user, purpose=Purpose.SIGN_UP, code=code) == "email"
    with cognito_error("CodeMismatchException"):
        codes.check_code(user=user, purpose=Purpose.SIGN_UP, code=_wrong(code))
    assert _row(user).failed_attempts == 1
    codes.consume_code(user=user, purpose=Purpose.SIGN_UP, code=code)
