"""GeoIP through the real geoip2 reader on a City database built for the test: locations, impossible travel, local hours."""
import datetime
import logging
import sys

import pytest

from identity import clock
from identity.context import RequestContext
from identity.models import AuthEvent, UserPool
from identity.services import geo, risk, signin
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.identity.directory_support import cognito_error

IN_PARIS = RequestContext(ip_address="203.0.113.7", user_agent="Firefox", device_id="laptop")
IN_SYDNEY = RequestContext(ip_address="198.51.100.20", user_agent="Firefox", device_id="laptop")
NOWHERE = RequestContext(ip_address="192.0.2.10", user_agent="Firefox", device_id="laptop")  # not in the database
UTC = datetime.timezone.utc


@pytest.fixture
def pool(db):
    return factories.create_pool(threat_protection_mode="ENFORCED", risk_low_notify=False, risk_medium_notify=False,
                                 risk_high_notify=False)


@pytest.fixture
def client(pool):
    return factories.create_client(pool=pool)


@pytest.fixture
def ana(pool):
    return factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})


def _sign_in(pool, client, context):
    return signin.initiate_auth(pool=pool, client=client, auth_flow="USER_PASSWORD_AUTH",
                                auth_parameters={"USERNAME": "ana", "PASSWORD": DEFAULT_PASSWORD}, context=context)


def _at(monkeypatch, moment):
    monkeypatch.setattr(clock, "now", lambda: moment)


def _last_event(user) -> AuthEvent:
    return AuthEvent.objects.filter(user=user).order_by("-id").first()


def test_locate_answers_the_citys_place_from_the_database(geoip_database, settings):
    geoip_database()
    assert geo.locate("203.0.113.7") == geo.Location(48.8566, 2.3522, "Paris", "FR", "Europe/Paris")
    assert geo.locate("198.51.100.250") == geo.Location(-33.8688, 151.2093, "Sydney", "AU", "Australia/Sydney")
    assert geo.locate("::ffff:203.0.113.7").city == "Paris"  # a dual-stack server's view of an IPv4 client
    settings.USERPOOLS_GEOIP_DATABASE = ""
    assert geo.locate("203.0.113.7") is None  # not configured: off


@pytest.mark.parametrize("ip", ["10.0.0.1", "192.168.1.5", "127.0.0.1", "::1", "fe80::1", "192.0.2.1", "2001:db8::1",
                                "203.0.114.1", "not an address", "", None])
def test_private_unknown_and_malformed_addresses_have_no_location(geoip_database, ip):
    geoip_database()
    assert geo.locate(ip) is None


def test_a_file_that_cannot_be_opened_turns_geoip_off_without_failing_sign_in(settings, tmp_path, pool, client, ana, caplog):
    broken = tmp_path / "City.mmdb"
    broken.write_bytes(b"not a MaxMind DB")
    geo._reader.cache_clear()
    settings.USERPOOLS_GEOIP_DATABASE = str(broken)
    try:
        with caplog.at_level(logging.ERROR, logger="identity.services.geo"):
            assert geo.locate("203.0.113.7") is None
        assert "cannot be opened" in caplog.text
        assert isinstance(_sign_in(pool, client, IN_PARIS), signin.AuthenticationResult)
        assert _last_event(ana).city == ""
    finally:
        geo._reader.cache_clear()


def test_without_the_geoip2_package_locate_answers_none_and_warns(geoip_database, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "geoip2", None)  # as if not installed: the import raises ImportError
    monkeypatch.setitem(sys.modules, "geoip2.database", None)
    geoip_database()
    with caplog.at_level(logging.WARNING, logger="identity.services.geo"):
        assert geo.locate("203.0.113.7") is None
    assert "geoip2 package is not installed" in caplog.text


def test_paris_then_sydney_ten_minutes_later_is_impossible_travel_and_blocked(geoip_database, pool, client, ana, monkeypatch):
    geoip_database()
    UserPool.objects.filter(pk=pool.pk).update(risk_high_action="BLOCK")
    pool.refresh_from_db()
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    _at(monkeypatch, start)
    assert isinstance(_sign_in(pool, client, IN_PARIS), signin.AuthenticationResult)
    first = _last_event(ana)
    assert (first.city, first.country, first.timezone, first.risk_reasons) == ("Paris", "FR", "Europe/Paris", [])

    _at(monkeypatch, start + datetime.timedelta(minutes=10))
    assessment = risk.assess(pool=pool, user=ana, context=IN_SYDNEY)
    assert "impossible_travel" in assessment.reasons and assessment.level == "High"
    assert (assessment.location.city, assessment.location.country) == ("Sydney", "AU")
    with cognito_error("NotAuthorizedException", risk.BLOCKED_MESSAGE):
        _sign_in(pool, client, IN_SYDNEY)
    blocked = _last_event(ana)
    assert (blocked.response, blocked.risk_decision, blocked.risk_level) == ("Fail", "Block", "High")
    assert "impossible_travel" in blocked.risk_reasons
    assert (blocked.city, blocked.country, blocked.timezone) == ("Sydney", "AU", "Australia/Sydney")
    assert blocked.latitude == pytest.approx(-33.8688)


