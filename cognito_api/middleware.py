"""The Cognito API answered above the middleware that serves pages."""
from __future__ import annotations

from cognito_api.views import dispatch


class CognitoApiMiddleware:
    """`/` on the main site is the Cognito API (config/urls.py), and it needs no session, CSRF token
    (it is csrf_exempt), user, OTP state or messages: answer it here, before those middlewares run.

    They did nothing for it but cost ~50 µs a request (bench/signin.py: a sign-in is one or two API
    calls of a few milliseconds). Nothing protective is skipped: SecurityMiddleware and
    XFrameOptionsMiddleware sit above this one and set their headers, the request limits are the
    view's, and host validation and pool domains (PoolDomainMiddleware, above) run first. A pool's
    own domain has no API (config/domain_urls.py), so its `/` goes on down the chain.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != "/" or getattr(request, "urlconf", None) is not None:
            return self.get_response(request)
        response = dispatch(request)
        if not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware sets it below
        return response
