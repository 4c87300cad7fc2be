"""Console pages for pools, their app clients, resource servers and domains."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html, format_html_join

from identity import schema
from identity.admin import triggers
from identity.admin.base import ConsoleAdmin, Tool, no_store
from identity.admin.forms import (
    ClientChangeForm,
    ClientCreateForm,
    CustomAttributeForm,
    DomainCreateForm,
    PoolChangeForm,
    PoolCreateForm,
    ResourceServerChangeForm,
    ResourceServerCreateForm,
)
from identity.admin_site import admin_site
from identity.context import operator_context
from identity.errors import IdentityError
from identity.models import ResourceServer, SigningKey, UserPool, UserPoolClient, UserPoolDomain
from identity.services import keys, pools

FORM_PAGE = "admin/identity/form_page.html"
SECRET_PAGE = "admin/identity/secret_once.html"


def _listing(values) -> str:
    return ", ".join(values) or "—"


def sign_in_identifiers(pool: UserPool) -> str:
    if pool.username_attributes:
        text = " or ".join(pool.username_attributes) + " (instead of a username)"
    else:
        text = "username" + (f" or verified {', '.join(pool.alias_attributes)}" if pool.alias_attributes else "")
    return text + ("; case sensitive" if pool.case_sensitive else "")


class ClientInline(admin.TabularInline):
    model = UserPoolClient
    fields = ["name", "client_id", "allowed_oauth_flows", "created_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DomainInline(ClientInline):
    model = UserPoolDomain
    fields = ["domain", "created_at"]
    readonly_fields = fields
    show_change_link = False


@admin.register(UserPool, site=admin_site)
class UserPoolAdmin(ConsoleAdmin):
    list_display = ["name", "id", "identifiers", "mfa_configuration", "created_at"]
    list_filter = ["mfa_configuration"]
    search_fields = ["^name", "=id"]
    ordering = ["name", "id"]
    add_form = PoolCreateForm
    change_form = PoolChangeForm
    inlines = [ClientInline, DomainInline]
    actions = ["rotate_signing_keys"]
    add_fieldsets = [
        (None, {"fields": ["name"]}),
        ("Sign-in identifiers", {"fields": ["username_attributes", "alias_attributes", "case_sensitive", "auto_verified_attributes"]}),
        ("Attributes", {"fields": ["required_attributes"], "description": "Custom attributes can be added once the pool exists."}),
        ("Password policy", {"fields": [
            "password_minimum_length", "password_require_uppercase", "password_require_lowercase",
            "password_require_numbers", "password_require_symbols", "temporary_password_validity_days",
            "password_history_size",
        ]}),
        ("Sign-up and MFA", {"fields": ["allow_admin_create_user_only", "mfa_configuration"]}),
        ("Protection", {"fields": ["deletion_protection"]}),
    ]
    fieldsets = [
        (None, {"fields": ["id", "name", "issuer", "created_at", "updated_at"]}),
        ("Sign-in identifiers", {"fields": [
            "identifiers", "auto_verified_attributes", "attributes_require_verification_before_update",
        ], "description": "How users sign in is fixed when the pool is created."}),
        ("Attributes", {"fields": ["schema_table"]}),
        ("Password policy", {"fields": [
            "password_minimum_length", "password_require_uppercase", "password_require_lowercase",
            "password_require_numbers", "password_require_symbols", "temporary_password_validity_days",
            "password_history_size",
        ]}),
        ("Sign-up and MFA", {"fields": ["allow_admin_create_user_only", "mfa_configuration", "allowed_first_auth_factors"]}),
        ("Messages", {"classes": ["collapse"], "fields": [
            "email_from", "verification_email_subject", "verification_email_message", "verification_sms_message",
            "invitation_email_subject", "invitation_email_message", "invitation_sms_message",
            "reset_email_subject", "reset_email_message", "reset_sms_message",
        ]}),
        ("Token validity defaults (seconds)", {"fields": [
            "default_access_token_validity", "default_id_token_validity", "default_refresh_token_validity",
        ]}),
        ("Remembered devices", {"fields": [
            "device_tracking", "device_challenge_required_on_new_device", "device_only_remembered_on_user_prompt",
        ], "description": "Cognito's DeviceConfiguration: track devices, let remembered ones skip MFA, remember them only "
                          "when the user asks. See docs/devices.md."}),
        ("Protection", {"fields": ["deletion_protection"]}),
        ("Sign-in lockout", {"fields": [
            "lockout_threshold", "lockout_base_delay_seconds", "lockout_max_delay_seconds", "lockout_reset_seconds",
        ], "description": "Cognito's fixed values are the defaults: 5 failures, then 1 s doubling up to 900 s; "
                          "the count restarts after 900 quiet seconds. See docs/threat-protection.md."}),
        ("Threat protection", {"fields": [
            "threat_protection_mode", "compromised_credentials_action",
            ("compromised_credentials_check_sign_in", "compromised_credentials_check_sign_up", "compromised_credentials_check_password_change"),
            ("risk_low_action", "risk_low_notify"), ("risk_medium_action", "risk_medium_notify"),
            ("risk_high_action", "risk_high_notify"),
            "risk_blocked_ip_ranges", "risk_skipped_ip_ranges", "risk_notify_configuration",
        ], "description": "Breached passwords and risk-based sign-in (Cognito's AdvancedSecurityMode): AUDIT only records; "
                          "ENFORCED acts. The same settings as SetRiskConfiguration; IP ranges are JSON lists of CIDR ranges. "
                          "Each user's auth events are under Auth events. See docs/threat-protection.md."}),
        triggers.LAMBDA_CONFIG_FIELDSET,
    ]
    readonly_fields = ["id", "issuer", "identifiers", "schema_table", "created_at", "updated_at", "trigger_log"]

    @admin.display(description="Sign-in identifiers")
    def identifiers(self, pool: UserPool) -> str:
        return sign_in_identifiers(pool)

    @admin.display(description="Issuer")
    def issuer(self, pool: UserPool) -> str:
        return pools.issuer_for(pool)

    @admin.display(description="Triggers")
    def trigger_log(self, pool: UserPool) -> str:
        return triggers.trigger_log(pool)

    @admin.display(description="Schema")
    def schema_table(self, pool: UserPool) -> str:
        rows = format_html_join(
            "\n",
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((rule.name, rule.data_type, _yes(rule.required), _yes(rule.mutable), _constraints(rule))
             for rule in map(schema.AttributeRule.from_schema, pool.schema)),
        )
        return format_html(
            "<table><thead><tr><th>Attribute</th><th>Type</th><th>Required</th><th>Mutable</th>"
            "<th>Constraints</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def console_tools(self, request, obj):
        if not self.may_operate(request, obj):
            return []
        return [Tool("Add custom attribute", self.url("add_attribute", obj.pk)), Tool("Rotate webhook secret", self.url("rotate_trigger_secret", obj.pk))]

    def get_urls(self):
        view = self.admin_site.admin_view(self.add_attribute_view)
        rotate = self.admin_site.admin_view(lambda request, object_id: triggers.rotate_secret_view(self, request, object_id))
        return [
            path("<path:object_id>/attributes/add/", view, name="identity_userpool_add_attribute"),
            path("<path:object_id>/trigger-secret/", rotate, name="identity_userpool_rotate_trigger_secret"),
            *super().get_urls(),
        ]

    def add_attribute_view(self, request, object_id):
        pool = self.object_or_404(request, object_id)
        if not self.may_operate(request, pool):
            raise PermissionDenied
        form = CustomAttributeForm(request.POST or None, pool=pool, context=operator_context(request))
        if request.method == "POST" and form.is_valid():
            self.message_user(request, f"Added custom:{form.cleaned_data['name']} to the schema.", messages.SUCCESS)
            return HttpResponseRedirect(self.url("change", pool.pk))
        return self.render_page(
            request, FORM_PAGE, title="Add a custom attribute", obj=pool, form=form, submit_label="Add attribute",
            intro="Custom attributes cannot be removed or renamed later; Cognito allows at most 50.",
        )

    @admin.action(description="Rotate signing keys", permissions=["change"])
    def rotate_signing_keys(self, request, queryset):
        def rotate(pool, context):
            current = keys.rotate_keys(pool=pool, context=context)
            self.message_user(request, f"{pool}: now signing with {current.kid}; the previous key stays published until its tokens expire.")

        self.run_for_each(request, queryset, rotate, "Rotated signing keys")

    def deletion_summary(self, pool: UserPool) -> str:
        protection = " Deletion protection is ON: turn it off first." if pool.deletion_protection else ""
        return f"{pool}, with all its users, app clients, groups, keys and tokens.{protection}"

    def delete_via_service(self, request, pool: UserPool) -> None:
        pools.delete_user_pool(pool=pool, context=operator_context(request))


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _constraints(rule: schema.AttributeRule) -> str:
    parts = []
    if rule.min_length is not None or rule.max_length is not None:
        parts.append(f"length {rule.min_length or 0}–{rule.max_length if rule.max_length is not None else '∞'}")
    if rule.min_value is not None or rule.max_value is not None:
        parts.append(f"value {rule.min_value if rule.min_value is not None else '−∞'}–{rule.max_value if rule.max_value is not None else '∞'}")
    return "; ".join(parts)


@admin.register(UserPoolClient, site=admin_site)
class AppClientAdmin(ConsoleAdmin):
    list_display = ["name", "client_id", "pool", "confidential", "oauth_flows", "created_at"]
    list_select_related = ["pool"]
    list_filter = ["pool"]
    search_fields = ["^name", "=client_id"]
    add_form = ClientCreateForm
    change_form = ClientChangeForm
    add_fieldsets = [
        (None, {"fields": ["pool", "name", "generate_secret"]}),
        ("Authentication flows", {"fields": ["explicit_auth_flows", "prevent_user_existence_errors"]}),
        ("Hosted pages and OAuth", {"fields": ["allowed_oauth_flows", "allowed_oauth_scopes", "callback_urls", "logout_urls"]}),
        ("Attributes", {"fields": ["read_attributes", "write_attributes"]}),
        ("Tokens", {"fields": [
            "access_token_validity", "id_token_validity", "refresh_token_validity", "enable_token_revocation",
            "refresh_token_rotation",
        ]}),
    ]
    # The secret's digest and ciphertext are never shown, nor editable.
    fieldsets = [
        (None, {"fields": ["pool", "name", "client_id", "confidential", "secret_created_at", "created_at", "updated_at"]}),
        ("Authentication flows", {"fields": ["explicit_auth_flows", "prevent_user_existence_errors"]}),
        ("Hosted pages and OAuth", {"fields": [
            "allowed_oauth_flows", "allowed_oauth_scopes", "callback_urls", "logout_urls", "default_redirect_uri",
            "supported_identity_providers",
        ]}),
        ("Attributes", {"fields": ["read_attributes", "write_attributes"]}),
        ("Tokens", {"fields": [
            "access_token_validity", "id_token_validity", "refresh_token_validity", "token_validity_units",
            "auth_session_validity", "enable_token_revocation", "refresh_token_rotation",
        ]}),
    ]
    readonly_fields = [
        "pool", "client_id", "confidential", "secret_created_at", "created_at", "updated_at", "supported_identity_providers",
        "token_validity_units",
    ]

    @admin.display(description="Secret", boolean=True)
    def confidential(self, client: UserPoolClient) -> bool:
        return client.has_secret

    @admin.display(description="OAuth flows")
    def oauth_flows(self, client: UserPoolClient) -> str:
        return _listing(client.allowed_oauth_flows)

    def delete_via_service(self, request, client: UserPoolClient) -> None:
        pools.delete_user_pool_client(client=client, context=operator_context(request))

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "console_client_secret", None)
        if secret:
            return self.secret_page(request, obj, secret, title="App client created")
        return super().response_add(request, obj, post_url_continue)

    def save_model(self, request, obj, form, change):
        # The secret exists only in this request; response_add shows it once.
        request.console_client_secret = getattr(form, "secret", None)

    def secret_page(self, request, client: UserPoolClient, secret: str, *, title: str):
        return no_store(self.render_page(request, SECRET_PAGE, title=title, obj=client, client=client, secret=secret))

    def console_tools(self, request, obj):
        if not (obj.has_secret and self.may_operate(request, obj)):
            return []
        return [Tool("Rotate secret", self.url("rotate_secret", obj.pk))]

    def get_urls(self):
        view = self.admin_site.admin_view(self.rotate_secret_view)
        return [path("<path:object_id>/rotate-secret/", view, name="identity_userpoolclient_rotate_secret"), *super().get_urls()]

    def rotate_secret_view(self, request, object_id):
        client = self.object_or_404(request, object_id)
        if not self.may_operate(request, client):
            raise PermissionDenied
        if request.method != "POST":
            return self.render_page(
                request, FORM_PAGE, title="Rotate the client secret", obj=client, submit_label="Rotate secret",
                intro=f"{client.name} gets a new secret, shown once. The current secret stops working at once.",
            )
        try:
            secret = pools.rotate_client_secret(client=client, context=operator_context(request))
        except IdentityError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(self.url("change", client.pk))
        return self.secret_page(request, client, secret, title="New client secret")


@admin.register(ResourceServer, site=admin_site)
class ResourceServerAdmin(ConsoleAdmin):
    list_display = ["identifier", "name", "pool", "scope_names", "created_at"]
    list_select_related = ["pool"]
    list_filter = ["pool"]
    search_fields = ["^identifier", "^name"]
    add_form = ResourceServerCreateForm
    change_form = ResourceServerChangeForm
    add_fieldsets = [(None, {"fields": ["pool", "identifier", "name", "scope_lines"]})]
    fieldsets = [(None, {"fields": ["pool", "identifier", "name", "scope_lines", "scope_names", "created_at", "updated_at"]})]
    readonly_fields = ["pool", "identifier", "scope_names", "created_at", "updated_at"]

    @admin.display(description="Scopes in tokens")
    def scope_names(self, server: ResourceServer) -> str:
        return _listing(server.full_scope_names())

    def has_delete_permission(self, request, obj=None):
        return False  # no DeleteResourceServer service yet


@admin.register(UserPoolDomain, site=admin_site)
class DomainAdmin(ConsoleAdmin):
    list_display = ["domain", "pool", "created_at"]
    list_select_related = ["pool"]
    search_fields = ["^domain"]
    add_form = DomainCreateForm
    add_fieldsets = [(None, {"fields": ["pool", "domain"]})]
    fields = ["pool", "domain", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # no DeleteUserPoolDomain service yet


@admin.register(SigningKey, site=admin_site)
class SigningKeyAdmin(ConsoleAdmin):
    """Read-only: keys are made and rotated by identity.services.keys (the pools' action, or `rotate_keys`)."""

    list_display = ["kid", "pool", "state", "created_at", "activated_at", "unpublish_after"]
    list_filter = ["state", "pool"]
    list_select_related = ["pool"]
    search_fields = ["=kid"]
    # The private key's ciphertext is never shown.
    fields = ["kid", "pool", "state", "created_at", "activated_at", "unpublish_after"]

    def has_delete_permission(self, request, obj=None):
        return False
