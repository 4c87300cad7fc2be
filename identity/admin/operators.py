"""Operators in the console: their accounts, and enrolling their own TOTP authenticator."""
from __future__ import annotations

import base64
import io

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as OperatorGroupAdmin
from django.contrib.auth.admin import UserAdmin as OperatorAdmin
from django.contrib.auth.models import Group as OperatorGroup
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from identity.admin.forms import TokenForm
from identity.admin_site import admin_site

admin_site.register(get_user_model(), OperatorAdmin)
admin_site.register(OperatorGroup, OperatorGroupAdmin)


def qr_code_data_uri(text: str) -> str:
    """An inline SVG QR code, so the key never has a URL of its own."""
    buffer = io.BytesIO()
    write_qrcode_image(text, buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@admin.register(TOTPDevice, site=admin_site)
class OperatorTOTPDeviceAdmin(TOTPDeviceAdmin):
    """An operator adds a device for themselves; it stays unconfirmed, showing its QR code, until a code
    from the app confirms it. A confirmed device's key is never shown again, to anyone."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    raw_id_fields = []

    def get_list_display(self, request):
        return self.list_display

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["name"], "description": "Name the authenticator; its QR code comes next."})]
        return [
            (None, {"fields": ["user", "name", "confirmed", "created_at", "last_used_at"]}),
            ("Throttling", {"fields": ["throttling_failure_timestamp", "throttling_failure_count"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "confirmed", "created_at", "last_used_at", "throttling_failure_timestamp", "throttling_failure_count"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.user, obj.confirmed = request.user, False
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:otp_totp_totpdevice_enrol", args=[obj.pk]))

    def get_urls(self):
        # Not django-otp's config/qrcode views: they show any device's key to any operator.
        enrol = path("<int:pk>/enrol/", self.admin_site.admin_view(self.enrol_view), name="otp_totp_totpdevice_enrol")
        return [enrol, *admin.ModelAdmin.get_urls(self)]

    def enrol_view(self, request, pk):
        device = TOTPDevice.objects.filter(pk=pk, user=request.user, confirmed=False).first()
        if device is None:
            self.message_user(request, "Only your own device, before it is confirmed, can be enrolled.", messages.ERROR)
            return HttpResponseRedirect(reverse(f"{self.admin_site.name}:otp_totp_totpdevice_changelist"))
        form = TokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if self._confirm(device, form.cleaned_data["token"]):
                otp_login(request, device)  # this session is now verified by the new device
                self.message_user(request, f"Authenticator “{device.name}” enrolled. Signing in will ask for its code.")
                return HttpResponseRedirect(reverse(f"{self.admin_site.name}:otp_totp_totpdevice_changelist"))
            form.add_error("token", "That code does not match; check the time on your device and try the next one.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Enrol “{device.name}”",
            "device": device,
            "qr_code": qr_code_data_uri(device.config_url),
            "form": form,
        }
        response = TemplateResponse(request, "admin/identity/totp_enrol.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def _confirm(device: TOTPDevice, token: str) -> bool:
        # django-otp's discipline: verify under a row lock so a code is accepted once (throttled).
        with transaction.atomic():
            locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if not locked.verify_token(token):
                return False
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
        device.confirmed = True
        return True
