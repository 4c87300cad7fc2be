"""Pools, app clients, resource servers: creation and settings (CreateUserPool, CreateUserPoolClient, …)."""
from __future__ import annotations

import datetime
import email.utils
import secrets
import string
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from identity import clock, crypto, events, localcache, schema
from identity.context import SYSTEM, RequestContext
from identity.errors import InvalidParameterException, ResourceNotFoundException
from identity.models import ResourceServer, UserPool, UserPoolClient
from identity.services import keys, lockout

_ID_ALPHABET = string.ascii_letters + string.digits
_CLIENT_ID_ALPHABET = string.ascii_lowercase + string.digits
USERNAME_ATTRIBUTE_CHOICES = {"email", "phone_number"}
ALIAS_ATTRIBUTE_CHOICES = {"email", "phone_number", "preferred_username"}
AUTH_FLOWS = {
    "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_CUSTOM_AUTH", "ALLOW_USER_AUTH",
}
DEFAULT_AUTH_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"]
OAUTH_FLOWS = {"code", "implicit", "client_credentials"}
MAX_CUSTOM_ATTRIBUTES = 50  # Cognito's quota per pool


def new_pool_id() -> str:
    """Cognito's shape: `<region>_<9 letters and digits>`."""
    return f"{settings.USERPOOLS_REGION}_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(9))


def issuer_for(pool: UserPool) -> str:
    return f"{settings.USERPOOLS_BASE_URL}/{pool.id}"


@transaction.atomic
def create_user_pool(
    *,
    name: str,
    username_attributes: list[str] | None = None,
    alias_attributes: list[str] | None = None,
    auto_verified_attributes: list[str] | None = None,
    custom_attributes: list[dict] | None = None,
    required_attributes: list[str] | None = None,
    context: RequestContext = SYSTEM,
    **settings_: object,
) -> UserPool:
    """Create a pool with Cognito's defaults (schema, password policy, templates).

    `settings_` are further UserPool fields (password policy, templates, validity).
    Raises InvalidParameterException for a bad name, identifier choice, custom attribute
    (malformed, repeated, more than 50) or password policy outside Cognito's ranges.
    Cognito: CreateUserPool.
    """
    if not name or len(name) > 128:
        raise InvalidParameterException("Pool name must be 1 to 128 characters.")
    username_attributes = list(username_attributes or [])
    alias_attributes = list(alias_attributes or [])
    if set(username_attributes) - USERNAME_ATTRIBUTE_CHOICES:
        raise InvalidParameterException("UsernameAttributes may hold only email and phone_number.")
    if set(alias_attributes) - ALIAS_ATTRIBUTE_CHOICES:
        raise InvalidParameterException("AliasAttributes may hold only email, phone_number and preferred_username.")
    if username_attributes and alias_attributes:
        raise InvalidParameterException("A pool has either UsernameAttributes or AliasAttributes, not both.")
    if auto_verified_attributes is None:
        auto_verified_attributes = [a for a in ("email", "phone_number") if a in username_attributes + alias_attributes] or ["email"]
    if set(auto_verified_attributes) - {"email", "phone_number"}:
        raise InvalidParameterException("AutoVerifiedAttributes may hold only email and phone_number.")
    pool_schema = schema.default_schema()
    _require(pool_schema, required_attributes or [])
    additions = [schema.custom_attribute_definition(entry) for entry in custom_attributes or []]
    names = [entry["Name"] for entry in additions]
    if len(set(names)) != len(names):
        raise InvalidParameterException("Custom attribute names must be unique.")
    if len(additions) > MAX_CUSTOM_ATTRIBUTES:
        raise InvalidParameterException(f"A pool has at most {MAX_CUSTOM_ATTRIBUTES} custom attributes.")
    pool_schema += additions
    unknown = set(settings_) - {f.name for f in UserPool._meta.get_fields()}
    if unknown:
        raise InvalidParameterException(f"Unknown pool settings: {', '.join(sorted(unknown))}.")
    for field, (low, high) in _POOL_BOUNDS.items():  # the same bounds as update_user_pool
        if field in settings_ and not (isinstance(settings_[field], int) and low <= settings_[field] <= high):
            raise InvalidParameterException(f"{field} must be between {low} and {high}.")
    if settings_.get("email_from"):
        check_email_from(settings_["email_from"])
    pool = UserPool.objects.create(
        id=new_pool_id(),
        name=name,
        username_attributes=username_attributes,
        alias_attributes=alias_attributes,
        auto_verified_attributes=list(auto_verified_attributes),
        schema=pool_schema,
        **settings_,
    )
    keys.create_initial_keys(pool)
    events.pool_created(pool=pool, context=context)
    return pool