def test_sydney_a_day_later_is_not_impossible_travel(geoip_database, pool, client, ana, monkeypatch):
    geoip_database()
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    _at(monkeypatch, start)
    _sign_in(pool, client, IN_PARIS)
    _at(monkeypatch, start + datetime.timedelta(hours=24))  # 16,960 km in a day: a flight
    assert isinstance(_sign_in(pool, client, IN_SYDNEY), signin.AuthenticationResult)
    assert "impossible_travel" not in _last_event(ana).risk_reasons


def _habit(pool, client, monkeypatch, context, first):
    for day in range(5):
        _at(monkeypatch, first + datetime.timedelta(days=day))
        _sign_in(pool, client, context)


def test_the_hour_is_the_users_local_hour_where_geoip_gives_a_time_zone(geoip_database, pool, client, ana, monkeypatch):
    geoip_database()
    # 09:00 in Paris every morning (08:00 UTC in March, before summer time).
    _habit(pool, client, monkeypatch, IN_PARIS, datetime.datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    # Flown to Sydney: 09:00 there (AEDT, UTC+11) is 22:00 UTC, far from 08:00 UTC but the user's usual morning.
    _at(monkeypatch, datetime.datetime(2026, 3, 9, 22, 0, tzinfo=UTC))
    assert risk.local_hour(clock.now(), "Australia/Sydney") == 9
    _sign_in(pool, client, IN_SYDNEY)
    assert "unusual_hour" not in _last_event(ana).risk_reasons
    # Back in Paris at 03:00 local (02:00 UTC): unusual on the user's clock.
    _at(monkeypatch, datetime.datetime(2026, 3, 12, 2, 0, tzinfo=UTC))
    _sign_in(pool, client, IN_PARIS)
    assert "unusual_hour" in _last_event(ana).risk_reasons


def test_a_local_hour_that_is_usual_in_utc_still_counts(geoip_database, pool, client, ana, monkeypatch):
    geoip_database()
    # 09:00 in Sydney every morning: 22:00 UTC.
    _habit(pool, client, monkeypatch, IN_SYDNEY, datetime.datetime(2026, 3, 1, 22, 0, tzinfo=UTC))
    # 23:00 in Paris is also 22:00 UTC, but 23:00 against a 09:00 habit is unusual.
    _at(monkeypatch, datetime.datetime(2026, 3, 8, 22, 0, tzinfo=UTC))
    _sign_in(pool, client, IN_PARIS)
    assert "unusual_hour" in _last_event(ana).risk_reasons


def test_without_a_time_zone_the_hour_is_utc(geoip_database, pool, client, ana, monkeypatch):
    geoip_database()  # configured, but these addresses are not in it
    _habit(pool, client, monkeypatch, NOWHERE, datetime.datetime(2026, 3, 2, 22, 0, tzinfo=UTC))
    assert _last_event(ana).timezone == ""
    # 22:00 UTC again: usual, whatever any local clock says.
    _at(monkeypatch, datetime.datetime(2026, 3, 9, 22, 30, tzinfo=UTC))
    _sign_in(pool, client, NOWHERE)
    assert "unusual_hour" not in _last_event(ana).risk_reasons
    _at(monkeypatch, datetime.datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    _sign_in(pool, client, NOWHERE)
    assert "unusual_hour" in _last_event(ana).risk_reasons


def test_local_hour_falls_back_to_utc_for_an_unknown_zone():
    moment = datetime.datetime(2026, 7, 1, 22, 0, tzinfo=UTC)
    assert risk.local_hour(moment, "Europe/Paris") == 0  # CEST, UTC+2
    assert risk.local_hour(moment, "Australia/Sydney") == 8  # AEST in July, UTC+10
    assert [risk.local_hour(moment, zone) for zone in ("", "Nowhere/Atlantis", "../etc/passwd", "/etc/localtime")] == [22] * 4
