"""Serve a pool on its own domain: the same views, without the /<pool_id> prefix."""
from __future__ import annotations

from identity.services.pools import pool_for_host


class PoolDomainMiddleware:
    """When the Host is a pool's domain, route with the domain URLconf and remember the pool.

    Other hosts (the main site, the admin) pass through untouched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pool_id = pool_for_host(request.get_host())
        if pool_id:
            request.urlconf = "config.domain_urls"
            request.pool_domain_id = pool_id
        return self.get_response(request)
