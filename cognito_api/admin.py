"""API access keys in the console: listed with their scope and last use, created (secret shown once), revoked."""
from __future__ import annotations

from django import forms
from django.contrib import admin

from cognito_api.credentials import create_access_key, revoke_access_key
from cognito_api.models import ApiCredential
from identity.admin.base import ConsoleAdmin, no_store
from identity.admin.forms import ServiceModelForm
from identity.admin_site import admin_site
from identity.models import UserPool


class AccessKeyCreateForm(ServiceModelForm):
    pools = forms.ModelMultipleChoiceField(
        queryset=UserPool.objects.only("id", "name"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for a key that may manage every pool (and create pools).",
    )

    class Meta:
        model = ApiCredential
        fields = ["description"]

    operator = None  # set by the admin: the operator creating the key owns it

    def call_service(self, data: dict):
        credential, self.secret = create_access_key(
            operator=self.operator, pool_ids=[pool.id for pool in data["pools"]], description=data["description"], context=self.context,
        )
        return credential


@admin.register(ApiCredential, site=admin_site)
class ApiCredentialAdmin(ConsoleAdmin):
    add_form = AccessKeyCreateForm
    add_fieldsets = [(None, {"fields": ["description", "pools"],
                             "description": "A key for signing API calls (boto3, the AWS CLI). Its secret is shown once, next."})]
    list_display = ["access_key_id", "operator", "description", "scope", "active", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["active"]
    search_fields = ["access_key_id", "description", "operator__username"]
    list_select_related = ["operator"]
    fields = ["access_key_id", "operator", "description", "scope", "active", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pools")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.operator = request.user
        return form

    @admin.display(description="scope")
    def scope(self, credential: ApiCredential) -> str:
        return "every pool" if credential.all_pools else ", ".join(p.id for p in credential.pools.all()) or "no pool"

    def response_add(self, request, obj, post_url_continue=None):
        # The secret exists only in this request.
        secret = request.console_access_key_secret
        page = self.render_page(request, "admin/cognito_api/access_key_once.html", title="Access key created", obj=obj,
                                secret=secret, scope=self.scope(obj))
        return no_store(page)

    def save_form(self, request, form, change):
        request.console_access_key_secret = getattr(form, "secret", None)
        return super().save_form(request, form, change)

    @admin.action(description="Revoke selected access keys")
    def revoke(self, request, queryset):
        self.run_for_each(request, queryset, lambda key, context: revoke_access_key(access_key_id=key.access_key_id, context=context),
                          "Revoked")

    def has_delete_permission(self, request, obj=None):
        return False  # revoked keys stay listed, so the audit trail's actors stay explained
