from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "User pools"

    def ready(self) -> None:
        from identity import checks  # noqa: F401  (registers system checks)
