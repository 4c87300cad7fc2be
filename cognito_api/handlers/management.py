"""Provisioning actions (SigV4-signed): pools, app clients, resource servers, domains, in Cognito's shapes.

Cognito's Update* actions replace a resource's settings: what a request leaves out returns to its
default, so these translations fill defaults for every omitted setting on update.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from cognito_api.params import optional, pool_from, required
from identity import schema
from identity.errors import InvalidParameterException
from identity.models import ResourceServer, UserPool, UserPoolClient, UserPoolDomain
from identity.services import directory, listing, mfa_config, passwordless, pools, risk_config, triggers_config

_POLICY = {
    "MinimumLength": "password_minimum_length",
    "RequireUppercase": "password_require_uppercase",
    "RequireLowercase": "password_require_lowercase",
    "RequireNumbers": "password_require_numbers",
    "RequireSymbols": "password_require_symbols",
    "TemporaryPasswordValidityDays": "temporary_password_validity_days",
    "PasswordHistorySize": "password_history_size",
}
_VERIFICATION = {"EmailMessage": "verification_email_message", "EmailSubject": "verification_email_subject", "SmsMessage": "verification_sms_message"}
_INVITATION = {"EmailMessage": "invitation_email_message", "EmailSubject": "invitation_email_subject", "SMSMessage": "invitation_sms_message"}


def _default(model, field: str):
    return model._meta.get_field(field).get_default()


def _pool_settings(params: dict, *, fill_defaults: bool) -> dict:
    """UserPool fields from Cognito's CreateUserPool/UpdateUserPool request."""
    fields: dict = {}
    policy = ((params.get("Policies") or {}).get("PasswordPolicy")) or {}
    template = params.get("VerificationMessageTemplate") or {}
    admin_config = params.get("AdminCreateUserConfig") or {}
    invite = admin_config.get("InviteMessageTemplate") or {}
    sources = [(policy, _POLICY), (template, _VERIFICATION), (invite, _INVITATION)]
    for given, mapping in sources:
        for key, field in mapping.items():
            if key in given:
                fields[field] = given[key]
            elif fill_defaults:
                fields[field] = _default(UserPool, field)
    legacy = {"EmailVerificationMessage": "verification_email_message", "EmailVerificationSubject": "verification_email_subject", "SmsVerificationMessage": "verification_sms_message"}
    for key, field in legacy.items():
        if key in params and field not in template.values():
            fields[field] = params[key]
    flags = {
        "deletion_protection": params.get("DeletionProtection", "INACTIVE") == "ACTIVE" if "DeletionProtection" in params or fill_defaults else None,
        "allow_admin_create_user_only": bool(admin_config.get("AllowAdminCreateUserOnly", False)) if "AllowAdminCreateUserOnly" in admin_config or fill_defaults else None,
    }
    fields.update({k: v for k, v in flags.items() if v is not None})
    sign_in_policy = (params.get("Policies") or {}).get("SignInPolicy")
    if sign_in_policy is not None or fill_defaults:
        factors = (sign_in_policy or {}).get("AllowedFirstAuthFactors", ["PASSWORD"])
        fields["allowed_first_auth_factors"] = passwordless.check_first_auth_factors(factors)
    device_configuration = params.get("DeviceConfiguration")
    if device_configuration is not None or fill_defaults:
        fields.update(_device_settings(device_configuration))
    update_settings = params.get("UserAttributeUpdateSettings")
    if update_settings is not None:
        fields["attributes_require_verification_before_update"] = list(update_settings.get("AttributesRequireVerificationBeforeUpdate") or [])
    add_ons = params.get("UserPoolAddOns")
    if add_ons is not None:
        fields["threat_protection_mode"] = risk_config.check_user_pool_add_ons(add_ons)
    elif fill_defaults:  # left out of an update: threat protection OFF, as Cognito's replace does
        fields["threat_protection_mode"] = UserPool.ThreatProtectionMode.OFF
    email = params.get("EmailConfiguration")
    if email is not None or fill_defaults:
        fields["email_from"] = _email_from(email or {})
    return fields


def _email_from(email: object) -> str:
    # EmailConfiguration: only From is kept (the sender; empty: the site's). Mail goes through Django's
    # backend, so EmailSendingAccount, SourceArn, ReplyToEmailAddress and ConfigurationSet have no use here.
    if not isinstance(email, dict):
        raise InvalidParameterException("EmailConfiguration must be an object.")
    sender = email.get("From") or ""
    if not isinstance(sender, str):
        raise InvalidParameterException("EmailConfiguration.From must be a string.")
    return sender