def _require(pool_schema: list[dict], names: list[str]) -> None:
    by_name = {entry["Name"]: entry for entry in pool_schema}
    for name in names:
        if name not in by_name or name == "sub":
            raise InvalidParameterException(f"{name} is not a standard attribute that can be required.")
        by_name[name]["Required"] = True


@transaction.atomic
def add_custom_attributes(*, pool: UserPool, custom_attributes: list[dict], context: RequestContext = SYSTEM) -> UserPool:
    """Add `custom:` attributes to the pool's schema; existing ones cannot be redefined. Cognito: AddCustomAttributes."""
    pool = UserPool.objects.select_for_update().get(pk=pool.pk)
    existing = {entry["Name"] for entry in pool.schema}
    additions = [schema.custom_attribute_definition(entry) for entry in custom_attributes]
    for entry in additions:
        if entry["Name"] in existing:
            raise InvalidParameterException(f"{entry['Name']} already exists in the schema.")
        existing.add(entry["Name"])  # and twice in one request is twice too
    if sum(1 for e in pool.schema if e["Name"].startswith(schema.CUSTOM_PREFIX)) + len(additions) > MAX_CUSTOM_ATTRIBUTES:
        raise InvalidParameterException(f"A pool has at most {MAX_CUSTOM_ATTRIBUTES} custom attributes.")
    pool.schema = pool.schema + additions
    pool.save(update_fields=["schema", "updated_at"])
    events.pool_updated(pool=pool, context=context, details={"added_attributes": [e["Name"] for e in additions]})
    return pool


@transaction.atomic
def delete_user_pool(*, pool: UserPool, context: RequestContext = SYSTEM) -> None:
    """Delete a pool and everything in it, unless deletion protection is on. Cognito: DeleteUserPool."""
    if pool.deletion_protection:
        raise InvalidParameterException("The pool cannot be deleted while deletion protection is active.")
    events.pool_deleted(pool=pool, context=context)
    pool.delete()


@dataclass(frozen=True)
class CreatedClient:
    client: UserPoolClient
    secret: str | None  # shown once; never stored in plain text


def _new_client_secret() -> str:
    return "".join(secrets.choice(_CLIENT_ID_ALPHABET) for _ in range(51))


def _set_secret(client: UserPoolClient) -> str:
    from identity import clock

    secret = _new_client_secret()
    client.secret_digest = crypto.keyed_digest("client-secret", secret)
    client.secret_encrypted = crypto.encrypt(secret)
    client.secret_created_at = clock.now()
    return secret


@transaction.atomic
def create_user_pool_client(
    *,
    pool: UserPool,
    name: str,
    generate_secret: bool = False,
    explicit_auth_flows: list[str] | None = None,
    allowed_oauth_flows: list[str] | None = None,
    allowed_oauth_scopes: list[str] | None = None,
    callback_urls: list[str] | None = None,
    logout_urls: list[str] | None = None,
    read_attributes: list[str] | None = None,
    write_attributes: list[str] | None = None,
    context: RequestContext = SYSTEM,
    **fields: object,
) -> CreatedClient:
    """Create an app client; the secret, when asked for, is returned once and stored as digest + ciphertext.

    Raises InvalidParameterException for unknown flows, attributes or malformed URLs.
    Cognito: CreateUserPoolClient.
    """
    client = UserPoolClient(
        client_id="".join(secrets.choice(_CLIENT_ID_ALPHABET) for _ in range(26)),
        pool=pool,
        name=name,
        explicit_auth_flows=list(explicit_auth_flows) if explicit_auth_flows is not None else list(DEFAULT_AUTH_FLOWS),
        allowed_oauth_flows=list(allowed_oauth_flows or []),
        allowed_oauth_scopes=list(allowed_oauth_scopes or []),
        allowed_oauth_flows_user_pool_client=bool(allowed_oauth_flows),
        callback_urls=list(callback_urls or []),
        logout_urls=list(logout_urls or []),
        read_attributes=list(read_attributes or []),
        write_attributes=list(write_attributes or []),
        **{**_pool_default_validity(pool), **fields},
    )
    secret = _set_secret(client) if generate_secret else None
    check_client(client)
    client.save()
    events.client_created(client=client, context=context)
    return CreatedClient(client=client, secret=secret)


