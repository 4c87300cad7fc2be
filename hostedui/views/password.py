"""Forgot password: send a code, then a new password with that code."""
from __future__ import annotations

from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hostedui import flow
from hostedui.forms import ForgotPasswordForm, ResetPasswordForm, SYMBOLS, password_rules
from hostedui.messages import describe
from hostedui.pages import hosted_page, page
from identity.errors import IdentityError
from identity.services import passwords
from identity.web import request_context


@require_http_methods(["GET", "POST"])
@hosted_page
def forgot_password(request, pool, client):
    form = ForgotPasswordForm(request.POST or None, pool=pool)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            delivery = passwords.forgot_password(pool=pool, client=client, username=username, context=request_context(request))
        except IdentityError as exc:
            form.add_error("username", describe(exc))
        else:
            flow.remember(request, pool, flow.PENDING_KEY, {"username": username, "destination": delivery.destination, "reset": True})
            return HttpResponseRedirect(flow.page_url(request, pool, "confirm-forgot-password"))
    return page(request, pool, client, "forgot_password.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@hosted_page
def confirm_forgot_password(request, pool, client):
    pending = flow.recall(request, pool, flow.PENDING_KEY) or {}
    if not pending.get("reset"):
        return HttpResponseRedirect(flow.page_url(request, pool, "forgot-password"))
    form = ResetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passwords.confirm_forgot_password(
                pool=pool, client=client, username=pending["username"], code=form.cleaned_data["code"],
                password=form.cleaned_data["password"], context=request_context(request),
            )
        except IdentityError as exc:
            field = "password" if exc.code in ("InvalidPasswordException", "PasswordHistoryPolicyViolationException") else "code"
            form.add_error(field, describe(exc))
        else:
            flow.remember(request, pool, flow.PENDING_KEY, None)
            flow.notice(request, pool, _("Your password has been reset. Sign in with your new password."))
            return HttpResponseRedirect(flow.page_url(request, pool, "login"))
    context = {"form": form, "destination": pending.get("destination", ""), "password_rules": password_rules(pool), "symbols": SYMBOLS}
    return page(request, pool, client, "confirm_forgot_password.html", context, status=400 if form.errors else 200)
