from django.apps import AppConfig


class HosteduiConfig(AppConfig):
    name = "hostedui"
