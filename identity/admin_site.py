"""The operator console's site: Django's admin, with TOTP for operators (django-otp)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class OperatorLoginForm(OTPAdminAuthenticationForm):
    """Password, then a TOTP code from operators who have a device (or from all, when required)."""

    def clean(self):
        self.cleaned_data = super(OTPAdminAuthenticationForm, self).clean()
        operator = self.get_user()
        if settings.USERPOOLS_OPERATOR_2FA_REQUIRED or (operator is not None and user_has_device(operator)):
            self.clean_otp(operator)
        return self.cleaned_data


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
        if not super().has_permission(request):
            return False
        if settings.USERPOOLS_OPERATOR_2FA_REQUIRED or user_has_device(request.user):
            return request.user.is_verified()
        return True


admin_site = PoolConsoleSite(name="admin")
