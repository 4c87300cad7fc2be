"""OIDC routes under each pool's issuer path: discovery and JWKS (the authorization server lands next)."""
from django.urls import path

from oidc import views

app_name = "oidc"

urlpatterns = [
    path("<str:pool_id>/.well-known/openid-configuration", views.openid_configuration, name="discovery"),
    path("<str:pool_id>/.well-known/jwks.json", views.jwks, name="jwks"),
]
