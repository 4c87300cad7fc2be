"""Triggers in the console: the pool form's LambdaConfig group, the signing secret, the invocation log (read-only)."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from identity.admin.base import PoolNameChangeList, no_store
from identity.admin_site import admin_site
from identity.context import operator_context
from identity.errors import IdentityError
from identity.models import TriggerInvocation, UserPool
from identity.services import triggers_config

FORM_PAGE = "admin/identity/form_page.html"
SECRET_PAGE = "admin/identity/trigger_secret_once.html"

LAMBDA_CONFIG_FIELDSET = ("Triggers (LambdaConfig)", {
    "classes": ["collapse"],
    "fields": ["lambda_config", "trigger_log"],
    "description": (
        'Cognito\'s LambdaConfig as JSON, e.g. {"PreSignUp": "python:myapp.triggers.pre_sign_up", '
        '"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": "https://hooks.example.com/token"}}. '
        "A target is python:package.module.function or an http(s):// webhook; custom senders need KMSKeyID, "
        "an RSA public key in PEM. See docs/triggers.md."
    ),
})


class LambdaConfigField(forms.JSONField):
    """The pool's LambdaConfig as JSON text; text already prepared is left as it is."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "LambdaConfig")
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6, "cols": 90}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value if isinstance(value, str) else super().prepare_value(value)


def trigger_log(pool: UserPool) -> str:
    url = reverse(f"{admin_site.name}:identity_triggerinvocation_changelist") + f"?pool__id__exact={pool.pk}"
    secret = "set" if pool.trigger_secret_encrypted else "none yet (made with the first webhook)"
    return format_html('<a href="{}">Invocation log</a> · webhook signing secret: {}', url, secret)


def rotate_secret_view(model_admin, request, object_id):
    """Console page: a new webhook signing secret for the pool, shown once."""
    pool = model_admin.object_or_404(request, object_id)
    if not model_admin.may_operate(request, pool):
        raise PermissionDenied
    if request.method != "POST":
        return model_admin.render_page(
            request, FORM_PAGE, title="Rotate the webhook signing secret", obj=pool, submit_label="Rotate secret",
            intro="Webhooks are signed with a new secret, shown once; receivers must switch to it at once.",
        )
    try:
        secret = triggers_config.rotate_trigger_secret(pool=pool, context=operator_context(request))
    except IdentityError as exc:
        model_admin.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(model_admin.url("change", pool.pk))
    return no_store(model_admin.render_page(request, SECRET_PAGE, title="Webhook signing secret", obj=pool, secret=secret))


@admin.register(TriggerInvocation, site=admin_site)
class TriggerInvocationAdmin(admin.ModelAdmin):
    """Written by identity.triggers only; it holds no event, so nothing secret."""

    list_display = ["created_at", "trigger_source", "pool", "target_kind", "outcome", "duration_ms", "attempts", "error_message"]
    list_filter = ["outcome", "trigger", "pool"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = ["created_at", "pool", "trigger", "trigger_source", "target_kind", "target", "attempts", "duration_ms", "outcome", "error_message"]
    readonly_fields = fields

    def get_changelist(self, request, **kwargs):
        return PoolNameChangeList

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
