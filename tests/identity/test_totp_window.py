"""TOTP codes: the current 30-second step and the one before are accepted (clock drift), two steps old is not, and each once."""
import datetime

import pyotp
import pytest

from identity import clock
from identity.services import mfa
from tests import factories

START = datetime.datetime(2026, 3, 2, 9, 0, 5, tzinfo=datetime.timezone.utc)  # 5 s into a 30 s step


@pytest.fixture
def now(monkeypatch):
    moment = {"at": START}
    monkeypatch.setattr(clock, "now", lambda: moment["at"])

    def move(seconds: int) -> datetime.datetime:
        moment["at"] += datetime.timedelta(seconds=seconds)
        return moment["at"]

    return move


def test_the_previous_step_is_accepted_and_two_steps_old_is_refused(db, now):
    user = factories.create_user(pool=factories.create_pool(), username="ana")
    secret = mfa.associate_software_token(user=user)
    totp = pyotp.TOTP(secret)
    mfa.verify_software_token(user=user, code=totp.at(START))  # burns the step of START
    now(90)  # three steps later
    two_steps_old, previous = totp.at(START + datetime.timedelta(seconds=30)), totp.at(START + datetime.timedelta(seconds=60))
    assert two_steps_old != previous
    assert mfa.check_software_token(user=user, code=two_steps_old) is False
    assert mfa.check_software_token(user=user, code=previous) is True
    assert mfa.check_software_token(user=user, code=previous) is False  # once only
    now(30)
    assert mfa.check_software_token(user=user, code=totp.at(clock.now())) is True  # the current step
