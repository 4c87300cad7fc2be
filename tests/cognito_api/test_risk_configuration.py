"""SetRiskConfiguration / DescribeRiskConfiguration over boto3: the round trip onto the pool's settings, Cognito's
validation errors (changing nothing), per-client requests, and the IP exceptions acting on a live sign-in."""
import datetime

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from identity.models import AuthEvent, UserPool
from identity.services import risk
from tests import factories
from tests.cognito_api.conftest import boto3_client
from tests.factories import DEFAULT_PASSWORD

NOTIFY = {
    "From": "security@example.com", "ReplyTo": "help@example.com",
    "SourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
    "BlockEmail": {"Subject": "Blocked sign-in", "TextBody": "Blocked {username} from {ip-address}: {one-click-link-invalid}"},
    "MfaEmail": {"Subject": "Check your sign-in", "HtmlBody": "<p>Was it you, {username}? <a href=\"{one-click-link-valid}\">Yes</a></p>"},
}
FULL = {
    "CompromisedCredentialsRiskConfiguration": {"EventFilter": ["SIGN_IN", "SIGN_UP"], "Actions": {"EventAction": "NO_ACTION"}},
    "AccountTakeoverRiskConfiguration": {
        "NotifyConfiguration": NOTIFY,
        "Actions": {
            "LowAction": {"Notify": True, "EventAction": "MFA_IF_CONFIGURED"},
            "MediumAction": {"Notify": False, "EventAction": "BLOCK"},
            "HighAction": {"Notify": True, "EventAction": "BLOCK"},
        },
    },
    "RiskExceptionConfiguration": {"BlockedIPRangeList": ["192.0.2.0/24", "2001:db8::/32"], "SkippedIPRangeList": ["198.51.100.7/32"]},
}


@pytest.fixture
def pool(transactional_db):
    return factories.create_pool(threat_protection_mode="ENFORCED")


def _error(caught) -> tuple[str, str]:
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_set_then_describe_round_trips_onto_the_pools_settings(signed_idp, pool):
    answer = signed_idp.set_risk_configuration(UserPoolId=pool.id, **FULL)["RiskConfiguration"]
    described = signed_idp.describe_risk_configuration(UserPoolId=pool.id)["RiskConfiguration"]
    assert answer == described
    assert described["UserPoolId"] == pool.id and "ClientId" not in described
    for block in FULL:
        assert described[block] == FULL[block]
    assert isinstance(described["LastModifiedDate"], datetime.datetime)
    pool.refresh_from_db()
    assert (pool.compromised_credentials_action, pool.compromised_credentials_check_sign_in, pool.compromised_credentials_check_sign_up,
            pool.compromised_credentials_check_password_change) == ("NO_ACTION", True, True, False)
    assert (pool.risk_low_action, pool.risk_low_notify, pool.risk_medium_action, pool.risk_medium_notify) == ("MFA_IF_CONFIGURED", True, "BLOCK", False)
    assert pool.risk_blocked_ip_ranges == ["192.0.2.0/24", "2001:db8::/32"] and pool.risk_notify_configuration == NOTIFY


def test_the_pool_id_alone_resets_to_the_defaults_and_a_level_left_out_does_nothing(signed_idp, pool):
    signed_idp.set_risk_configuration(UserPoolId=pool.id, **FULL)
    reset = signed_idp.set_risk_configuration(UserPoolId=pool.id)["RiskConfiguration"]
    assert reset["CompromisedCredentialsRiskConfiguration"] == {"EventFilter": ["PASSWORD_CHANGE", "SIGN_UP"], "Actions": {"EventAction": "BLOCK"}}
    assert reset["AccountTakeoverRiskConfiguration"] == {"Actions": {
        "LowAction": {"Notify": False, "EventAction": "NO_ACTION"},
        "MediumAction": {"Notify": True, "EventAction": "MFA_IF_CONFIGURED"},
        "HighAction": {"Notify": True, "EventAction": "MFA_REQUIRED"},
    }}
    assert reset["RiskExceptionConfiguration"] == {"BlockedIPRangeList": [], "SkippedIPRangeList": []}
    only_high = signed_idp.set_risk_configuration(
        UserPoolId=pool.id, AccountTakeoverRiskConfiguration={"Actions": {"HighAction": {"Notify": False, "EventAction": "BLOCK"}}},
        CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "BLOCK"}},  # no EventFilter: every event
    )["RiskConfiguration"]
    assert only_high["AccountTakeoverRiskConfiguration"]["Actions"]["LowAction"] == {"Notify": False, "EventAction": "NO_ACTION"}
    assert only_high["CompromisedCredentialsRiskConfiguration"]["EventFilter"] == ["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"]


