"""Routes on a pool's own domain (auth.example.com/oauth2/authorize): the pool comes from the Host."""
from django.urls import include, path

from hostedui import views as hosted
from oidc import views as oauth

oidc_routes = [
    path(".well-known/openid-configuration", oauth.openid_configuration, name="discovery"),
    path(".well-known/jwks.json", oauth.jwks, name="jwks"),
    path("oauth2/authorize", oauth.authorize, name="authorize"),
    path("oauth2/token", oauth.token, name="token"),
    path("oauth2/userInfo", oauth.userinfo, name="userinfo"),
    path("oauth2/revoke", oauth.revoke, name="revoke"),
    path("oauth2/introspect", oauth.introspect, name="introspect"),
    path("logout", oauth.logout, name="logout"),
]
hosted_routes = [path("login", hosted.login, name="login")]

urlpatterns = [
    path("", include((oidc_routes, "oidc"))),
    path("", include((hosted_routes, "hostedui"))),
]
