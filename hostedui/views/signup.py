"""Sign up, then confirm with the code that was sent, then straight on to the app."""
from __future__ import annotations

from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hostedui import flow
from hostedui.forms import ConfirmForm, SignUpForm, password_rules, SYMBOLS
from hostedui.messages import describe
from hostedui.pages import error_page, hosted_page, page
from hostedui.views.steps import finish_step
from identity.errors import IdentityError, UsernameExistsException, AliasExistsException
from identity.services import directory, signin, signup as signups
from identity.web import request_context


@require_http_methods(["GET", "POST"])
@hosted_page
def signup(request, pool, client):
    if pool.allow_admin_create_user_only:
        return error_page(request, pool, _("Sign-up is not available. Ask your administrator for an account."), status=403, client=client)
    form = SignUpForm(request.POST or None, pool=pool, client=client)
    if request.method == "POST" and form.is_valid():
        username, attributes = form.username_and_attributes()
        try:
            result = signups.sign_up(
                pool=pool, client=client, username=username, password=form.cleaned_data["password"],
                attributes=attributes, context=request_context(request),
            )
        except (UsernameExistsException, AliasExistsException) as exc:
            form.add_error("username" if "username" in form.fields else pool.username_attributes[0], describe(exc))
        except IdentityError as exc:
            form.add_error("password" if exc.code == "InvalidPasswordException" else None, describe(exc))
        else:
            flow.remember(request, pool, flow.PENDING_KEY, {
                "username": result.user.username,
                "sub": result.user_sub,
                "proved": True,
                "destination": result.code_delivery.destination if result.code_delivery else "",
            })
            if result.user_confirmed:
                return _sign_in_confirmed(request, pool, client, result.user)
            return HttpResponseRedirect(flow.page_url(request, pool, "confirm"))
    context = {"form": form, "password_rules": password_rules(pool), "symbols": SYMBOLS}
    return page(request, pool, client, "signup.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@hosted_page
def confirm(request, pool, client):
    """The code from the sign-up message; a button sends another one."""
    pending = flow.recall(request, pool, flow.PENDING_KEY) or {}
    known = pending.get("username", "")
    if request.method == "POST" and "resend" in request.POST:
        return _resend(request, pool, client, known or request.POST.get("username", ""), pending)
    form = ConfirmForm(request.POST or None, pool=pool, known_username=bool(known))
    if request.method == "POST" and form.is_valid():
        username = known or form.cleaned_data["username"]
        try:
            user = signups.confirm_sign_up(
                pool=pool, client=client, username=username, code=form.cleaned_data["code"], context=request_context(request),
            )
        except IdentityError as exc:
            form.add_error("code", describe(exc))
        else:
            if pending.get("proved") and directory.find_user(pool, known) == user:
                return _sign_in_confirmed(request, pool, client, user)
            flow.remember(request, pool, flow.PENDING_KEY, None)
            flow.notice(request, pool, _("Your account is confirmed. Sign in."))
            return HttpResponseRedirect(flow.page_url(request, pool, "login"))
    context = {"form": form, "destination": pending.get("destination", "")}
    return page(request, pool, client, "confirm.html", context, status=400 if form.errors else 200)


def _resend(request, pool, client, username: str, pending: dict):
    try:
        delivery = signups.resend_confirmation_code(pool=pool, client=client, username=username, context=request_context(request))
    except IdentityError as exc:
        flow.notice(request, pool, describe(exc))
    else:
        if pending:
            flow.remember(request, pool, flow.PENDING_KEY, {**pending, "destination": delivery.destination})
        flow.notice(request, pool, _("We sent a new code to %(destination)s.") % {"destination": delivery.destination})
    return HttpResponseRedirect(flow.page_url(request, pool, "confirm"))


def _sign_in_confirmed(request, pool, client, user):
    try:
        result = signin.sign_in_after_confirmation(pool=pool, client=client, user=user, context=request_context(request))
    except IdentityError as exc:
        flow.notice(request, pool, describe(exc))
        return HttpResponseRedirect(flow.page_url(request, pool, "login"))
    return finish_step(request, pool, result, username=user.username)
