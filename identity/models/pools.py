"""User pools, their app clients, groups and resource servers."""
from __future__ import annotations

import datetime

from authlib.oauth2.rfc6749 import ClientMixin
from django.db import models

from identity.schema import default_schema

TOKEN_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _default_units() -> dict:
    return {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}


def _cognito_only() -> list:
    return ["COGNITO"]


def _verify_before_update() -> list:
    return ["email", "phone_number"]


def _password_only() -> list:
    return ["PASSWORD"]


class UserPool(models.Model):
    """A directory of users with its own settings, as Cognito's user pool."""

    class MfaConfiguration(models.TextChoices):
        OFF = "OFF"
        OPTIONAL = "OPTIONAL"
        ON = "ON"

    class ThreatProtectionMode(models.TextChoices):
        OFF = "OFF"
        AUDIT = "AUDIT"
        ENFORCED = "ENFORCED"

    class CompromisedCredentialsAction(models.TextChoices):
        BLOCK = "BLOCK"
        NOTIFY = "NOTIFY", "allow and notify the user"
        NO_ACTION = "NO_ACTION", "allow (recorded only)"

    class RiskAction(models.TextChoices):
        NO_ACTION = "NO_ACTION", "allow"
        MFA_IF_CONFIGURED = "MFA_IF_CONFIGURED", "MFA if the user has a factor"
        MFA_REQUIRED = "MFA_REQUIRED", "require MFA (block without a factor)"
        BLOCK = "BLOCK", "block"

    id = models.CharField(primary_key=True, max_length=55)
    name = models.CharField(max_length=128)
    # Sign-in identifiers: either username_attributes (email/phone *instead of* a
    # username) or alias_attributes (a username plus verified aliases).
    username_attributes = models.JSONField(default=list, blank=True)
    alias_attributes = models.JSONField(default=list, blank=True)
    case_sensitive = models.BooleanField(default=False)
    schema = models.JSONField(default=default_schema)
    auto_verified_attributes = models.JSONField(default=list, blank=True)
    attributes_require_verification_before_update = models.JSONField(default=_verify_before_update, blank=True)

    password_minimum_length = models.PositiveSmallIntegerField(default=8)
    password_require_uppercase = models.BooleanField(default=True)
    password_require_lowercase = models.BooleanField(default=True)
    password_require_numbers = models.BooleanField(default=True)
    password_require_symbols = models.BooleanField(default=True)
    temporary_password_validity_days = models.PositiveSmallIntegerField(default=7)
    password_history_size = models.PositiveSmallIntegerField(default=0)

    allow_admin_create_user_only = models.BooleanField(default=False)
    mfa_configuration = models.CharField(max_length=8, choices=MfaConfiguration.choices, default=MfaConfiguration.OFF)
    # Which factors MFA may use, and their messages (SetUserPoolMfaConfig; enforced at sign-in by the MFA issue).
    mfa_software_token_enabled = models.BooleanField(default=False)
    mfa_sms_enabled = models.BooleanField(default=False)
    mfa_sms_message = models.CharField(max_length=140, default="Your authentication code is {####}. ")
    sms_configuration = models.JSONField(default=dict, blank=True, help_text="Cognito's SmsConfiguration, kept as given.")
    mfa_email_enabled = models.BooleanField(default=False)
    mfa_email_subject = models.CharField(max_length=140, default="Your authentication code")
    mfa_email_message = models.TextField(default="Your authentication code is {####}.")
    webauthn_relying_party_id = models.CharField(max_length=127, blank=True, help_text="Empty: the pool's domain.")
    webauthn_user_verification = models.CharField(max_length=9, default="preferred")
    webauthn_factor_configuration = models.CharField(max_length=40, default="SINGLE_FACTOR")
    # Policies.SignInPolicy.AllowedFirstAuthFactors: what USER_AUTH may start with (identity/services/passwordless.py).
    allowed_first_auth_factors = models.JSONField(default=_password_only, blank=True)

    verification_email_subject = models.CharField(max_length=140, default="Your verification code")
    verification_email_message = models.TextField(default="Your verification code is {####}.")
    verification_sms_message = models.CharField(max_length=140, default="Your verification code is {####}.")
    invitation_email_subject = models.CharField(max_length=140, default="Your temporary password")
    invitation_email_message = models.TextField(default="Your username is {username} and temporary password is {####}.")
    invitation_sms_message = models.CharField(max_length=140, default="Your username is {username} and temporary password is {####}.")
    reset_email_subject = models.CharField(max_length=140, default="Your password reset code")
    reset_email_message = models.TextField(default="Your password reset code is {####}.")
    reset_sms_message = models.CharField(max_length=140, default="Your password reset code is {####}.")
    email_from = models.CharField(max_length=254, blank=True, help_text="Sender address; the site default when empty.")

    # Defaults for new app clients, in seconds.
    default_access_token_validity = models.PositiveIntegerField(default=3600)
    default_id_token_validity = models.PositiveIntegerField(default=3600)
    default_refresh_token_validity = models.PositiveIntegerField(default=30 * 86400)

    deletion_protection = models.BooleanField(default=False)

    # Failed-sign-in lockout (identity/services/lockout.py); Cognito's fixed values are the defaults.
    lockout_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Failed sign-ins before the first lock; 0 turns lockout off."
    )
    lockout_base_delay_seconds = models.PositiveIntegerField(
        default=1, help_text="First lock, in seconds; each further failure doubles it."
    )
    lockout_max_delay_seconds = models.PositiveIntegerField(default=900, help_text="Longest lock, in seconds.")
    lockout_reset_seconds = models.PositiveIntegerField(
        default=900, help_text="Quiet seconds after which the failure count starts again."
    )
    # Threat protection (identity/services/risk.py, breached.py); Cognito's AdvancedSecurityMode and
    # risk configuration, kept as fields so the console and the API edit one thing.
    threat_protection_mode = models.CharField(
        max_length=8, choices=ThreatProtectionMode.choices, default=ThreatProtectionMode.OFF,
        help_text="AUDIT scores and records sign-ins but never acts; ENFORCED applies the actions below.",
    )
    compromised_credentials_action = models.CharField(
        max_length=9, choices=CompromisedCredentialsAction.choices, default=CompromisedCredentialsAction.BLOCK,
        help_text="For a password found in the breached-password list.",
    )
    compromised_credentials_check_sign_in = models.BooleanField(
        default=False, help_text="Also check passwords at sign-in (password flows only: SRP never shows the password).",
    )
    # CompromisedCredentialsRiskConfiguration.EventFilter is these three switches: SIGN_IN, SIGN_UP, PASSWORD_CHANGE.
    compromised_credentials_check_sign_up = models.BooleanField(default=True, help_text="Check the password chosen at sign-up.")
    compromised_credentials_check_password_change = models.BooleanField(
        default=True, help_text="Check a new password (change, reset, set by an operator).",
    )
    risk_low_action = models.CharField(max_length=17, choices=RiskAction.choices, default=RiskAction.NO_ACTION)
    risk_medium_action = models.CharField(max_length=17, choices=RiskAction.choices, default=RiskAction.MFA_IF_CONFIGURED)
    risk_high_action = models.CharField(max_length=17, choices=RiskAction.choices, default=RiskAction.MFA_REQUIRED)
    risk_low_notify = models.BooleanField(default=False, help_text="Email the user about a low-risk sign-in.")
    risk_medium_notify = models.BooleanField(default=True, help_text="Email the user about a medium-risk sign-in.")
    risk_high_notify = models.BooleanField(default=True, help_text="Email the user about a high-risk sign-in.")
    # AccountTakeoverRiskConfiguration.NotifyConfiguration as identity.services.risk_config checked it:
    # From, ReplyTo, SourceArn (kept, unused: mail goes through Django's backend), Block/NoAction/MfaEmail templates.
    risk_notify_configuration = models.JSONField(default=dict, blank=True)
    # RiskExceptionConfiguration: CIDR ranges always refused at sign-in / never risk-scored (ENFORCED only).
    risk_blocked_ip_ranges = models.JSONField(default=list, blank=True, help_text="CIDR ranges refused at sign-in.")
    risk_skipped_ip_ranges = models.JSONField(default=list, blank=True, help_text="CIDR ranges whose sign-ins are not risk-scored.")
    risk_configuration_modified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Cognito's DeviceConfiguration (identity/services/devices.py): present when device_tracking is on.
    device_tracking = models.BooleanField(
        default=False, help_text="Track users' devices (NewDeviceMetadata at sign-in, ConfirmDevice, device SRP).",
    )
    device_challenge_required_on_new_device = models.BooleanField(
        default=False, help_text="ChallengeRequiredOnNewDevice: a remembered device signs in without MFA; other devices are asked.",
    )
    device_only_remembered_on_user_prompt = models.BooleanField(
        default=False, help_text="DeviceOnlyRememberedOnUserPrompt: a confirmed device is remembered only when the user says so.",
    )
    # Cognito's LambdaConfig, as identity.services.triggers_config validated it: each trigger's
    # target is "python:package.module.function" or an http(s):// webhook, where Cognito has ARNs.
    lambda_config = models.JSONField(default=dict, blank=True)
    # Signs webhook deliveries (HMAC-SHA256); encrypted like client secrets, since it must be used, not only checked.
    trigger_secret_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def uses_username_attributes(self) -> bool:
        return bool(self.username_attributes)


