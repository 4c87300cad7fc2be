"""Branding in the console: a pool's or an app client's UICustomization, with a live preview of the sign-in page.

The form's save is hostedui.branding.set_ui_customization. The preview takes the form as typed
(files included), checks it with the same rules without saving, and shows the real sign-in
template in a frame: a staff-only page that allows framing by the console alone, so the public
pages keep refusing every frame.
"""
from __future__ import annotations

import secrets

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin

from hostedui import branding, branding_views, contrast, images
from hostedui.forms import SignInForm
from hostedui.models import DARK_COLOUR_FIELDS, IMAGE_FIELDS, LIGHT_COLOUR_FIELDS, TEXT_FIELDS, UICustomization
from identity.admin.base import ConsoleAdmin
from identity.admin.forms import ServiceModelForm
from identity.admin_site import admin_site
from identity.context import operator_context
from identity.errors import IdentityError
from identity.models import UserPoolClient

PREVIEW_SECONDS = 600
PREVIEW_TEMPLATE = "hostedui/login.html"
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
PREVIEW_ASSETS = {"branding-css": "css", "branding-logo": "logo", "branding-favicon": "favicon", "branding-background": "background_image"}


class UICustomizationForm(ServiceModelForm):
    """Text settings as the model has them, images as uploads with a "remove" box each."""

    logo_file = forms.FileField(label="Logo", required=False, help_text="PNG, JPEG, GIF, WebP or SVG, at most 100 KB.")
    clear_logo = forms.BooleanField(label="Remove the logo", required=False)
    favicon_file = forms.FileField(label="Favicon", required=False, help_text="ICO, PNG or SVG, at most 100 KB.")
    clear_favicon = forms.BooleanField(label="Remove the favicon", required=False)
    background_image_file = forms.FileField(
        label="Background image", required=False, help_text="PNG, JPEG or WebP, at most 512 KB."
    )
    clear_background_image = forms.BooleanField(label="Remove the background image", required=False)
    dropped: tuple[str, ...] = ()

    class Meta:
        model = UICustomization
        fields = ["pool", "client", *TEXT_FIELDS]
        widgets = {
            **{name: forms.TextInput(attrs={"size": 8, "placeholder": "#rrggbb", "data-colour": ""})
               for name in (*LIGHT_COLOUR_FIELDS, *DARK_COLOUR_FIELDS)},
            "custom_css": forms.Textarea(attrs={"rows": 12, "cols": 80, "spellcheck": "false", "class": "vLargeTextField"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "client" in self.fields:
            self.fields["client"].queryset = UserPoolClient.objects.select_related("pool").order_by("pool__name", "name")
            self.fields["client"].label_from_instance = lambda client: f"{client.name} ({client.pool.name})"

    def scope(self, data: dict):
        """(pool, client) the form edits: its own row's, or the chosen ones when adding."""
        if self.instance.pk:
            return self.instance.pool, self.instance.client
        return data.get("pool"), data.get("client")

    def service_arguments(self, data: dict) -> dict:
        images_in = {}
        for field in IMAGE_FIELDS:
            upload = data.get(f"{field}_file")
            if upload:
                images_in[field] = upload.read(images.RULES[field].max_bytes + 1)
        return {
            "settings": {field: data.get(field) or "" for field in TEXT_FIELDS if field in self.fields},
            "images_in": images_in,
            "clear": [field for field in IMAGE_FIELDS if data.get(f"clear_{field}") and field not in images_in],
        }

    def call_service(self, data: dict) -> UICustomization:
        pool, client = self.scope(data)
        row, self.dropped = branding.set_ui_customization(
            pool=pool, client=client, context=self.context, **self.service_arguments(data)
        )
        return row


IMAGE_FORM_FIELDS = [name for field in IMAGE_FIELDS for name in (f"{field}_file", f"clear_{field}")]
SHARED_FIELDSETS = [
    ("Look", {"fields": ["mode", "border_radius", "font_family"]}),
    ("Colours (light)", {"fields": list(LIGHT_COLOUR_FIELDS), "description": "Empty fields inherit the pool's, then the default palette."}),
    ("Colours (dark)", {"fields": list(DARK_COLOUR_FIELDS)}),
    ("Images", {"fields": ["logo_alt", "images", *IMAGE_FORM_FIELDS]}),
    ("Custom CSS", {"fields": ["custom_css"], "description": (
        "Plain selectors and an allow-list of properties; url() may only name branding/logo or branding/background. "
        "Anything else is dropped when saved, and listed."
    )}),
]


@admin.register(UICustomization, site=admin_site)
class UICustomizationAdmin(ConsoleAdmin):
    list_display = ["pool", "scope", "mode", "updated_at"]
    list_select_related = ["pool", "client"]
    list_filter = ["pool"]
    search_fields = ["^pool__name", "=pool__id", "^client__name", "=client__client_id"]
    add_form = UICustomizationForm
    change_form = UICustomizationForm
    add_fieldsets = [(None, {"fields": ["pool", "client"], "description": "No client: every client of the pool."}), *SHARED_FIELDSETS]
    fieldsets = [(None, {"fields": ["pool", "client", "updated_at"]}), *SHARED_FIELDSETS]
    readonly_fields = ["pool", "client", "updated_at", "images"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["images"]

    @admin.display(description="Client")
    def scope(self, row: UICustomization) -> str:
        return row.client.name if row.client_id else "all clients"

    @admin.display(description="Stored images")
    def images(self, row: UICustomization) -> str:
        stored = [f"{field.replace('_', ' ')} ({getattr(row, f'{field}_type')})" for field in IMAGE_FIELDS if row.has_image(field)]
        return ", ".join(stored) or "none"

    def save_model(self, request, obj, form, change):
        if form.dropped:
            self.message_user(request, "Dropped from the custom CSS: " + "; ".join(form.dropped), messages.WARNING)
        # Saved anyway (the operator decides), but told: the pages are meant to stay readable (WCAG AA).
        for problem in contrast.contrast_problems(branding.load_layers(obj.pool, obj.client)):
            self.message_user(request, "Low contrast: " + problem + ".", messages.WARNING)

    def delete_via_service(self, request, obj) -> None:
        branding.delete_ui_customization(customization=obj, context=operator_context(request))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["preview_url"] = self.url("preview", obj.pk) if obj is not None else self.url("preview_new")
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # The live preview

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = "hostedui_uicustomization_"
        return [
            path("preview/", wrap(self.draft_view), name=name + "preview_new"),
            path("preview/<str:token>/", wrap(self.preview_page_view), name=name + "preview_page"),
            path("preview/<str:token>/<str:asset>", wrap(self.preview_asset_view), name=name + "preview_asset"),
            path("<path:object_id>/preview/", wrap(self.draft_view), name=name + "preview"),
            *super().get_urls(),
        ]

    def draft_view(self, request, object_id=None):
        """POST the form as typed: JSON with the preview page's URL, what the CSS would lose, or the error."""
        if request.method != "POST":
            return HttpResponse(status=405)
        row = self.object_or_404(request, object_id) if object_id else None
        if not (self.has_change_permission(request, row) if row else self.has_add_permission(request)):
            raise PermissionDenied
        # The form the page shows, read field by field: validating it whole would save it.
        form = self.get_form(request, row, change=row is not None)(request.POST, request.FILES, instance=row)
        data = _draft_fields(form)
        if isinstance(data, str):
            return JsonResponse({"error": data}, status=400)
        pool, client = form.scope(data)
        try:
            checked = branding.check_ui_customization(**form.service_arguments(data))
        except IdentityError as exc:
            return JsonResponse({"error": exc.message}, status=400)
        token = secrets.token_hex(16)
        cache.set(_draft_key(token), {
            "operator": request.user.pk, "pool_id": pool.pk, "client_id": client.pk if client else None,
            "row_id": row.pk if row else None, "checked": checked,
        }, PREVIEW_SECONDS)
        return JsonResponse({"url": _preview_url("preview_page", token), "dropped": list(checked.dropped)})

    def draft_layers(self, request, token: str) -> tuple[branding.Layers, object, object]:
        draft = cache.get(_draft_key(token))
        if draft is None or draft["operator"] != request.user.pk:
            raise Http404("This preview has expired.")
        saved = UICustomization.objects.filter(pk=draft["row_id"]).first() if draft["row_id"] else None
        row = saved or UICustomization(pool_id=draft["pool_id"], client_id=draft["client_id"])
        branding.apply_checked(row, draft["checked"])
        row.updated_at = timezone.now()
        pool, client = row.pool, row.client
        pool_row = UICustomization.objects.filter(pool=pool, client__isnull=True).first() if client else None
        return branding.Layers(pool_row, row), pool, client

    @xframe_options_sameorigin
    def preview_page_view(self, request, token: str):
        layers, pool, client = self.draft_layers(request, token)
        urls = _preview_urls(token)
        page = {
            "pool": pool, "client": client,
            "branding": branding.branding_from(layers, urls=urls, pool_name=pool.name),
            "form": SignInForm(pool=pool), "links": {"forgot_password": "#", "signup": "#"},
            "signup_allowed": not pool.allow_admin_create_user_only, "languages": [],
        }
        response = TemplateResponse(request, PREVIEW_TEMPLATE, page)
        response["Content-Security-Policy"] = PREVIEW_POLICY
        response["Cache-Control"] = "no-store"
        return response

    def preview_asset_view(self, request, token: str, asset: str):
        layers, _, _ = self.draft_layers(request, token)
        if asset == "css":
            text = branding.stylesheet(layers, urls=_preview_urls(token)) if layers.styled else ""
            response = HttpResponse(text, content_type="text/css; charset=utf-8")
        elif asset in IMAGE_FIELDS and layers.image_row(asset) is not None:
            row = layers.image_row(asset)
            response = branding_views.image_response(bytes(getattr(row, asset)), getattr(row, f"{asset}_type"), name=asset)
        else:
            raise Http404("No such preview asset.")
        response["Cache-Control"] = "no-store"
        return response


def _draft_key(token: str) -> str:
    return f"hostedui:branding-preview:{token}"


def _preview_url(name: str, *args) -> str:
    return reverse(f"{admin_site.name}:hostedui_uicustomization_{name}", args=args)


def _preview_urls(token: str):
    def url(name: str, version: str) -> str:
        return _preview_url("preview_asset", token, PREVIEW_ASSETS[name]) + f"?v={version}"

    return url


def _draft_fields(form: UICustomizationForm) -> dict | str:
    """The form's fields cleaned one by one (the service is not called), or the first error."""
    data = {}
    for name, field in form.fields.items():
        bound = form[name]
        try:
            value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
            data[name] = field.clean(value) if not isinstance(field, forms.FileField) else field.clean(value, None)
        except forms.ValidationError as exc:
            return f"{bound.label}: {' '.join(exc.messages)}"
    return data

