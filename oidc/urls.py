"""OAuth 2.0 / OIDC routes under each pool's issuer path, as Cognito names them."""
from django.urls import path

from oidc import views

app_name = "oidc"

# (path after the pool, view, name): served under /<pool_id>/ and, on a pool's domain, at the root.
ROUTES = [
    (".well-known/openid-configuration", views.openid_configuration, "discovery"),
    (".well-known/jwks.json", views.jwks, "jwks"),
    ("oauth2/authorize", views.authorize, "authorize"),
    ("oauth2/token", views.token, "token"),
    ("oauth2/userInfo", views.userinfo, "userinfo"),
    ("oauth2/revoke", views.revoke, "revoke"),
    ("oauth2/introspect", views.introspect, "introspect"),
    ("logout", views.logout, "logout"),
]

urlpatterns = [path(f"<str:pool_id>/{route}", view, name=name) for route, view, name in ROUTES]