class UserPoolClient(ClientMixin, models.Model):
    """An app client of a pool: what an application may do and where it may send users."""

    class PreventUserExistenceErrors(models.TextChoices):
        ENABLED = "ENABLED"
        LEGACY = "LEGACY"

    client_id = models.CharField(primary_key=True, max_length=128)
    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=128)
    # The secret is shown once. Its keyed digest authenticates the client in constant
    # time; an encrypted copy exists only because Cognito's SECRET_HASH is an HMAC
    # keyed by the secret itself, which the server must recompute.
    secret_digest = models.CharField(max_length=64, blank=True)
    secret_encrypted = models.TextField(blank=True)
    secret_created_at = models.DateTimeField(null=True, blank=True)

    explicit_auth_flows = models.JSONField(default=list, blank=True)
    allowed_oauth_flows = models.JSONField(default=list, blank=True)
    allowed_oauth_scopes = models.JSONField(default=list, blank=True)
    allowed_oauth_flows_user_pool_client = models.BooleanField(default=False)
    callback_urls = models.JSONField(default=list, blank=True)
    logout_urls = models.JSONField(default=list, blank=True)
    default_redirect_uri = models.CharField(max_length=1024, blank=True)
    supported_identity_providers = models.JSONField(default=_cognito_only, blank=True)
    read_attributes = models.JSONField(default=list, blank=True, help_text="Empty means every attribute.")
    write_attributes = models.JSONField(default=list, blank=True, help_text="Empty means every mutable attribute.")

    access_token_validity = models.PositiveIntegerField(default=60)
    id_token_validity = models.PositiveIntegerField(default=60)
    refresh_token_validity = models.PositiveIntegerField(default=30)
    token_validity_units = models.JSONField(default=_default_units)
    auth_session_validity = models.PositiveSmallIntegerField(default=3, help_text="Minutes (3-15).")

    prevent_user_existence_errors = models.CharField(
        max_length=8, choices=PreventUserExistenceErrors.choices, default=PreventUserExistenceErrors.ENABLED
    )
    enable_token_revocation = models.BooleanField(default=True)
    refresh_token_rotation = models.BooleanField(default=True)
    enable_propagate_additional_user_context_data = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pool_id", "name"]
        verbose_name = "app client"

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_digest)

    @property
    def hides_user_existence(self) -> bool:
        return self.prevent_user_existence_errors == self.PreventUserExistenceErrors.ENABLED

    # Authlib's ClientMixin: how the OAuth server asks about this client (oidc/server.py).
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        if self.default_redirect_uri:
            return self.default_redirect_uri
        return self.callback_urls[0] if len(self.callback_urls) == 1 else None

    def get_allowed_scope(self, scope: str) -> str:
        # No scope asked for: every scope the client is allowed, as Cognito grants.
        if not (scope or "").split():
            return " ".join(self.allowed_oauth_scopes)
        allowed = set(self.allowed_oauth_scopes)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match, as Cognito and RFC 9700 §4.1.3 require: no prefixes, no wildcards.
        return redirect_uri in self.callback_urls

    def check_client_secret(self, client_secret: str) -> bool:
        from identity.services.pools import check_client_secret

        return check_client_secret(self, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.has_secret:
            return method in ("client_secret_basic", "client_secret_post")
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        flow = {"code": "code", "token": "implicit"}.get(response_type)
        return self.allowed_oauth_flows_user_pool_client and flow in self.allowed_oauth_flows

    def check_grant_type(self, grant_type: str) -> bool:
        if not self.allowed_oauth_flows_user_pool_client:
            return False
        if grant_type == "refresh_token":
            return bool({"code", "implicit"} & set(self.allowed_oauth_flows))
        flow = {"authorization_code": "code", "client_credentials": "client_credentials"}.get(grant_type)
        return flow in self.allowed_oauth_flows

    def validity(self, token: str) -> datetime.timedelta:
        """Lifetime of "AccessToken", "IdToken" or "RefreshToken" under this client's units."""
        value = {"AccessToken": self.access_token_validity, "IdToken": self.id_token_validity, "RefreshToken": self.refresh_token_validity}[token]
        return datetime.timedelta(seconds=value * TOKEN_UNITS[self.token_validity_units.get(token, "seconds")])


class Group(models.Model):
    """A named set of users; precedence and role feed the tokens' group claims."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=128)
    description = models.CharField(max_length=2048, blank=True)
    precedence = models.PositiveIntegerField(null=True, blank=True)
    role_arn = models.CharField(max_length=2048, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pool_id", "name"]
        constraints = [models.UniqueConstraint(fields=["pool", "name"], name="group_name_unique_in_pool")]

    def __str__(self) -> str:
        return self.name


class ResourceServer(models.Model):
    """An API protected by the pool's tokens, with its custom scopes (`identifier/scope`)."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="resource_servers")
    identifier = models.CharField(max_length=256)
    name = models.CharField(max_length=256)
    scopes = models.JSONField(default=list, blank=True, help_text='[{"ScopeName": ..., "ScopeDescription": ...}]')
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pool_id", "identifier"]
        constraints = [models.UniqueConstraint(fields=["pool", "identifier"], name="resource_server_unique_in_pool")]

    def __str__(self) -> str:
        return self.identifier

    def full_scope_names(self) -> list[str]:
        return [f"{self.identifier}/{scope['ScopeName']}" for scope in self.scopes]


class UserPoolDomain(models.Model):
    """A host name that serves one pool's hosted pages and OAuth endpoints without the /<pool_id> prefix."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True, help_text="auth.example.com: lower case, no scheme or port")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = "domain"

    def __str__(self) -> str:
        return self.domain