def _device_settings(given) -> dict:
    """DeviceConfiguration: giving any of its fields turns device tracking on; leaving it out, off (Cognito)."""
    if given is not None and not isinstance(given, dict):
        raise InvalidParameterException("DeviceConfiguration must be an object.")
    given = given or {}
    for key in ("ChallengeRequiredOnNewDevice", "DeviceOnlyRememberedOnUserPrompt"):
        if key in given and not isinstance(given[key], bool):
            raise InvalidParameterException(f"DeviceConfiguration.{key} must be a boolean.")
    return {
        "device_tracking": bool(given),
        "device_challenge_required_on_new_device": bool(given.get("ChallengeRequiredOnNewDevice", False)),
        "device_only_remembered_on_user_prompt": bool(given.get("DeviceOnlyRememberedOnUserPrompt", False)),
    }


def _apply_mfa(pool: UserPool, params: dict, context, *, fill_default: bool) -> UserPool:
    """MfaConfiguration, SmsConfiguration and SmsAuthenticationMessage of Create/UpdateUserPool."""
    mode = optional(params, "MfaConfiguration") or ("OFF" if fill_default else None)
    sms_configuration, sms_message = optional(params, "SmsConfiguration", dict), optional(params, "SmsAuthenticationMessage")
    if mode is None and sms_configuration is None and sms_message is None:
        return pool
    return mfa_config.set_user_pool_mfa_mode(
        pool=pool, mfa_configuration=mode or pool.mfa_configuration, sms_configuration=sms_configuration,
        sms_message=sms_message, context=context,
    )


def _split_schema(entries: list[dict]) -> tuple[list[str], list[dict]]:
    """Cognito's Schema parameter: standard attributes to require, and custom attributes to add."""
    required_names, custom = [], []
    for entry in entries or []:
        name = str(entry.get("Name", ""))
        if name in schema.STANDARD_ATTRIBUTE_NAMES:
            if entry.get("Required"):
                required_names.append(name)
        else:
            custom.append(entry)
    return required_names, custom


def create_user_pool(params, context):
    required_names, custom = _split_schema(optional(params, "Schema", list) or [])
    with transaction.atomic():
        pool = _apply_mfa(_create_pool(params, required_names, custom, context), params, context, fill_default=False)
        if optional(params, "LambdaConfig", dict):
            pool = triggers_config.set_lambda_config(pool=pool, lambda_config=params["LambdaConfig"], context=context)
    return {"UserPool": describe_pool(pool)}


def _create_pool(params: dict, required_names: list[str], custom: list[dict], context) -> UserPool:
    return pools.create_user_pool(
        name=required(params, "PoolName"),
        username_attributes=optional(params, "UsernameAttributes", list),
        alias_attributes=optional(params, "AliasAttributes", list),
        auto_verified_attributes=optional(params, "AutoVerifiedAttributes", list),
        required_attributes=required_names, custom_attributes=custom,
        case_sensitive=bool(((params.get("UsernameConfiguration") or {}).get("CaseSensitive", False))),
        context=context, **_pool_settings(params, fill_defaults=False),
    )


