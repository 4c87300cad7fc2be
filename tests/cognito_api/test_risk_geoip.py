"""Impossible travel over boto3 with the real geoip2 reader: a sign-in from Paris, then one from "Sydney" ten minutes
later is refused, and AdminListUserAuthEvents shows where each came from (EventContextData)."""
from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError

from identity import clock
from identity.context import RequestContext
from identity.models import AuthEvent
from identity.services import risk, signin
from tests import factories
from tests.geoip_database import PARIS, PARIS_NET, SYDNEY, SYDNEY_NET

# The live server sees boto3 from the loopback address; this test's database places it in Sydney.
LOOPBACK_IN_SYDNEY = {PARIS_NET: PARIS, SYDNEY_NET: SYDNEY, "127.0.0.0/8": SYDNEY, "::1/128": SYDNEY}


@pytest.fixture
def pool(transactional_db, live_server, geoip_database):
    geoip_database(LOOPBACK_IN_SYDNEY)
    return factories.create_pool(threat_protection_mode="ENFORCED", risk_high_action="BLOCK", risk_low_notify=False,
                                 risk_medium_notify=False, risk_high_notify=False)


def test_a_boto3_sign_in_from_sydney_ten_minutes_after_paris_is_refused(idp, signed_idp, pool, monkeypatch):
    app = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    real_now = clock.now
    paris_time = real_now() - datetime.timedelta(minutes=10)
    monkeypatch.setattr(clock, "now", lambda: paris_time)
    signed_in = signin.initiate_auth(
        pool=pool, client=app, auth_flow="USER_PASSWORD_AUTH", auth_parameters={"USERNAME": "ana", "PASSWORD": factories.DEFAULT_PASSWORD},
        context=RequestContext(ip_address="203.0.113.7", user_agent="Firefox in Paris", device_id="laptop"),
    )
    assert isinstance(signed_in, signin.AuthenticationResult)
    monkeypatch.setattr(clock, "now", real_now)  # ten minutes on: the signed admin call below needs the real time

    with pytest.raises(ClientError) as refused:
        idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "ana", "PASSWORD": factories.DEFAULT_PASSWORD})
    assert (refused.value.response["Error"]["Code"], refused.value.response["Error"]["Message"]) == \
        ("NotAuthorizedException", risk.BLOCKED_MESSAGE)

    blocked, paris = signed_idp.admin_list_user_auth_events(UserPoolId=pool.id, Username="ana")["AuthEvents"]
    assert blocked["EventResponse"] == "Fail"
    assert "impossible_travel" in AuthEvent.objects.get(event_id=blocked["EventId"]).risk_reasons
    assert blocked["EventRisk"] == {"RiskDecision": "Block", "RiskLevel": "High", "CompromisedCredentialsDetected": False}
    assert {key: blocked["EventContextData"][key] for key in ("City", "Country", "Timezone")} == \
        {"City": "Sydney", "Country": "AU", "Timezone": "Australia/Sydney"}
    assert blocked["EventContextData"]["IpAddress"] in ("127.0.0.1", "::1")
    assert paris["EventResponse"] == "Pass"
    assert paris["EventContextData"] == {"IpAddress": "203.0.113.7", "DeviceName": "Firefox in Paris", "Timezone": "Europe/Paris",
                                         "City": "Paris", "Country": "FR"}
