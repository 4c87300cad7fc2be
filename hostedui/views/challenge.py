"""The page of whichever challenge the sign-in state machine asked for (hostedui.challenges)."""
from __future__ import annotations

import json

from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hostedui import device_cookie, flow, session
from hostedui.challenges import CHALLENGE_PAGES
from hostedui.forms import SYMBOLS, NewRecoveryCodesForm, password_rules
from hostedui.messages import describe
from hostedui.pages import error_page, hosted_page, page
from hostedui.views.steps import finish_step
from identity import crypto
from identity.errors import IdentityError
from identity.services import devices, mfa, signin
from identity.web import request_context

RECOVERY_KEY = "hostedui:pool:{pool_id}:recovery"
# The MFA code pages that offer "Remember this device" where the pool remembers devices (docs/devices.md).
REMEMBERING_STEPS = {mfa.SOFTWARE_TOKEN_MFA, mfa.SMS_MFA, mfa.EMAIL_OTP}


@require_http_methods(["GET", "POST"])
@hosted_page
def challenge(request, pool, client):
    pending = flow.recall(request, pool, flow.CHALLENGE_KEY)
    step = CHALLENGE_PAGES.get(pending["name"]) if pending else None
    if step is None:
        return _start_over(request, pool, _("This step has expired. Sign in again."))
    context = request_context(request)
    try:
        pending = step.prepare(pool, pending, context)
    except IdentityError as exc:
        return _start_over(request, pool, describe(exc))
    flow.remember(request, pool, flow.CHALLENGE_KEY, pending)
    form = step.form(request.POST or None, pending["parameters"])
    remembering = pending["name"] in REMEMBERING_STEPS and devices.offers_browser_remembering(pool)
    # Ticked by default where the pool remembers every device ("Always"), unticked where the user opts in.
    remember = request.POST.get("remember_device") == "on" if request.method == "POST" else not pool.device_only_remembered_on_user_prompt
    if request.method == "POST" and form.is_valid():
        try:
            answer_session = step.submit(form, pending, context)
            result = signin.respond_to_auth_challenge(
                pool=pool, client=client, challenge_name=pending["name"], session=answer_session,
                responses={"USERNAME": pending["username"], **form.responses()}, context=context,
            )
        except IdentityError as exc:
            if exc.message.startswith("Invalid session"):
                return _start_over(request, pool, describe(exc))
            form.add_error(None, describe(exc))
        else:
            if step.offers_recovery_codes and isinstance(result, signin.AuthenticationResult):
                return _offer_recovery_codes(request, pool, result, context)
            response = finish_step(request, pool, result, username=pending["username"])
            if remembering and remember and isinstance(result, signin.AuthenticationResult):
                device_cookie.write(response, request, pool, *devices.remember_browser(user=result.user, context=context))
            return response
    extra = {"form": form, "title": step.title, "password_rules": password_rules(pool), "symbols": SYMBOLS,
             "remembering": remembering, "remember": remember, **step.extra(pending)}
    return page(request, pool, client, step.template, extra, status=400 if form.errors else 200)


def _start_over(request, pool, message: str):
    flow.remember(request, pool, flow.CHALLENGE_KEY, None)
    flow.notice(request, pool, message)
    return HttpResponseRedirect(flow.page_url(request, pool, "login"))


def _offer_recovery_codes(request, pool, result, context):
    # Signed in already; the codes are shown once, on the next page, then forgotten.
    finish_step(request, pool, result)
    codes = mfa.generate_recovery_codes(user=result.user, context=context)
    flow.remember(request, pool, RECOVERY_KEY, {"codes": crypto.encrypt(json.dumps(codes))})
    return HttpResponseRedirect(flow.page_url(request, pool, "recovery-codes"))


@require_http_methods(["GET"])
@hosted_page
def recovery_codes(request, pool, client):
    saved = flow.recall(request, pool, RECOVERY_KEY)
    flow.remember(request, pool, RECOVERY_KEY, None)
    if not saved or session.current_user(request, pool) is None:
        return HttpResponseRedirect(flow.continue_url(request, pool))
    codes = json.loads(crypto.decrypt(saved["codes"]))
    return page(request, pool, client, "recovery_codes.html", {"codes": codes, "continue_url": flow.continue_url(request, pool)})


@require_http_methods(["GET", "POST"])
@hosted_page
def new_recovery_codes(request, pool, client):
    """Replace a signed-in user's recovery codes (for users who enrolled through the API too); the new ten are shown once.

    The POST needs CSRF and a current authenticator code (or an unused recovery code), so someone
    holding only a stolen session cookie cannot mint codes that would outlive it.
    """
    current = session.current_user(request, pool)
    if current is None:
        return HttpResponseRedirect(flow.page_url(request, pool, "login"))
    done_url = flow.page_url(request, pool, "signed-in")
    if not mfa.has_authenticator(current.user):
        return error_page(request, pool, _("Recovery codes go with an authenticator app. Set one up first."), client=client)
    form = NewRecoveryCodesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.regenerate_recovery_codes(user=current.user, code=form.cleaned_data["code"], context=request_context(request))
        except IdentityError as exc:
            form.add_error(None, describe(exc))
        else:
            return page(request, pool, client, "recovery_codes.html", {"codes": codes, "continue_url": done_url, "replaced": True})
    extra = {"form": form, "unused": mfa.unused_recovery_codes(current.user), "cancel_url": done_url}
    return page(request, pool, client, "new_recovery_codes.html", extra, status=400 if form.errors else 200)