def describe_pool(pool: UserPool) -> dict:
    body = {
        "Id": pool.id,
        "Name": pool.name,
        "Arn": f"arn:aws:cognito-idp:{settings.USERPOOLS_REGION}:000000000000:userpool/{pool.id}",
        "Policies": {
            "PasswordPolicy": {key: getattr(pool, field) for key, field in _POLICY.items()},
            "SignInPolicy": {"AllowedFirstAuthFactors": pool.allowed_first_auth_factors},
        },
        "DeletionProtection": "ACTIVE" if pool.deletion_protection else "INACTIVE",
        "LambdaConfig": triggers_config.describe_lambda_config(pool),
        "LastModifiedDate": pool.updated_at.timestamp(),
        "CreationDate": pool.created_at.timestamp(),
        "SchemaAttributes": pool.schema,
        "AutoVerifiedAttributes": pool.auto_verified_attributes,
        "VerificationMessageTemplate": {**{key: getattr(pool, field) for key, field in _VERIFICATION.items()}, "DefaultEmailOption": "CONFIRM_WITH_CODE"},
        "EmailVerificationMessage": pool.verification_email_message,
        "EmailVerificationSubject": pool.verification_email_subject,
        "SmsVerificationMessage": pool.verification_sms_message,
        "MfaConfiguration": pool.mfa_configuration,
        "SmsAuthenticationMessage": pool.mfa_sms_message,
        "EstimatedNumberOfUsers": pool.users.count(),
        "UsernameConfiguration": {"CaseSensitive": pool.case_sensitive},
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": pool.allow_admin_create_user_only,
            "UnusedAccountValidityDays": pool.temporary_password_validity_days,
            "InviteMessageTemplate": {key: getattr(pool, field) for key, field in _INVITATION.items()},
        },
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": pool.attributes_require_verification_before_update},
        "UserPoolAddOns": risk_config.describe_user_pool_add_ons(pool),
    }
    if pool.email_from:
        body["EmailConfiguration"] = {"From": pool.email_from}
    if pool.sms_configuration:
        body["SmsConfiguration"] = pool.sms_configuration
    if pool.device_tracking:
        body["DeviceConfiguration"] = {
            "ChallengeRequiredOnNewDevice": pool.device_challenge_required_on_new_device,
            "DeviceOnlyRememberedOnUserPrompt": pool.device_only_remembered_on_user_prompt,
        }
    if pool.username_attributes:
        body["UsernameAttributes"] = pool.username_attributes
    if pool.alias_attributes:
        body["AliasAttributes"] = pool.alias_attributes
    domains = [row.domain for row in pool.domains.all()]
    if domains:
        body["Domain"] = domains[0]
    own_host = urlsplit(settings.USERPOOLS_BASE_URL).hostname or ""
    custom = [name for name in domains if not name.endswith(f".{own_host}")]  # not a prefix under this server's host
    if custom:
        body["CustomDomain"] = custom[0]
    return body


def describe_user_pool(params, context):
    return {"UserPool": describe_pool(pool_from(params))}


def update_user_pool(params, context):
    pool = pool_from(params)
    fields = _pool_settings(params, fill_defaults=True)
    if "AutoVerifiedAttributes" in params:
        fields["auto_verified_attributes"] = list(params["AutoVerifiedAttributes"] or [])
    with transaction.atomic():
        pool = _apply_mfa(pools.update_user_pool(pool=pool, context=context, **fields), params, context, fill_default=True)
        # Cognito replaces: an UpdateUserPool without LambdaConfig removes the pool's triggers.
        triggers_config.set_lambda_config(pool=pool, lambda_config=optional(params, "LambdaConfig", dict) or {}, context=context)
    return {}


def delete_user_pool(params, context):
    pools.delete_user_pool(pool=pool_from(params), context=context)
    return {}


def _page(rows, *, key: str, salt: str, params: dict, limit_name: str = "MaxResults", maximum: int = 60) -> tuple[list, str | None]:
    limit = optional(params, limit_name, int) or maximum
    if not 1 <= limit <= maximum:
        raise InvalidParameterException(f"{limit_name} must be between 1 and {maximum}.")
    after = listing.read_token(optional(params, "NextToken"), salt=salt, size=1)
    if after is not None:
        rows = rows.filter(**{f"{key}__gt": after[0]})
    found = list(rows.order_by(key)[: limit + 1])
    token = listing.make_token([getattr(found[limit - 1], key)], salt=salt) if len(found) > limit else None
    return found[:limit], token


def _with_token(body: dict, token: str | None) -> dict:
    if token:
        body["NextToken"] = token
    return body


def list_user_pools(params, context, *, pool_ids: set[str] | None = None):
    required_limit = optional(params, "MaxResults", int)
    if required_limit is None:
        raise InvalidParameterException("MaxResults is required.")
    rows = UserPool.objects.all() if pool_ids is None else UserPool.objects.filter(id__in=pool_ids)
    found, token = _page(rows, key="id", salt="list-user-pools", params=params)
    items = [{"Id": p.id, "Name": p.name, "LambdaConfig": triggers_config.describe_lambda_config(p), "LastModifiedDate": p.updated_at.timestamp(), "CreationDate": p.created_at.timestamp()} for p in found]
    return _with_token({"UserPools": items}, token)


def add_custom_attributes(params, context):
    pools.add_custom_attributes(pool=pool_from(params), custom_attributes=optional(params, "CustomAttributes", list) or [], context=context)
    return {}


# ---- app clients --------------------------------------------------------------------------------

