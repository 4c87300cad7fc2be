"""Sign in another way (a passkey, or a code by email or SMS), and the signed-in user's passkeys page.

Both drive the services as the API does: USER_AUTH with PREFERRED_CHALLENGE through the one
sign-in state machine (its challenges are pages of hostedui.challenges), and the passkey actions.
"""
from __future__ import annotations

import json

from django import forms
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from hostedui import flow, session
from hostedui.forms import USERNAME_MAX, identifier_label
from hostedui.messages import describe
from hostedui.pages import hosted_page, page
from hostedui.views.steps import finish_step
from identity.errors import IdentityError
from identity.services import passkeys, passwordless, signin
from identity.web import request_context

METHOD_NAMES = {
    passwordless.WEB_AUTHN: gettext_lazy("Passkey"),
    passwordless.EMAIL_OTP: gettext_lazy("Email me a code"),
    passwordless.SMS_OTP: gettext_lazy("Text me a code"),
    passwordless.PASSWORD: gettext_lazy("Password"),
}


def offered_methods(pool, client) -> list[str]:
    """The first factors this page may offer: the pool's, for an app client allowed to use USER_AUTH."""
    if "ALLOW_USER_AUTH" not in client.explicit_auth_flows:
        return []
    offered = [c for c in passwordless.pool_challenges(pool) if c in METHOD_NAMES]
    return offered if set(offered) - {passwordless.PASSWORD} else []


def links(request, pool, client) -> dict:
    """The links other pages show: "sign in another way", and the passkeys page when passkeys are on."""
    found = {}
    if client is not None and offered_methods(pool, client):
        found["sign_in_options"] = flow.page_url(request, pool, "sign-in-options")
    if passkeys.WEB_AUTHN in pool.allowed_first_auth_factors:
        found["passkeys"] = flow.page_url(request, pool, "passkeys")
    return found


class SignInOptionsForm(forms.Form):
    username = forms.CharField(max_length=USERNAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "username webauthn", "autofocus": True}))
    method = forms.ChoiceField(label=gettext_lazy("How do you want to sign in?"), widget=forms.RadioSelect)

    def __init__(self, *args, pool, methods: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = identifier_label(pool)
        self.fields["method"].choices = [(name, METHOD_NAMES[name]) for name in methods]
        self.fields["method"].initial = methods[0]


@require_http_methods(["GET", "POST"])
@hosted_page
def sign_in_options(request, pool, client):
    methods = offered_methods(pool, client)
    if not methods:
        return HttpResponseRedirect(flow.page_url(request, pool, "login"))
    initial = {"username": request.GET.get("login_hint", "")[:USERNAME_MAX]}
    form = SignInOptionsForm(request.POST or None, initial=initial, pool=pool, methods=methods)
    if request.method == "POST" and form.is_valid():
        username, method = form.cleaned_data["username"], form.cleaned_data["method"]
        if method == passwordless.PASSWORD:
            return HttpResponseRedirect(flow.page_url(request, pool, "login", login_hint=username))
        try:
            result = signin.initiate_auth(
                pool=pool, client=client, auth_flow=passwordless.USER_AUTH,
                auth_parameters={"USERNAME": username, "PREFERRED_CHALLENGE": method}, context=request_context(request),
            )
        except IdentityError as exc:
            form.add_error(None, describe(exc))
        else:
            if isinstance(result, signin.ChallengeResult) and result.name == passwordless.SELECT_CHALLENGE:
                form.add_error("method", _("This way of signing in is not set up for this account. Choose another."))
            else:
                return finish_step(request, pool, result, username=username)
    return page(request, pool, client, "sign_in_options.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@hosted_page
def passkeys_page(request, pool, client):
    """The signed-in user's passkeys: add one (the browser's navigator.credentials.create), or remove one."""
    current = session.current_user(request, pool)
    if current is None:
        flow.notice(request, pool, _("Sign in to manage your passkeys."))
        return HttpResponseRedirect(flow.page_url(request, pool, "login"))
    user, context = current.user, request_context(request)
    if request.method == "POST":
        return _change(request, pool, client, user, context)
    try:
        options = passkeys.start_web_authn_registration(user=user, client_id=client.client_id, context=context)
    except IdentityError as exc:
        options, problem = None, describe(exc)
    else:
        problem = ""
    found, _next = passkeys.list_web_authn_credentials(user=user)
    return page(request, pool, client, "passkeys.html", {
        "passkeys": found, "creation_options": json.dumps(options) if options else "", "problem": problem,
        "continue_url": flow.continue_url(request, pool),
    })


def _change(request, pool, client, user, context):
    try:
        if "delete" in request.POST:
            passkeys.delete_web_authn_credential(user=user, credential_id=request.POST.get("delete", ""), context=context)
            flow.notice(request, pool, _("The passkey was removed."))
        else:
            credential = json.loads(request.POST.get("credential") or "null")
            passkeys.complete_web_authn_registration(
                user=user, client_id=client.client_id, credential=credential,
                friendly_name=request.POST.get("name", "").strip()[:256], context=context,
            )
            flow.notice(request, pool, _("Your passkey was added."))
    except (IdentityError, ValueError) as exc:
        flow.notice(request, pool, describe(exc) if isinstance(exc, IdentityError) else _("The passkey could not be added. Try again."))
    return HttpResponseRedirect(flow.page_url(request, pool, "passkeys"))
