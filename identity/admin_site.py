"""The operator console's site: Django's admin, with TOTP for operators (django-otp)."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django_otp import devices_for_user, user_has_device
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

ENROL_HINT = "python manage.py create_operator --username NAME --totp"


class OperatorLoginForm(OTPAdminAuthenticationForm):
    """Username, password and, from an operator with a TOTP device (or from all, when required), its code.

    The operator's only confirmed device is chosen for them, so sign-in is one step.
    """

    def clean_otp(self, user) -> None:
        if user is None:
            return
        devices = list(devices_for_user(user, confirmed=True))
        if not devices:
            if settings.USERPOOLS_OPERATOR_2FA_REQUIRED:
                raise forms.ValidationError(
                    f"This console requires two-factor authentication, and you have no authenticator enrolled. "
                    f"Ask an administrator to enrol one: {ENROL_HINT}.",
                    code="device_required",
                )
            return
        chosen = self.cleaned_data.get("otp_device")
        if not chosen and len(devices) == 1:
            self.cleaned_data["otp_device"] = devices[0].persistent_id
        elif chosen and chosen not in {device.persistent_id for device in devices}:
            # django-otp would accept any device of the user's, an unconfirmed one included.
            raise forms.ValidationError("Choose one of your enrolled devices.", code="device_required")
        super().clean_otp(user)


class PoolConsoleSite(AdminSite):
    """Asks for a TOTP code from every operator who has a device, and from all when required.

    With USERPOOLS_OPERATOR_2FA_REQUIRED (on in production) an operator without a
    confirmed device cannot enter; locally, enrolling a device is a choice.
    """

    site_header = "Userpools console"
    site_title = "Userpools"
    index_title = "User pools"
    login_form = OperatorLoginForm
    login_template = OTPAdminSite.login_template

    def has_permission(self, request) -> bool:
        # Asked several times per page; the device lookup behind it is asked once.
        if not hasattr(request, "console_permission"):
            request.console_permission = self._operator_may_enter(request)
        return request.console_permission

    def _operator_may_enter(self, request) -> bool:
        if not super().has_permission(request):
            return False
        if request.user.is_verified():
            return True
        if settings.USERPOOLS_OPERATOR_2FA_REQUIRED:
            return False
        return not user_has_device(request.user)


admin_site = PoolConsoleSite(name="admin")
