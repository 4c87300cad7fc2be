"""Threat-protection actions: a user's auth-event history and feedback on its events."""
from __future__ import annotations

from django.core import signing

from cognito_api.params import optional, pool_from, required
from identity.errors import InvalidParameterException
from identity.models import AuthEvent
from identity.services import directory, risk, risk_config

_PAGE = signing.Signer(salt="auth-events-page")


def auth_event_type(event: AuthEvent) -> dict:
    """Cognito's AuthEventType."""
    shape = {
        "EventId": str(event.event_id),
        "EventType": event.event_type,
        "CreationDate": event.created_at.timestamp(),
        "EventResponse": event.response,
        "EventRisk": {"RiskDecision": event.risk_decision, "CompromisedCredentialsDetected": event.compromised_credentials},
        "ChallengeResponses": event.challenges,
        "EventContextData": {key: value for key, value in {
            "IpAddress": event.ip_address, "DeviceName": event.device_name, "Timezone": event.timezone,
            "City": event.city, "Country": event.country,
        }.items() if value},
    }
    if event.risk_level:
        shape["EventRisk"]["RiskLevel"] = event.risk_level
    if event.feedback_value:
        shape["EventFeedback"] = {
            "FeedbackValue": event.feedback_value, "Provider": event.feedback_provider, "FeedbackDate": event.feedback_date.timestamp(),
        }
    return shape


def _after(token: str | None) -> int | None:
    if token is None:
        return None
    try:
        return int(_PAGE.unsign(token))
    except (signing.BadSignature, ValueError):
        raise InvalidParameterException("Invalid NextToken.") from None


def admin_list_user_auth_events(params: dict, context) -> dict:
    pool = pool_from(params)
    user = directory.get_user(pool, required(params, "Username"))
    limit = optional(params, "MaxResults", int)
    if limit is not None and not 0 <= limit <= 60:
        raise InvalidParameterException("MaxResults must be between 0 and 60.")
    events, following = risk.list_auth_events(pool=pool, user=user, max_results=60 if limit is None else limit,
                                              after=_after(optional(params, "NextToken")))
    answer = {"AuthEvents": [auth_event_type(event) for event in events]}
    if following is not None:
        answer["NextToken"] = _PAGE.sign(str(following))
    return answer


def admin_update_auth_event_feedback(params: dict, context) -> dict:
    pool = pool_from(params)
    user = directory.get_user(pool, required(params, "Username"))
    risk.update_auth_event_feedback(pool=pool, user=user, event_id=required(params, "EventId"),
                                    value=required(params, "FeedbackValue"), provider="Admin")
    return {}


def update_auth_event_feedback(params: dict, context) -> dict:
    # Public: the FeedbackToken is checked before the user is looked up, so no answer tells who exists.
    risk.update_auth_event_feedback_by_token(
        pool=pool_from(params), username=required(params, "Username"), event_id=required(params, "EventId"),
        value=required(params, "FeedbackValue"), token=required(params, "FeedbackToken"),
    )
    return {}


def _block(params: dict, name: str) -> dict | None:
    value = params.get(name)
    if value is not None and not isinstance(value, dict):
        raise InvalidParameterException(f"{name} must be an object.")
    return value


def set_risk_configuration(params: dict, context) -> dict:
    pool = pool_from(params)
    client = risk_config.client_of(pool, optional(params, "ClientId"))
    pool = risk_config.set_risk_configuration(
        pool=pool, client=client, compromised_credentials=_block(params, "CompromisedCredentialsRiskConfiguration"),
        account_takeover=_block(params, "AccountTakeoverRiskConfiguration"),
        risk_exceptions=_block(params, "RiskExceptionConfiguration"), context=context,
    )
    return {"RiskConfiguration": risk_config.describe_risk_configuration(pool=pool, client=client)}


def describe_risk_configuration(params: dict, context) -> dict:
    pool = pool_from(params)
    client = risk_config.client_of(pool, optional(params, "ClientId"))
    return {"RiskConfiguration": risk_config.describe_risk_configuration(pool=pool, client=client)}


ACTIONS = {"UpdateAuthEventFeedback": update_auth_event_feedback}
SIGNED_ACTIONS = {
    "SetRiskConfiguration": set_risk_configuration,
    "DescribeRiskConfiguration": describe_risk_configuration,
    "AdminListUserAuthEvents": admin_list_user_auth_events,
    "AdminUpdateAuthEventFeedback": admin_update_auth_event_feedback,
}
