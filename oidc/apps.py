from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "oidc"