_CLIENT_LISTS = {
    "ReadAttributes": "read_attributes", "WriteAttributes": "write_attributes", "ExplicitAuthFlows": "explicit_auth_flows",
    "SupportedIdentityProviders": "supported_identity_providers", "CallbackURLs": "callback_urls", "LogoutURLs": "logout_urls",
    "AllowedOAuthFlows": "allowed_oauth_flows", "AllowedOAuthScopes": "allowed_oauth_scopes",
}
_VALIDITY = (("AccessTokenValidity", "access_token_validity", "AccessToken", "hours", 60, "minutes"),
             ("IdTokenValidity", "id_token_validity", "IdToken", "hours", 60, "minutes"),
             ("RefreshTokenValidity", "refresh_token_validity", "RefreshToken", "days", 30, "days"))


def _client_settings(params: dict) -> dict:
    """UserPoolClient fields from a Create/UpdateUserPoolClient request, defaults filled (Cognito replaces)."""
    fields: dict = {}
    for key, field in _CLIENT_LISTS.items():
        if key in params:
            fields[field] = list(params[key] or [])
    if "ExplicitAuthFlows" not in params:
        fields["explicit_auth_flows"] = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]
    given_units = params.get("TokenValidityUnits") or {}
    units = {}
    for key, field, token, default_unit, default_value, default_value_unit in _VALIDITY:
        if params.get(key):
            fields[field], units[token] = int(params[key]), given_units.get(token, default_unit)
        else:
            fields[field], units[token] = default_value, default_value_unit
    fields["token_validity_units"] = units
    fields["default_redirect_uri"] = params.get("DefaultRedirectURI") or ""
    fields["prevent_user_existence_errors"] = params.get("PreventUserExistenceErrors") or "LEGACY"
    fields["enable_token_revocation"] = bool(params.get("EnableTokenRevocation", True))
    fields["enable_propagate_additional_user_context_data"] = bool(params.get("EnablePropagateAdditionalUserContextData", False))
    fields["auth_session_validity"] = int(params.get("AuthSessionValidity") or 3)
    rotation = (params.get("RefreshTokenRotation") or {}).get("Feature")
    fields["refresh_token_rotation"] = rotation != "DISABLED"
    return fields


def describe_client(client: UserPoolClient) -> dict:
    body = {
        "UserPoolId": client.pool_id, "ClientName": client.name, "ClientId": client.client_id,
        "LastModifiedDate": client.updated_at.timestamp(), "CreationDate": client.created_at.timestamp(),
        "AccessTokenValidity": client.access_token_validity, "IdTokenValidity": client.id_token_validity,
        "RefreshTokenValidity": client.refresh_token_validity, "TokenValidityUnits": client.token_validity_units,
        "AllowedOAuthFlowsUserPoolClient": client.allowed_oauth_flows_user_pool_client,
        "PreventUserExistenceErrors": client.prevent_user_existence_errors, "EnableTokenRevocation": client.enable_token_revocation,
        "EnablePropagateAdditionalUserContextData": client.enable_propagate_additional_user_context_data,
        "AuthSessionValidity": client.auth_session_validity,
        "RefreshTokenRotation": {"Feature": "ENABLED" if client.refresh_token_rotation else "DISABLED", "RetryGracePeriodSeconds": 0},
        **{key: getattr(client, field) for key, field in _CLIENT_LISTS.items()},
    }
    if client.default_redirect_uri:
        body["DefaultRedirectURI"] = client.default_redirect_uri
    return body


def _client(params) -> UserPoolClient:
    client = directory.get_client(pool_from(params), required(params, "ClientId"))
    return client


def create_user_pool_client(params, context):
    pool = pool_from(params)
    fields = _client_settings(params)
    explicit = {name: fields.pop(name, None) for name in ("explicit_auth_flows", "allowed_oauth_flows", "allowed_oauth_scopes", "callback_urls", "logout_urls", "read_attributes", "write_attributes")}
    created = pools.create_user_pool_client(
        pool=pool, name=required(params, "ClientName"), generate_secret=bool(params.get("GenerateSecret")), context=context,
        **{k: v for k, v in explicit.items() if v is not None}, **fields,
    )
    body = describe_client(created.client)
    if created.secret:
        body["ClientSecret"] = created.secret  # only now: the secret is never shown again
    return {"UserPoolClient": body}


def describe_user_pool_client(params, context):
    return {"UserPoolClient": describe_client(_client(params))}


def update_user_pool_client(params, context):
    client = _client(params)
    fields = _client_settings(params)
    for key, field in _CLIENT_LISTS.items():
        fields.setdefault(field, [] if key != "SupportedIdentityProviders" else ["COGNITO"])
    fields["name"] = params.get("ClientName") or client.name
    updated = pools.update_user_pool_client(client=client, context=context, **fields)
    return {"UserPoolClient": describe_client(updated)}


