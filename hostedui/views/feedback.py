"""The page a risk notification links to: the user says whether a sign-in was theirs (UpdateAuthEventFeedback).

Mail scanners open links before people do, so opening the link changes nothing: it shows the
sign-in's facts and a button per answer, and only the POST (CSRF-checked) records the answer.
The token leaves the URL at once, for the pool-scoped session, as Django's password reset does,
so it stays out of the history and of any Referer.
"""
from __future__ import annotations

from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hostedui import flow
from hostedui.messages import describe
from hostedui.pages import error_page, hosted_page, page
from identity.errors import IdentityError
from identity.models import AuthEvent
from identity.services import risk

TOKEN_KEY = "hostedui:pool:{pool_id}:auth-event-feedback"


@require_http_methods(["GET", "POST"])
@hosted_page
def auth_event_feedback(request, pool, client):
    token = request.GET.get("token")
    if token is not None:
        try:
            risk.auth_event_for_feedback(pool=pool, token=token)
        except IdentityError as exc:
            return _refused(request, pool, client, exc)
        flow.remember(request, pool, TOKEN_KEY, {"token": token})
        return HttpResponseRedirect(flow.page_url(request, pool, "auth-event-feedback", token=None))
    held = (flow.recall(request, pool, TOKEN_KEY) or {}).get("token")
    if not held:
        return error_page(request, pool, _invalid_link(), client=client)
    try:
        event = risk.auth_event_for_feedback(pool=pool, token=held)
    except IdentityError as exc:
        flow.remember(request, pool, TOKEN_KEY, None)
        return _refused(request, pool, client, exc)
    error = None
    if request.method == "POST":
        value = request.POST.get("value")
        if value in AuthEvent.Feedback.values:
            try:
                risk.update_auth_event_feedback(pool=pool, user=event.user, event_id=str(event.event_id), value=value,
                                                provider="User", token=held)
            except IdentityError as exc:
                return _refused(request, pool, client, exc)
            flow.notice(request, pool, _thanks(value))
            return HttpResponseRedirect(flow.page_url(request, pool, "auth-event-feedback", value=value))
        error = _("Choose one of the two answers.")
    # The name the user knows, as the signed-in page shows it: an email-username pool's usernames are opaque ids.
    account = event.user.attributes.get("email") or event.user.attributes.get("phone_number") or event.user.username
    context = {"event": event, "account": account, "facts": _facts(event), "chosen": request.GET.get("value"), "error": error,
               "answered": event.feedback_value}
    return page(request, pool, client, "auth_event_feedback.html", context, status=400 if error else 200)


def _facts(event: AuthEvent) -> dict:
    where = ", ".join(part for part in (event.city, event.country) if part)
    outcome = {
        AuthEvent.Response.PASS: _("The sign-in succeeded."),
        AuthEvent.Response.IN_PROGRESS: _("A second factor was asked for; the sign-in was not finished."),
        AuthEvent.Response.FAIL: _("The sign-in did not succeed."),
    }[event.response]
    if event.risk_decision == AuthEvent.Decision.BLOCK:
        outcome = _("The sign-in was blocked.")
    return {
        "place": where, "network": event.network or event.ip_address or "", "ip_address": event.ip_address or "",
        "device": event.device_name or _("Unknown device"), "outcome": outcome,
    }


def _thanks(value: str) -> str:
    if value == AuthEvent.Feedback.VALID:
        return _("Thank you. This sign-in is marked as yours, so this device and network count as yours.")
    return _("Thank you. This sign-in is marked as not yours, so sign-ins from this device and network will be treated as suspicious. "
             "Change your password now.")


def _invalid_link() -> str:
    return _("This link is not valid or has expired, so nothing was changed. If a sign-in worries you, change your password.")


def _refused(request, pool, client, exc: IdentityError):
    if exc.code in ("NotAuthorizedException", "ResourceNotFoundException"):
        message = _invalid_link()
    elif exc.code == "UserPoolAddOnNotEnabledException":
        message = _("Sign-in checks are turned off for this user pool, so answers are not recorded.")
    else:
        message = describe(exc)
    return error_page(request, pool, message, client=client)