@pytest.mark.parametrize(("request_", "message"), [
    ({"AccountTakeoverRiskConfiguration": {"Actions": {"HighAction": {"Notify": True, "EventAction": "SOMETIMES"}}}},
     "1 validation error detected: Value 'SOMETIMES' at 'accountTakeoverRiskConfiguration.actions.highAction.eventAction' failed to "
     "satisfy constraint: Member must satisfy enum value set: [BLOCK, MFA_IF_CONFIGURED, MFA_REQUIRED, NO_ACTION]"),
    ({"CompromisedCredentialsRiskConfiguration": {"Actions": {"EventAction": "NOTIFY"}, "EventFilter": ["SIGN_OUT"]}},
     "2 validation errors detected: Value 'NOTIFY' at 'compromisedCredentialsRiskConfiguration.actions.eventAction' failed to satisfy "
     "constraint: Member must satisfy enum value set: [BLOCK, NO_ACTION]; Value '[SIGN_OUT]' at "
     "'compromisedCredentialsRiskConfiguration.eventFilter' failed to satisfy constraint: Member must satisfy constraint: "
     "[Member must satisfy enum value set: [SIGN_IN, PASSWORD_CHANGE, SIGN_UP]]"),
    ({"RiskExceptionConfiguration": {"BlockedIPRangeList": ["10.0.0.0/33"]}},
     "1 validation error detected: Value '10.0.0.0/33' at 'riskExceptionConfiguration.blockedIPRangeList' failed to satisfy "
     "constraint: Member must be an IP address range in CIDR notation"),
    ({"RiskExceptionConfiguration": {"SkippedIPRangeList": [f"10.0.{i // 256}.{i % 256}/32" for i in range(201)]}},
     "1 validation error detected: Value '[201 ranges]' at 'riskExceptionConfiguration.skippedIPRangeList' failed to satisfy "
     "constraint: Member must have length less than or equal to 200"),
    ({"AccountTakeoverRiskConfiguration": {"Actions": {}, "NotifyConfiguration": {**NOTIFY, "SourceArn": "not-an-arn-at-all-really"}}},
     "1 validation error detected: Value 'not-an-arn-at-all-really' at 'accountTakeoverRiskConfiguration.notifyConfiguration.sourceArn' "
     "failed to satisfy constraint: Member must satisfy regular expression pattern: "
     "arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?"),
])
def test_cognitos_validation_errors_change_nothing(signed_idp, pool, request_, message):
    before = signed_idp.describe_risk_configuration(UserPoolId=pool.id)["RiskConfiguration"]
    with pytest.raises(ClientError) as caught:
        signed_idp.set_risk_configuration(UserPoolId=pool.id, **request_)
    assert _error(caught) == ("InvalidParameterException", message)
    assert signed_idp.describe_risk_configuration(UserPoolId=pool.id)["RiskConfiguration"] == before


def test_members_botocore_requires_are_checked_by_the_server_too(live_server, signed_idp, pool):
    # botocore would stop these itself; the server must refuse them too.
    raw = boto3.client("cognito-idp", endpoint_url=live_server.url, region_name="local", aws_access_key_id="test-key",
                       aws_secret_access_key="test-secret", config=Config(retries={"max_attempts": 0}, parameter_validation=False))
    with pytest.raises(ClientError) as caught:
        raw.set_risk_configuration(UserPoolId=pool.id, AccountTakeoverRiskConfiguration={
            "Actions": {"LowAction": {"EventAction": "BLOCK"}}, "NotifyConfiguration": {"From": "a@example.com", "BlockEmail": {}},
        })
    code, message = _error(caught)
    assert code == "InvalidParameterException" and message.startswith("3 validation errors detected: ")
    for path in ("accountTakeoverRiskConfiguration.actions.lowAction.notify", "notifyConfiguration.sourceArn", "notifyConfiguration.blockEmail.subject"):
        assert f"at 'accountTakeoverRiskConfiguration.{path}'" in message or f"at '{path}'" in message
    assert UserPool.objects.get(pk=pool.pk).risk_low_action == "NO_ACTION"


