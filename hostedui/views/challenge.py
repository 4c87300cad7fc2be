"""The page of whichever challenge the sign-in state machine asked for (hostedui.challenges)."""
from __future__ import annotations

from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hostedui import flow
from hostedui.challenges import CHALLENGE_PAGES
from hostedui.forms import SYMBOLS, password_rules
from hostedui.messages import describe
from hostedui.pages import hosted_page, page
from hostedui.views.steps import finish_step
from identity.errors import IdentityError
from identity.services import signin
from identity.web import request_context


@require_http_methods(["GET", "POST"])
@hosted_page
def challenge(request, pool, client):
    pending = flow.recall(request, pool, flow.CHALLENGE_KEY)
    step = CHALLENGE_PAGES.get(pending["name"]) if pending else None
    if step is None:
        flow.notice(request, pool, _("This step has expired. Sign in again."))
        return HttpResponseRedirect(flow.page_url(request, pool, "login"))
    form = step.form(request.POST or None, pending["parameters"])
    if request.method == "POST" and form.is_valid():
        try:
            result = signin.respond_to_auth_challenge(
                pool=pool, client=client, challenge_name=pending["name"], session=pending["session"],
                responses={"USERNAME": pending["username"], **form.responses()}, context=request_context(request),
            )
        except IdentityError as exc:
            if exc.message.startswith("Invalid session"):
                flow.remember(request, pool, flow.CHALLENGE_KEY, None)
                flow.notice(request, pool, describe(exc))
                return HttpResponseRedirect(flow.page_url(request, pool, "login"))
            form.add_error(None, describe(exc))
        else:
            return finish_step(request, pool, result, username=pending["username"])
    context = {"form": form, "title": step.title, "password_rules": password_rules(pool), "symbols": SYMBOLS}
    return page(request, pool, client, step.template, context, status=400 if form.errors else 200)
