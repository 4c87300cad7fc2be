"""Where a sign-in step leads: a session and back to the app, or the next challenge's page."""
from __future__ import annotations

from django.http import HttpResponseRedirect

from hostedui import flow, session
from identity.services import signin


def finish_step(request, pool, result: signin.SignInResult, *, username: str = "") -> HttpResponseRedirect:
    """After any step of the state machine: sign the browser in, or go and show the challenge asked."""
    if isinstance(result, signin.AuthenticationResult):
        flow.remember(request, pool, flow.CHALLENGE_KEY, None)
        flow.remember(request, pool, flow.PENDING_KEY, None)
        session.sign_in(request, pool, result)
        return HttpResponseRedirect(flow.continue_url(request, pool))
    flow.remember(request, pool, flow.CHALLENGE_KEY, {
        "name": result.name,
        "session": result.session,
        "username": result.parameters.get("USER_ID_FOR_SRP") or username,
        "parameters": result.parameters,
    })
    return HttpResponseRedirect(flow.page_url(request, pool, "challenge"))
