"""Sign in with the pool's identifier and a password; the signed-in page for visits no app started."""
from __future__ import annotations

from django.http import HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from hostedui import device_cookie, flow, session
from hostedui.forms import SignInForm
from hostedui.messages import describe
from hostedui.pages import hosted_page, page
from hostedui.views.steps import finish_step
from identity.errors import IdentityError, PasswordResetRequiredException, UserNotConfirmedException
from identity.services import mfa, passwords, signin, signup
from identity.web import pool_url, request_context


@require_http_methods(["GET", "POST"])
@hosted_page
def login(request, pool, client):
    # OIDC's login_hint prefills the username.
    initial = {"username": request.GET.get("login_hint", "")[:128]}
    form = SignInForm(request.POST or None, initial=initial, pool=pool)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        context = request_context(request)
        try:
            result = signin.password_sign_in(
                pool=pool, client=client, username=username, password=form.cleaned_data["password"], context=context,
                browser_device=device_cookie.read(request, pool),
            )
        except UserNotConfirmedException:
            return _to_confirmation(request, pool, client, username, context)
        except PasswordResetRequiredException:
            return _to_reset(request, pool, client, username, context)
        except IdentityError as exc:
            form.add_error(None, describe(exc))
        else:
            return finish_step(request, pool, result, username=username)
    return page(request, pool, client, "login.html", {"form": form}, status=400 if form.errors else 200)


def _to_confirmation(request, pool, client, username, context):
    # The password was right: send a fresh code and let this browser finish the sign-up it proved.
    try:
        delivery = signup.resend_confirmation_code(pool=pool, client=client, username=username, context=context)
    except IdentityError as exc:
        flow.notice(request, pool, describe(exc))
        delivery = None
    flow.remember(request, pool, flow.PENDING_KEY, {
        "username": username, "proved": True, "destination": delivery.destination if delivery else "",
    })
    return HttpResponseRedirect(flow.page_url(request, pool, "confirm"))


def _to_reset(request, pool, client, username, context):
    # An operator asked for a new password: Cognito's pages go straight to the reset code.
    try:
        delivery = passwords.forgot_password(pool=pool, client=client, username=username, context=context)
    except IdentityError as exc:
        flow.notice(request, pool, describe(exc))
        return HttpResponseRedirect(flow.page_url(request, pool, "forgot-password"))
    flow.remember(request, pool, flow.PENDING_KEY, {"username": username, "destination": delivery.destination, "reset": True})
    return HttpResponseRedirect(flow.page_url(request, pool, "confirm-forgot-password"))


@require_http_methods(["GET"])
@hosted_page
def signed_in(request, pool, client):
    """Reached when nobody asked for an authorization response: who is signed in, and a way out."""
    current = session.current_user(request, pool)
    if current is None:
        return HttpResponseRedirect(flow.page_url(request, pool, "login"))
    name = current.user.attributes.get("email") or current.user.attributes.get("phone_number") or current.user.username
    # Users with an authenticator app (set up here or through the API) can get new recovery codes.
    recovery_codes_url = flow.page_url(request, pool, "new-recovery-codes") if mfa.has_authenticator(current.user) else None
    return page(request, pool, client, "signed_in.html",
                {"display_name": name, "logout_url": pool_url(request, pool, "oidc:logout"), "recovery_codes_url": recovery_codes_url})