def test_an_app_client_uses_the_pools_configuration(signed_idp, pool):
    client = factories.create_client(pool=pool)
    signed_idp.set_risk_configuration(UserPoolId=pool.id, **FULL)
    described = signed_idp.describe_risk_configuration(UserPoolId=pool.id, ClientId=client.client_id)["RiskConfiguration"]
    assert described["ClientId"] == client.client_id and described["AccountTakeoverRiskConfiguration"] == FULL["AccountTakeoverRiskConfiguration"]
    # Pool id and client id alone mean "inherit the pool's", which it already does.
    assert signed_idp.set_risk_configuration(UserPoolId=pool.id, ClientId=client.client_id)["RiskConfiguration"]["ClientId"] == client.client_id
    with pytest.raises(ClientError) as caught:
        signed_idp.set_risk_configuration(UserPoolId=pool.id, ClientId=client.client_id, **FULL)
    assert _error(caught)[0] == "OperationNotEnabledException" and "without ClientId" in _error(caught)[1]
    other = factories.create_client(pool=factories.create_pool())
    with pytest.raises(ClientError) as caught:
        signed_idp.describe_risk_configuration(UserPoolId=pool.id, ClientId=other.client_id)
    assert _error(caught) == ("ResourceNotFoundException", f"User pool client {other.client_id} does not exist.")
    with pytest.raises(ClientError) as caught:
        signed_idp.describe_risk_configuration(UserPoolId="local_nosuchpool")
    assert _error(caught)[0] == "ResourceNotFoundException"


def _sign_in(idp, client):
    return idp.initiate_auth(ClientId=client.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ana", "PASSWORD": DEFAULT_PASSWORD})


def test_a_blocked_range_refuses_the_sign_in_and_a_skipped_range_is_not_scored(idp, signed_idp, pool):
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    signed_idp.set_risk_configuration(UserPoolId=pool.id, RiskExceptionConfiguration={"BlockedIPRangeList": ["127.0.0.0/8"]})
    with pytest.raises(ClientError) as caught:
        _sign_in(idp, client)  # the live server sees REMOTE_ADDR 127.0.0.1
    assert _error(caught) == ("NotAuthorizedException", risk.BLOCKED_MESSAGE)
    assert not AuthEvent.objects.filter(user=user).exists()  # refused before the name was looked up

    signed_idp.set_risk_configuration(UserPoolId=pool.id, AccountTakeoverRiskConfiguration={"Actions": {
        "HighAction": {"Notify": False, "EventAction": "BLOCK"}}})
    first = _sign_in(idp, client)["AuthenticationResult"]
    assert first["AccessToken"]
    event = AuthEvent.objects.get(user=user)
    signed_idp.admin_update_auth_event_feedback(UserPoolId=pool.id, Username="ana", EventId=str(event.event_id), FeedbackValue="Invalid")
    with pytest.raises(ClientError) as caught:
        _sign_in(idp, client)  # that device is now untrusted: High, blocked
    assert _error(caught) == ("NotAuthorizedException", risk.BLOCKED_MESSAGE)

    signed_idp.set_risk_configuration(UserPoolId=pool.id, AccountTakeoverRiskConfiguration={"Actions": {
        "HighAction": {"Notify": False, "EventAction": "BLOCK"}}}, RiskExceptionConfiguration={"SkippedIPRangeList": ["127.0.0.1/32"]})
    assert _sign_in(idp, client)["AuthenticationResult"]["AccessToken"]
    latest = AuthEvent.objects.filter(user=user).order_by("-id").first()
    assert (latest.response, latest.risk_decision, latest.risk_level, latest.risk_reasons) == ("Pass", "NoRisk", "", ["skipped_ip_range"])


def test_ip_exceptions_do_not_act_in_audit_mode(idp, signed_idp, transactional_db):
    pool = factories.create_pool(threat_protection_mode="AUDIT")
    client = factories.create_client(pool=pool)
    factories.create_user(pool=pool, username="ana")
    signed_idp.set_risk_configuration(UserPoolId=pool.id, RiskExceptionConfiguration={"BlockedIPRangeList": ["127.0.0.1"]})
    assert _sign_in(idp, client)["AuthenticationResult"]["AccessToken"]