def delete_user_pool_client(params, context):
    pools.delete_user_pool_client(client=_client(params), context=context)
    return {}


def list_user_pool_clients(params, context):
    pool = pool_from(params)
    found, token = _page(UserPoolClient.objects.filter(pool=pool), key="client_id", salt=f"list-clients:{pool.id}", params=params)
    return _with_token({"UserPoolClients": [{"ClientId": c.client_id, "UserPoolId": pool.id, "ClientName": c.name} for c in found]}, token)


# ---- resource servers and domains ---------------------------------------------------------------


def _resource_server_type(server: ResourceServer) -> dict:
    return {"UserPoolId": server.pool_id, "Identifier": server.identifier, "Name": server.name, "Scopes": server.scopes}


def create_resource_server(params, context):
    server = pools.create_resource_server(
        pool=pool_from(params), identifier=required(params, "Identifier"), name=required(params, "Name"),
        scopes=optional(params, "Scopes", list) or [], context=context,
    )
    return {"ResourceServer": _resource_server_type(server)}


def describe_resource_server(params, context):
    return {"ResourceServer": _resource_server_type(pools.get_resource_server(pool=pool_from(params), identifier=required(params, "Identifier")))}


def update_resource_server(params, context):
    server = pools.get_resource_server(pool=pool_from(params), identifier=required(params, "Identifier"))
    updated = pools.update_resource_server(server=server, name=required(params, "Name"), scopes=optional(params, "Scopes", list) or [], context=context)
    return {"ResourceServer": _resource_server_type(updated)}


def delete_resource_server(params, context):
    pools.delete_resource_server(server=pools.get_resource_server(pool=pool_from(params), identifier=required(params, "Identifier")), context=context)
    return {}


def list_resource_servers(params, context):
    pool = pool_from(params)
    found, token = _page(ResourceServer.objects.filter(pool=pool), key="identifier", salt=f"list-rs:{pool.id}", params=params, maximum=50)
    return _with_token({"ResourceServers": [_resource_server_type(s) for s in found]}, token)


_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")  # Cognito's DomainType, per label


def _domain_name(domain: str) -> str:
    """A bare prefix (Cognito's `myapp`) becomes a subdomain of this server's own host."""
    domain = domain.strip().lower()
    if len(domain) > 253 or not all(_DOMAIN_LABEL.match(label) for label in domain.split(".")):
        raise InvalidParameterException(
            f"1 validation error detected: Value '{domain}' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: {_DOMAIN_LABEL.pattern}"
        )
    return domain if "." in domain else f"{domain}.{urlsplit(settings.USERPOOLS_BASE_URL).hostname}"


def create_user_pool_domain(params, context):
    pools.create_user_pool_domain(pool=pool_from(params), domain=_domain_name(required(params, "Domain")), context=context)
    return {}


def describe_user_pool_domain(params, context):
    found = UserPoolDomain.objects.filter(domain=_domain_name(required(params, "Domain"))).first()
    if found is None:
        return {"DomainDescription": {}}
    return {"DomainDescription": {"UserPoolId": found.pool_id, "Domain": found.domain, "Status": "ACTIVE", "Version": "1"}}


def delete_user_pool_domain(params, context):
    pools.delete_user_pool_domain(pool=pool_from(params), domain=_domain_name(required(params, "Domain")), context=context)
    return {}


ACTIONS = {
    "CreateUserPool": create_user_pool,
    "DescribeUserPool": describe_user_pool,
    "UpdateUserPool": update_user_pool,
    "DeleteUserPool": delete_user_pool,
    "ListUserPools": list_user_pools,
    "AddCustomAttributes": add_custom_attributes,
    "CreateUserPoolClient": create_user_pool_client,
    "DescribeUserPoolClient": describe_user_pool_client,
    "UpdateUserPoolClient": update_user_pool_client,
    "DeleteUserPoolClient": delete_user_pool_client,
    "ListUserPoolClients": list_user_pool_clients,
    "CreateResourceServer": create_resource_server,
    "DescribeResourceServer": describe_resource_server,
    "UpdateResourceServer": update_resource_server,
    "DeleteResourceServer": delete_resource_server,
    "ListResourceServers": list_resource_servers,
    "CreateUserPoolDomain": create_user_pool_domain,
    "DescribeUserPoolDomain": describe_user_pool_domain,
    "DeleteUserPoolDomain": delete_user_pool_domain,
}
