"""OAuth 2.0 / OIDC routes under each pool's issuer path, as Cognito names them."""
from django.urls import path

from oidc import views

app_name = "oidc"

urlpatterns = [
    path("<str:pool_id>/.well-known/openid-configuration", views.openid_configuration, name="discovery"),
    path("<str:pool_id>/.well-known/jwks.json", views.jwks, name="jwks"),
    path("<str:pool_id>/oauth2/authorize", views.authorize, name="authorize"),
    path("<str:pool_id>/oauth2/token", views.token, name="token"),
    path("<str:pool_id>/oauth2/userInfo", views.userinfo, name="userinfo"),
    path("<str:pool_id>/oauth2/revoke", views.revoke, name="revoke"),
    path("<str:pool_id>/oauth2/introspect", views.introspect, name="introspect"),
    path("<str:pool_id>/logout", views.logout, name="logout"),
]
