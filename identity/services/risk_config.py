"""A pool's threat-protection settings in Cognito's RiskConfigurationType: SetRiskConfiguration / DescribeRiskConfiguration.

The settings are the pool's own fields (the console edits the same ones), so this module only maps
Cognito's shape onto them and back, and checks what it is given as Cognito does ("1 validation
error detected: Value … at 'path' failed to satisfy constraint: …"). Per-client configuration is
not kept: every app client follows the pool's (docs/threat-protection.md).
"""
from __future__ import annotations

import ipaddress
import re

from django.db import transaction

from identity import clock, events, localcache
from identity.context import SYSTEM, RequestContext
from identity.errors import InvalidParameterException, ResourceNotFoundException, error_type
from identity.models import UserPool, UserPoolClient

OperationNotEnabledException = error_type(
    "OperationNotEnabledException", "This operation is not enabled for this user pool configuration."
)
CLIENT_CONFIGURATION_MESSAGE = (
    "Risk configuration for a single app client is not supported: every app client uses the user pool's. "
    "Send SetRiskConfiguration without ClientId."
)
# UserPoolAddOnsType: AdvancedSecurityMode is the pool's threat_protection_mode, value for value.
ADVANCED_SECURITY_MODES = tuple(UserPool.ThreatProtectionMode.values)  # OFF, AUDIT, ENFORCED: Cognito's order
CUSTOM_AUTH_MODES = ("AUDIT", "ENFORCED")  # AdvancedSecurityEnabledModeType
CUSTOM_AUTH_MODE_MESSAGE = (
    "Threat protection for custom authentication (AdvancedSecurityAdditionalFlows.CustomAuthMode) is not supported: "
    "CUSTOM_AUTH sign-ins are not risk-scored. Send UserPoolAddOns without AdvancedSecurityAdditionalFlows.CustomAuthMode."
)
# CompromisedCredentialsRiskConfiguration.EventFilter, in Cognito's order, and the pool field of each.
EVENT_FILTERS = {
    "SIGN_IN": "compromised_credentials_check_sign_in",
    "PASSWORD_CHANGE": "compromised_credentials_check_password_change",
    "SIGN_UP": "compromised_credentials_check_sign_up",
}
COMPROMISED_ACTIONS = ("BLOCK", "NO_ACTION")
TAKEOVER_ACTIONS = ("BLOCK", "MFA_IF_CONFIGURED", "MFA_REQUIRED", "NO_ACTION")
LEVELS = ("Low", "Medium", "High")
NOTIFY_EMAILS = ("BlockEmail", "NoActionEmail", "MfaEmail")
MAX_RANGES = 200
ARN = re.compile(r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?\Z")
_TAKEOVER_DEFAULTS = {
    f"risk_{level.lower()}_{part}": UserPool._meta.get_field(f"risk_{level.lower()}_{part}").get_default()
    for level in LEVELS for part in ("action", "notify")
}


class _Errors:
    """Cognito's validation answer: every problem found, counted, in one InvalidParameterException."""

    def __init__(self):
        self.found: list[str] = []

    def add(self, path: str, value: object, constraint: str) -> None:
        # As AWS prints them: null unquoted ("Value null at 'x'"), a string as it is, a list as [A, B].
        if value is None:
            shown = "null"
        elif isinstance(value, list):
            shown = f"'[{', '.join(map(str, value))}]'"
        else:
            shown = f"'{value if isinstance(value, str) else repr(value)}'"
        self.found.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")

    def raise_any(self) -> None:
        if self.found:
            count = len(self.found)
            noun = "error" if count == 1 else "errors"
            raise InvalidParameterException(f"{count} validation {noun} detected: " + "; ".join(self.found))


def _enum(constraint_values: tuple[str, ...]) -> str:
    return f"Member must satisfy enum value set: [{', '.join(constraint_values)}]"


def describe_user_pool_add_ons(pool: UserPool) -> dict:
    """The pool's threat-protection mode as Cognito's UserPoolAddOnsType (DescribeUserPool's UserPoolAddOns).

    Our modes are Cognito's AdvancedSecurityMode values one for one (OFF, AUDIT, ENFORCED).
    AdvancedSecurityAdditionalFlows is never described: CUSTOM_AUTH sign-ins are not risk-scored.
    """
    return {"AdvancedSecurityMode": pool.threat_protection_mode}


def check_user_pool_add_ons(given: object) -> str:
    """The threat_protection_mode a CreateUserPool / UpdateUserPool UserPoolAddOns names.

    Raises InvalidParameterException in Cognito's validation wording for a shape outside
    UserPoolAddOnsType (AdvancedSecurityMode required, one of OFF, AUDIT, ENFORCED;
    AdvancedSecurityAdditionalFlows.CustomAuthMode one of AUDIT, ENFORCED), and
    OperationNotEnabledException for a CustomAuthMode, since custom authentication is not
    risk-scored here (custom_auth.py runs no risk step): accepting it would claim protection
    the pool does not have.
    """
    errors = _Errors()
    if not isinstance(given, dict):
        errors.add("userPoolAddOns", given, "Member must be a structure")
        errors.raise_any()
    mode = given.get("AdvancedSecurityMode")
    if mode not in ADVANCED_SECURITY_MODES:
        errors.add("userPoolAddOns.advancedSecurityMode", mode,
                   "Member must not be null" if mode is None else _enum(ADVANCED_SECURITY_MODES))
    flows = given.get("AdvancedSecurityAdditionalFlows")
    custom_mode = flows.get("CustomAuthMode") if isinstance(flows, dict) else None
    if flows is not None and not isinstance(flows, dict):
        errors.add("userPoolAddOns.advancedSecurityAdditionalFlows", flows, "Member must be a structure")
    elif custom_mode is not None and custom_mode not in CUSTOM_AUTH_MODES:
        errors.add("userPoolAddOns.advancedSecurityAdditionalFlows.customAuthMode", custom_mode, _enum(CUSTOM_AUTH_MODES))
    errors.raise_any()
    if custom_mode is not None:
        raise OperationNotEnabledException(CUSTOM_AUTH_MODE_MESSAGE)
    return mode


def client_of(pool: UserPool, client_id: str | None) -> UserPoolClient | None:
    """The pool's app client named `client_id` (None for none). Raises ResourceNotFoundException."""
    if client_id is None:
        return None
    client = UserPoolClient.objects.filter(pool=pool, client_id=client_id).first()
    if client is None:
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.")
    return client


def describe_risk_configuration(*, pool: UserPool, client: UserPoolClient | None = None) -> dict:
    """The pool's settings as Cognito's RiskConfigurationType. Cognito: DescribeRiskConfiguration.

    With `client`, the configuration that client signs in under, which is always the pool's here
    (ClientId is echoed). Our NOTIFY compromised-credentials action (not in Cognito's enum) is
    shown as NO_ACTION: it lets the password through.
    """
    blocked = pool.compromised_credentials_action == UserPool.CompromisedCredentialsAction.BLOCK
    takeover: dict = {"Actions": {
        f"{level}Action": {"Notify": getattr(pool, f"risk_{level.lower()}_notify"), "EventAction": getattr(pool, f"risk_{level.lower()}_action")}
        for level in LEVELS
    }}
    if pool.risk_notify_configuration:
        takeover["NotifyConfiguration"] = dict(pool.risk_notify_configuration)
    body: dict = {
        "UserPoolId": pool.id,
        "CompromisedCredentialsRiskConfiguration": {
            "EventFilter": [name for name, field in EVENT_FILTERS.items() if getattr(pool, field)],
            "Actions": {"EventAction": "BLOCK" if blocked else "NO_ACTION"},
        },
        "AccountTakeoverRiskConfiguration": takeover,
        "RiskExceptionConfiguration": {
            "BlockedIPRangeList": list(pool.risk_blocked_ip_ranges), "SkippedIPRangeList": list(pool.risk_skipped_ip_ranges),
        },
        "LastModifiedDate": (pool.risk_configuration_modified_at or pool.created_at).timestamp(),
    }
    if client is not None:
        body["ClientId"] = client.client_id
    return body


@transaction.atomic
def set_risk_configuration(
    *,
    pool: UserPool,
    client: UserPoolClient | None = None,
    compromised_credentials: dict | None = None,
    account_takeover: dict | None = None,
    risk_exceptions: dict | None = None,
    context: RequestContext = SYSTEM,
) -> UserPool:
    """Replace the pool's risk configuration with Cognito's three blocks. Cognito: SetRiskConfiguration.

    A block left out goes back to its defaults (so the pool id alone resets everything, as
    Cognito's does); inside AccountTakeoverRiskConfiguration.Actions a level left out takes no
    action and sends nothing. With `client` and no block, nothing changes (the client already uses
    the pool's configuration); with a block, OperationNotEnabledException. Raises
    InvalidParameterException, changing nothing, for anything outside Cognito's shapes: enums,
    required members, NotifyConfiguration's SourceArn and templates, CIDR ranges (200 at most).
    """
    if client is not None:
        if compromised_credentials is not None or account_takeover is not None or risk_exceptions is not None:
            raise OperationNotEnabledException(CLIENT_CONFIGURATION_MESSAGE)
        return pool
    errors = _Errors()
    fields = {
        **_compromised_fields(compromised_credentials, errors),
        **_takeover_fields(account_takeover, errors),
        **_exception_fields(risk_exceptions, errors),
    }
    errors.raise_any()
    fields["risk_configuration_modified_at"] = clock.now()
    updated = UserPool.objects.select_for_update().get(pk=pool.pk)
    for name, value in fields.items():
        setattr(updated, name, value)
    updated.save(update_fields=[*fields, "updated_at"])
    localcache.forget_pool(updated.pk)
    events.pool_updated(pool=updated, context=context, details={"action": "SetRiskConfiguration", "fields": sorted(fields)})
    return updated


def _compromised_fields(block: dict | None, errors: _Errors) -> dict:
    path = "compromisedCredentialsRiskConfiguration"
    if block is None:
        return {name: UserPool._meta.get_field(name).get_default() for name in ("compromised_credentials_action", *EVENT_FILTERS.values())}
    if not isinstance(block, dict):
        errors.add(path, block, "Member must be a structure")
        return {}
    fields: dict = {}
    actions = block.get("Actions")
    action = actions.get("EventAction") if isinstance(actions, dict) else None
    if not isinstance(actions, dict):
        errors.add(f"{path}.actions", actions, "Member must not be null")
    elif action not in COMPROMISED_ACTIONS:
        errors.add(f"{path}.actions.eventAction", action, _enum(COMPROMISED_ACTIONS) if action is not None else "Member must not be null")
    else:
        fields["compromised_credentials_action"] = action
    chosen = block.get("EventFilter", list(EVENT_FILTERS))  # Cognito: "Defaults to all events"
    if not isinstance(chosen, list) or any(name not in EVENT_FILTERS for name in chosen):
        errors.add(f"{path}.eventFilter", chosen, "Member must satisfy constraint: [Member must satisfy enum value set: [SIGN_IN, PASSWORD_CHANGE, SIGN_UP]]")
    else:
        fields.update({field: name in chosen for name, field in EVENT_FILTERS.items()})
    return fields


def _takeover_fields(block: dict | None, errors: _Errors) -> dict:
    path = "accountTakeoverRiskConfiguration"
    if block is None:
        return {**_TAKEOVER_DEFAULTS, "risk_notify_configuration": {}}
    if not isinstance(block, dict):
        errors.add(path, block, "Member must be a structure")
        return {}
    actions = block.get("Actions")
    if not isinstance(actions, dict):
        errors.add(f"{path}.actions", actions, "Member must not be null")
        actions = {}
    fields: dict = {}
    for level in LEVELS:
        at = f"{path}.actions.{level.lower()}Action"
        given = actions.get(f"{level}Action")
        if given is None:
            fields[f"risk_{level.lower()}_action"], fields[f"risk_{level.lower()}_notify"] = UserPool.RiskAction.NO_ACTION, False
            continue
        if not isinstance(given, dict):
            errors.add(at, given, "Member must be a structure")
            continue
        action, notify = given.get("EventAction"), given.get("Notify")
        if action not in TAKEOVER_ACTIONS:
            errors.add(f"{at}.eventAction", action, _enum(TAKEOVER_ACTIONS) if action is not None else "Member must not be null")
        if not isinstance(notify, bool):
            errors.add(f"{at}.notify", notify, "Member must not be null" if notify is None else "Member must be a boolean")
        fields[f"risk_{level.lower()}_action"], fields[f"risk_{level.lower()}_notify"] = action, notify
    notify_configuration = block.get("NotifyConfiguration")
    fields["risk_notify_configuration"] = (
        {} if notify_configuration is None else check_notify_configuration(notify_configuration, errors, f"{path}.notifyConfiguration")
    )
    return fields


def check_notify_configuration(given: object, errors: _Errors | None = None, path: str = "notifyConfiguration") -> dict:
    """NotifyConfigurationType checked: SourceArn (an ARN) required; From and ReplyTo strings; each
    template a Subject (1-140 characters) with an optional HtmlBody / TextBody (6-20,000)."""
    own = errors is None
    errors = errors or _Errors()
    if not isinstance(given, dict):
        errors.add(path, given, "Member must be a structure")
        if own:
            errors.raise_any()
        return {}
    kept: dict = {}
    arn = given.get("SourceArn")
    if not isinstance(arn, str):
        errors.add(f"{path}.sourceArn", arn, "Member must not be null")
    elif not 20 <= len(arn) <= 2048 or not ARN.match(arn):
        errors.add(f"{path}.sourceArn", arn, f"Member must satisfy regular expression pattern: {ARN.pattern[:-2]}")
    else:
        kept["SourceArn"] = arn
    for name in ("From", "ReplyTo"):
        value = given.get(name)
        if value is not None and not isinstance(value, str):
            errors.add(f"{path}.{name[0].lower()}{name[1:]}", value, "Member must be a string")
        elif value:
            kept[name] = value
    for name in NOTIFY_EMAILS:
        template, at = given.get(name), f"{path}.{name[0].lower()}{name[1:]}"
        if template is None:
            continue
        if not isinstance(template, dict):
            errors.add(at, template, "Member must be a structure")
            continue
        subject = template.get("Subject")
        if not isinstance(subject, str) or not 1 <= len(subject) <= 140:
            errors.add(f"{at}.subject", subject, "Member must not be null" if subject is None else "Member must have length between 1 and 140")
        email = {"Subject": subject}
        for body in ("HtmlBody", "TextBody"):
            value = template.get(body)
            if value is None:
                continue
            if not isinstance(value, str) or not 6 <= len(value) <= 20000:
                errors.add(f"{at}.{body[0].lower()}{body[1:]}", value if isinstance(value, str) and len(value) < 40 else "…",
                           "Member must have length between 6 and 20000")
            email[body] = value
        kept[name] = email
    if own:
        errors.raise_any()
    return kept


def _exception_fields(block: dict | None, errors: _Errors) -> dict:
    path = "riskExceptionConfiguration"
    if block is None:
        return {"risk_blocked_ip_ranges": [], "risk_skipped_ip_ranges": []}
    if not isinstance(block, dict):
        errors.add(path, block, "Member must be a structure")
        return {}
    return {
        "risk_blocked_ip_ranges": check_ip_ranges(block.get("BlockedIPRangeList") or [], errors, f"{path}.blockedIPRangeList"),
        "risk_skipped_ip_ranges": check_ip_ranges(block.get("SkippedIPRangeList") or [], errors, f"{path}.skippedIPRangeList"),
    }


def check_ip_ranges(ranges: object, errors: _Errors | None = None, path: str = "ipRangeList") -> list[str]:
    """A list of at most 200 ranges in CIDR notation (a bare address is its own /32 or /128), kept as given."""
    own = errors is None
    errors = errors or _Errors()
    if not isinstance(ranges, list):
        errors.add(path, ranges, "Member must be a list")
        ranges = []
    elif len(ranges) > MAX_RANGES:
        errors.add(path, f"[{len(ranges)} ranges]", f"Member must have length less than or equal to {MAX_RANGES}")
    for value in ranges:
        try:
            ipaddress.ip_network(value if isinstance(value, str) else "", strict=False)
        except ValueError:
            errors.add(path, value, "Member must be an IP address range in CIDR notation")
    if own:
        errors.raise_any()
    return list(ranges)
