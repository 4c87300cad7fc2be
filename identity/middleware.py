"""Serve a pool on its own domain: the same views, without the /<pool_id> prefix."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from identity.services.pools import pool_for_host


class PoolDomainMiddleware:
    """When the Host is a pool's domain, route with the domain URLconf and remember the pool.

    Other hosts (the main site, the admin) pass through untouched.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # The main site's own host never is a pool domain: skip the lookup on the hot path.
        self.main_host = urlsplit(settings.USERPOOLS_BASE_URL).netloc.lower()

    def __call__(self, request):
        host = request.get_host().lower()
        pool_id = None if host == self.main_host else pool_for_host(host)
        if pool_id:
            request.urlconf = "config.domain_urls"
            request.pool_domain_id = pool_id
        return self.get_response(request)
