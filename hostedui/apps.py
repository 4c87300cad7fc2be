"""hostedui: the pages pool users see (sign-in, sign-up, MFA, branding)."""
from django.apps import AppConfig


class HosteduiConfig(AppConfig):
    name = "hostedui"
    verbose_name = "Hosted UI"