STANDARD_SCOPES = {"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}
_CLIENT_FIELDS = {f.name for f in UserPoolClient._meta.get_fields()} - {"client_id", "pool", "secret_digest", "secret_encrypted", "secret_created_at", "created_at", "updated_at"}


def check_client(client: UserPoolClient) -> None:
    """Raise InvalidParameterException / ScopeDoesNotExistException unless the client's settings are valid."""
    if not client.name or len(client.name) > 128:
        raise InvalidParameterException("Client name must be 1 to 128 characters.")
    if set(client.explicit_auth_flows) - AUTH_FLOWS:
        raise InvalidParameterException(f"Unknown ExplicitAuthFlows: {', '.join(sorted(set(client.explicit_auth_flows) - AUTH_FLOWS))}.")
    if set(client.allowed_oauth_flows) - OAUTH_FLOWS:
        raise InvalidParameterException("AllowedOAuthFlows may hold only code, implicit and client_credentials.")
    if "client_credentials" in client.allowed_oauth_flows and not client.has_secret:
        raise InvalidParameterException("client_credentials needs a client with a secret.")
    for kind, urls in (("callback", client.callback_urls), ("logout", client.logout_urls)):
        for url in urls:
            _check_redirect_url(url, kind)
    if client.default_redirect_uri and client.default_redirect_uri not in client.callback_urls:
        raise InvalidParameterException("DefaultRedirectURI must be one of the callback URLs.")
    known = {entry["Name"] for entry in client.pool.schema}
    for attr in [*client.read_attributes, *client.write_attributes]:
        if attr not in known:
            raise InvalidParameterException(f"Invalid read/write attribute {attr!r}: not in the pool's schema.")
    from identity.errors import ScopeDoesNotExistException

    custom = {name for server in ResourceServer.objects.filter(pool=client.pool) for name in server.full_scope_names()}
    unknown = set(client.allowed_oauth_scopes) - STANDARD_SCOPES - custom
    if unknown:
        raise ScopeDoesNotExistException(f"Invalid scope requested: {', '.join(sorted(unknown))}")
    check_token_validity(client)


@transaction.atomic
def update_user_pool_client(*, client: UserPoolClient, context: RequestContext = SYSTEM, **fields: object) -> UserPoolClient:
    """Change an app client's settings (only those given). Cognito: UpdateUserPoolClient.

    Raises InvalidParameterException / ScopeDoesNotExistException and changes nothing then.
    """
    unknown = set(fields) - _CLIENT_FIELDS
    if unknown:
        raise InvalidParameterException(f"Unknown client settings: {', '.join(sorted(unknown))}.")
    updated = UserPoolClient.objects.select_for_update().get(pk=client.pk)
    for name, value in fields.items():
        setattr(updated, name, value)
    if "allowed_oauth_flows" in fields:
        updated.allowed_oauth_flows_user_pool_client = bool(updated.allowed_oauth_flows)
    check_client(updated)
    updated.save()
    localcache.forget(("client", updated.pool_id, updated.client_id))
    events.record("UpdateUserPoolClient", context=context, pool=updated.pool, details={"client_id": updated.client_id, "fields": sorted(fields)})
    return updated


# Cognito's bounds on token lifetimes.
VALIDITY_BOUNDS = {
    "AccessToken": (datetime.timedelta(minutes=5), datetime.timedelta(days=1)),
    "IdToken": (datetime.timedelta(minutes=5), datetime.timedelta(days=1)),
    "RefreshToken": (datetime.timedelta(hours=1), datetime.timedelta(days=3650)),
}


def check_token_validity(client: UserPoolClient) -> None:
    """Raise InvalidParameterException unless every lifetime is within Cognito's bounds."""
    from identity.models.pools import TOKEN_UNITS

    for token, (low, high) in VALIDITY_BOUNDS.items():
        if client.token_validity_units.get(token, "seconds") not in TOKEN_UNITS:
            raise InvalidParameterException(f"Invalid TokenValidityUnits for {token}.")
        if not low <= client.validity(token) <= high:
            raise InvalidParameterException(f"{token} validity must be between {low} and {high}.")
    if not 3 <= client.auth_session_validity <= 15:
        raise InvalidParameterException("AuthSessionValidity must be between 3 and 15 minutes.")


def _pool_default_validity(pool: UserPool) -> dict:
    return {
        "access_token_validity": pool.default_access_token_validity // 60,
        "id_token_validity": pool.default_id_token_validity // 60,
        "refresh_token_validity": max(pool.default_refresh_token_validity // 86400, 1),
    }


def _check_redirect_url(url: str, kind: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    # Cognito: https only, except http on localhost; custom schemes serve native apps.
    if not parts.scheme or parts.fragment or (parts.scheme == "http" and not local) or (parts.scheme in ("https", "http") and not parts.hostname):
        raise InvalidParameterException(f"Invalid {kind} URL {url!r}: https (or http on localhost), no fragment.")


@transaction.atomic
def rotate_client_secret(*, client: UserPoolClient, context: RequestContext = SYSTEM) -> str:
    """Give the client a new secret (returned once); the old one stops working at once."""
    secret = _set_secret(client)
    client.save(update_fields=["secret_digest", "secret_encrypted", "secret_created_at", "updated_at"])
    localcache.forget(("client", client.pool_id, client.client_id))
    events.client_secret_rotated(client=client, context=context)
    return secret


def check_client_secret(client: UserPoolClient, secret: str) -> bool:
    """Constant-time check of a presented client secret against the stored digest."""
    if not client.secret_digest or not secret:
        return False
    return crypto.digests_match(client.secret_digest, crypto.keyed_digest("client-secret", secret))


def client_secret(client: UserPoolClient) -> str:
    """The client's secret in plain text, for recomputing Cognito's SECRET_HASH only."""
    return crypto.decrypt(client.secret_encrypted)


def check_secret_hash(client: UserPoolClient, *, username: str, secret_hash: str | None) -> bool:
    """Cognito's SECRET_HASH rule: required and correct when the client has a secret, ignored otherwise."""
    if not client.has_secret:
        return True
    if not secret_hash:
        return False
    expected = crypto.secret_hash(client_secret=client_secret(client), username=username, client_id=client.client_id)
    return crypto.digests_match(expected, secret_hash)


@transaction.atomic
def create_resource_server(
    *, pool: UserPool, identifier: str, name: str, scopes: list[dict] | None = None, context: RequestContext = SYSTEM
) -> ResourceServer:
    """Create a resource server and its custom scopes. Cognito: CreateResourceServer."""
    if not identifier or len(identifier) > 256 or not name:
        raise InvalidParameterException("Identifier (1-256 characters) and Name are required.")
    if ResourceServer.objects.filter(pool=pool, identifier=identifier).exists():
        raise InvalidParameterException(f"Resource server {identifier} already exists in this pool.")
    cleaned = _clean_scopes(scopes)
    server = ResourceServer.objects.create(pool=pool, identifier=identifier, name=name, scopes=cleaned)
    localcache.forget(("custom-scopes", pool.id))
    events.resource_server_created(server=server, context=context)
    return server


def get_resource_server(*, pool: UserPool, identifier: str) -> ResourceServer:
    server = ResourceServer.objects.filter(pool=pool, identifier=identifier).first()
    if server is None:
        raise ResourceNotFoundException(f"Resource server {identifier} does not exist.")
    return server


_DOMAIN_RE = __import__("re").compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@transaction.atomic
def create_user_pool_domain(*, pool: UserPool, domain: str, context: RequestContext = SYSTEM):
    """Serve the pool's pages and endpoints on `domain` too. Cognito: CreateUserPoolDomain.

    Raises InvalidParameterException (malformed, or already taken by any pool).
    """
    from identity.models import UserPoolDomain

    domain = (domain or "").strip().lower().rstrip(".")
    if not _DOMAIN_RE.match(domain):
        raise InvalidParameterException(f"Invalid domain {domain!r}: a host name such as auth.example.com.")
    if UserPoolDomain.objects.filter(domain=domain).exists():
        raise InvalidParameterException(f"Domain {domain} is already in use.")
    created = UserPoolDomain.objects.create(pool=pool, domain=domain)
    events.pool_updated(pool=pool, context=context, details={"domain_added": domain})
    return created


def pool_for_host(host: str) -> str | None:
    """The id of the pool whose domain is `host` (port ignored), cached for a minute; None if none."""
    from django.core.cache import cache

    from identity.models import UserPoolDomain

    name = host.rsplit(":", 1)[0].lower().rstrip(".") if not host.startswith("[") else host
    key = f"pool-domain:{name}"
    found = cache.get(key)
    if found is None:
        found = UserPoolDomain.objects.filter(domain=name).values_list("pool_id", flat=True).first() or ""
        cache.set(key, found, 60)
    return found or None


_POOL_BOUNDS = {
    "password_minimum_length": (6, 99),
    "temporary_password_validity_days": (0, 365),
    "password_history_size": (0, 24),
    **lockout.SETTING_BOUNDS,
}
# Cognito's token-lifetime bounds, in seconds, for the defaults new clients get.
_DEFAULT_VALIDITY_BOUNDS = {
    "default_access_token_validity": (300, 86400),
    "default_id_token_validity": (300, 86400),
    "default_refresh_token_validity": (3600, 3650 * 86400),
}
_FIXED_AFTER_CREATION = {"id", "username_attributes", "alias_attributes", "case_sensitive", "schema", "created_at"}


@transaction.atomic
def update_user_pool(*, pool: UserPool, context: RequestContext = SYSTEM, **fields: object) -> UserPool:
    """Change a pool's settings (only those given). Cognito: UpdateUserPool.

    Sign-in identifiers, case sensitivity and the schema are fixed once a pool exists (as in
    Cognito; custom attributes are added with add_custom_attributes). Raises
    InvalidParameterException and changes nothing then.
    """
    fixed = set(fields) & _FIXED_AFTER_CREATION
    unknown = set(fields) - {f.name for f in UserPool._meta.get_fields() if f.concrete}
    if fixed or unknown:
        raise InvalidParameterException(f"These pool settings cannot be changed: {', '.join(sorted(fixed | unknown))}.")
    updated = UserPool.objects.select_for_update().get(pk=pool.pk)
    for name, value in fields.items():
        setattr(updated, name, value)
    for name, (low, high) in _POOL_BOUNDS.items():
        if not low <= getattr(updated, name) <= high:
            raise InvalidParameterException(f"{name} must be between {low} and {high}.")
    if set(updated.auto_verified_attributes) - {"email", "phone_number"}:
        raise InvalidParameterException("AutoVerifiedAttributes may hold only email and phone_number.")
    for template in ("verification", "reset", "invitation"):
        for medium in ("email_message", "sms_message"):
            if "{####}" not in getattr(updated, f"{template}_{medium}"):
                raise InvalidParameterException(f"The {template} {medium.replace('_', ' ')} must contain {{####}}.")
    if "{username}" not in updated.invitation_email_message:
        raise InvalidParameterException("The invitation email message must contain {username}.")
    for field, (low, high) in _DEFAULT_VALIDITY_BOUNDS.items():
        if not low <= getattr(updated, field) <= high:
            raise InvalidParameterException(f"{field} must be between {low} and {high} seconds.")
    if "email_from" in fields and updated.email_from:
        check_email_from(updated.email_from)
    _check_risk_settings(updated, set(fields))
    updated.save()
    localcache.forget_pool(updated.pk)
    events.pool_updated(pool=updated, context=context, details={"fields": sorted(fields)})
    return updated


def check_email_from(sender: str) -> None:
    """A pool's sender as Cognito's EmailConfiguration.From takes it: `ana@example.com` or `Ana <ana@example.com>`.

    Raises InvalidParameterException otherwise; a line break would be a header injection.
    """
    _name, address = email.utils.parseaddr(sender)
    if len(sender) > 254 or "\n" in sender or "\r" in sender or "@" not in address or address.startswith("@") or address.endswith("@"):
        raise InvalidParameterException(
            "The sender (EmailConfiguration.From) must be an email address, or a name with the address, such as Test User <testuser@example.com>."
        )


def _check_risk_settings(pool: UserPool, changed: set[str]) -> None:
    # The console edits what SetRiskConfiguration sets: the same checks, the same messages.
    from identity.services import risk_config

    for field in ("risk_blocked_ip_ranges", "risk_skipped_ip_ranges"):
        if field in changed:
            risk_config.check_ip_ranges(getattr(pool, field), path=field)
    if "risk_notify_configuration" in changed and pool.risk_notify_configuration:
        pool.risk_notify_configuration = risk_config.check_notify_configuration(pool.risk_notify_configuration)
    if any(name.startswith(("risk_", "compromised_credentials_")) for name in changed):
        pool.risk_configuration_modified_at = clock.now()  # DescribeRiskConfiguration's LastModifiedDate


@transaction.atomic
def delete_user_pool_client(*, client: UserPoolClient, context: RequestContext = SYSTEM) -> None:
    """Delete an app client; its tokens stop refreshing. Cognito: DeleteUserPoolClient."""
    events.record("DeleteUserPoolClient", context=context, pool=client.pool, details={"client_id": client.client_id})
    localcache.forget(("client", client.pool_id, client.client_id))
    client.delete()


def _clean_scopes(scopes: list[dict] | None) -> list[dict]:
    cleaned = []
    for scope in scopes or []:
        scope_name = str(scope.get("ScopeName", ""))
        if not scope_name or len(scope_name) > 256 or any(ch.isspace() or ch in '"\\' for ch in scope_name):
            raise InvalidParameterException(f"Invalid scope name {scope_name!r}.")
        cleaned.append({"ScopeName": scope_name, "ScopeDescription": str(scope.get("ScopeDescription", scope_name))})
    if len(cleaned) > 100:
        raise InvalidParameterException("A resource server has at most 100 scopes.")
    return cleaned


@transaction.atomic
def update_resource_server(*, server: ResourceServer, name: str, scopes: list[dict] | None, context: RequestContext = SYSTEM) -> ResourceServer:
    """Replace a resource server's name and scopes. Cognito: UpdateResourceServer."""
    if not name:
        raise InvalidParameterException("Name is required.")
    server.name, server.scopes = name, _clean_scopes(scopes)
    server.save(update_fields=["name", "scopes", "updated_at"])
    localcache.forget(("custom-scopes", server.pool_id))
    events.record("UpdateResourceServer", context=context, pool=server.pool, details={"identifier": server.identifier})
    return server


@transaction.atomic
def delete_resource_server(*, server: ResourceServer, context: RequestContext = SYSTEM) -> None:
    """Delete a resource server; clients keep no scope of it. Cognito: DeleteResourceServer."""
    names = set(server.full_scope_names())
    for client in UserPoolClient.objects.filter(pool=server.pool):
        kept = [scope for scope in client.allowed_oauth_scopes if scope not in names]
        if kept != client.allowed_oauth_scopes:
            client.allowed_oauth_scopes = kept
            client.save(update_fields=["allowed_oauth_scopes", "updated_at"])
            localcache.forget(("client", client.pool_id, client.client_id))
    events.record("DeleteResourceServer", context=context, pool=server.pool, details={"identifier": server.identifier})
    localcache.forget(("custom-scopes", server.pool_id))
    server.delete()


@transaction.atomic
def delete_user_pool_domain(*, pool: UserPool, domain: str, context: RequestContext = SYSTEM) -> None:
    """Stop serving the pool on `domain`. Raises InvalidParameterException when it is not this pool's. Cognito: DeleteUserPoolDomain."""
    from django.core.cache import cache

    from identity.models import UserPoolDomain

    name = (domain or "").strip().lower().rstrip(".")
    deleted, _ = UserPoolDomain.objects.filter(pool=pool, domain=name).delete()
    if not deleted:
        raise InvalidParameterException(f"Domain {name} is not a domain of this user pool.")
    cache.delete(f"pool-domain:{name}")
    events.pool_updated(pool=pool, context=context, details={"domain_removed": name})
