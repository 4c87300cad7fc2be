"""The console edits what SetRiskConfiguration sets: IP ranges one a line, checked by the same rules."""
from identity.models import UserPool
from identity.services import risk_config
from tests.admin.conftest import admin_url, form_data


def test_ip_ranges_are_set_one_a_line_and_a_bad_one_changes_nothing(console, pool):
    url = admin_url("identity_userpool_change", pool.pk)
    page = console.get(url)
    data = {**form_data(page), "risk_blocked_ip_ranges": "192.0.2.0/24\n\n 2001:db8::/32 "}
    data.pop("compromised_credentials_check_sign_up")  # the box unticked
    assert console.post(url, data).status_code == 302
    pool.refresh_from_db()
    assert pool.risk_blocked_ip_ranges == ["192.0.2.0/24", "2001:db8::/32"] and pool.compromised_credentials_check_sign_up is False
    described = risk_config.describe_risk_configuration(pool=pool)
    assert described["RiskExceptionConfiguration"]["BlockedIPRangeList"] == ["192.0.2.0/24", "2001:db8::/32"]
    assert described["CompromisedCredentialsRiskConfiguration"]["EventFilter"] == ["PASSWORD_CHANGE"]
    refused = console.post(url, {**form_data(console.get(url)), "risk_skipped_ip_ranges": "10.0.0.0/8\nnot-a-range"})
    assert refused.status_code == 200 and "Value &#x27;not-a-range&#x27; at &#x27;risk_skipped_ip_ranges&#x27;" in refused.content.decode()
    assert UserPool.objects.get(pk=pool.pk).risk_skipped_ip_ranges == []
