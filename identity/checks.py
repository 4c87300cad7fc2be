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


@register()
def check_sms_sender(app_configs, **kwargs):
    """The SMS sender exists and is set up; in production, texts really reach phones (docs/configuration.md)."""
    from identity import sms

    name = settings.USERPOOLS_SMS_SENDER
    if name not in sms.SMS_SENDERS:
        return [Error(f"USERPOOLS_SMS_SENDER is {name!r}; use one of {', '.join(sms.SMS_SENDERS)}.", id="identity.E003")]
    if name == "twilio":
        return [Error(problem, id="identity.E004") for problem in sms.twilio_problems(settings)]
    if settings.PRODUCTION:
        where = {
            "console": "only logged (their text is never shown without DEBUG)",
            "file": f"written to {settings.USERPOOLS_SMS_FILE}, codes and all",
            "memory": "kept in memory",
        }[name]
        return [Warning(
            f"Production sends no text message to a phone: with USERPOOLS_SMS_SENDER={name} they are {where}.",
            hint="Set USERPOOLS_SMS_SENDER=twilio and its USERPOOLS_TWILIO_* settings, or leave SMS off in every pool.",
            id="identity.W002",
        )]
    return []
