"""The plain hosted sign-in page: it drives the one sign-in service and resumes the authorization request."""
from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from hostedui import session
from hostedui.forms import NewPasswordForm, SignInForm
from identity.errors import IdentityError
from identity.services import directory, signin
from identity.web import pool_url, pool_view, request_context


def _continue_url(request, pool) -> str:
    return pool_url(request, pool, "oidc:authorize") + "?" + urlencode(list(request.GET.items()))


@require_http_methods(["GET", "POST"])
@pool_view
def login(request, pool):
    client = directory.find_client_cached(pool, request.GET.get("client_id", ""))
    if client is None:
        return render(request, "oidc/error.html", {"error": "invalid_request", "description": "Unknown or missing client_id."}, status=400)
    if request.method == "POST" and "new_password" in request.POST:
        return _answer_new_password(request, pool, client)
    # OIDC's login_hint prefills the username.
    form = SignInForm(request.POST or None, initial={"username": request.GET.get("login_hint", "")[:128]})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            result = signin.password_sign_in(
                pool=pool, client=client, username=form.cleaned_data["username"],
                password=form.cleaned_data["password"], context=request_context(request),
            )
        except IdentityError as exc:
            error = exc.message
        else:
            return _after_step(request, pool, result)
    return render(request, "hostedui/login.html", {"form": form, "error": error, "pool": pool}, status=400 if error else 200)


def _after_step(request, pool, result):
    if isinstance(result, signin.AuthenticationResult):
        session.sign_in(request, pool, result)
        return HttpResponseRedirect(_continue_url(request, pool))
    form = NewPasswordForm(initial={"session": result.session, "username": result.parameters.get("USER_ID_FOR_SRP", "")})
    return render(request, "hostedui/new_password.html", {"form": form, "pool": pool})


def _answer_new_password(request, pool, client):
    form = NewPasswordForm(request.POST)
    error = None
    if form.is_valid():
        try:
            result = signin.respond_to_auth_challenge(
                pool=pool, client=client, challenge_name=signin.NEW_PASSWORD_REQUIRED, session=form.cleaned_data["session"],
                responses={"USERNAME": form.cleaned_data["username"], "NEW_PASSWORD": form.cleaned_data["new_password"]},
                context=request_context(request),
            )
        except IdentityError as exc:
            error = exc.message
        else:
            return _after_step(request, pool, result)
    return render(request, "hostedui/new_password.html", {"form": form, "error": error, "pool": pool}, status=400)
