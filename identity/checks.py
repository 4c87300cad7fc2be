"""System checks for the invariants the directory relies on."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_password_hashing(app_configs, **kwargs):
    first = settings.PASSWORD_HASHERS[0]
    if not first.endswith(("Argon2Hasher", "Argon2PasswordHasher")):
        return [Error("PASSWORD_HASHERS[0] must be an argon2id hasher.", id="identity.E001")]
    return []


@register()
def check_key_encryption_key(app_configs, **kwargs):
    if not settings.KEY_ENCRYPTION_KEYS:
        return [Error("No key-encryption key is configured (USERPOOLS_KEY_ENCRYPTION_KEY).", id="identity.E002")]
    return []


@register()
def check_operator_2fa(app_configs, **kwargs):
    if settings.PRODUCTION and not settings.USERPOOLS_OPERATOR_2FA_REQUIRED:
        return [Warning("Operators can sign in to the admin site without TOTP in production.", id="identity.W001")]
    return []
