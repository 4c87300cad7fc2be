"""Routes on a pool's own domain (auth.example.com/oauth2/authorize): the pool comes from the Host."""
from django.urls import include, path

from hostedui import urls as hosted
from oidc import urls as oauth


def _at_root(routes):
    return [path(route, view, name=name) for route, view, name in routes]


urlpatterns = [
    path("", include((_at_root(oauth.ROUTES), "oidc"))),
    path("", include((_at_root(hosted.ROUTES), "hostedui"))),
]
