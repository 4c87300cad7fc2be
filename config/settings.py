"""Userpools settings: deployment knobs from the environment, safe local defaults."""
from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = Path(env.text("USERPOOLS_STATE_DIR", str(BASE_DIR / "var")))

# Production mode refuses unsafe settings instead of quietly running with them.
PRODUCTION = env.text("USERPOOLS_ENV", "local").lower() == "production"
DEBUG = env.flag("DEBUG", False)

SECRET_KEY = env.text("SECRET_KEY")
# The key-encryption key protects secrets at rest (signing keys, client secrets).
# Several comma-separated Fernet keys allow rotation: the first encrypts, all decrypt.
KEY_ENCRYPTION_KEYS = env.words("USERPOOLS_KEY_ENCRYPTION_KEY", [])

DATABASE_URL = env.text("DATABASE_URL", f"sqlite:///{STATE_DIR / 'userpools.sqlite3'}")
ALLOW_SQLITE_IN_PRODUCTION = env.flag("USERPOOLS_ALLOW_SQLITE", False)


def _production_problems() -> list[str]:
    problems = []
    if DEBUG:
        problems.append("DEBUG is on; unset it (DEBUG=0).")
    if not SECRET_KEY:
        problems.append("SECRET_KEY is not set; give it a long random value.")
    if not KEY_ENCRYPTION_KEYS:
        problems.append(
            "USERPOOLS_KEY_ENCRYPTION_KEY is not set; generate one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
        )
    if DATABASE_URL.startswith("sqlite") and not ALLOW_SQLITE_IN_PRODUCTION:
        problems.append("DATABASE_URL points at SQLite; use PostgreSQL, or set USERPOOLS_ALLOW_SQLITE=1 to accept it.")
    if not env.text("USERPOOLS_BASE_URL"):
        problems.append("USERPOOLS_BASE_URL is not set; it is the public https:// address tokens name as issuer.")
    return problems


if PRODUCTION:
    _problems = _production_problems()
    if _problems:
        raise ImproperlyConfigured(
            "Userpools will not start in production mode with unsafe settings:\n  - " + "\n  - ".join(_problems)
        )
else:
    SECRET_KEY = SECRET_KEY or env.local_secret(STATE_DIR, "secret_key", env.new_secret_key)
    KEY_ENCRYPTION_KEYS = KEY_ENCRYPTION_KEYS or [
        env.local_secret(STATE_DIR, "key_encryption_key", lambda: Fernet.generate_key().decode())
    ]

USERPOOLS_BASE_URL = env.text("USERPOOLS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
USERPOOLS_REGION = env.text("USERPOOLS_REGION", "local")
# Operators must use TOTP on the admin site; on by default in production.
USERPOOLS_OPERATOR_2FA_REQUIRED = env.flag("USERPOOLS_OPERATOR_2FA_REQUIRED", PRODUCTION)

# Authenticator apps label operator TOTP entries with this.
OTP_TOTP_ISSUER = "Userpools"

# argon2id cost for pool users' passwords (OWASP's minimum: 19 MiB, 2 passes, 1 lane).
USERPOOLS_ARGON2 = {
    "memory_cost": env.integer("USERPOOLS_ARGON2_MEMORY_KIB", 19 * 1024),
    "time_cost": env.integer("USERPOOLS_ARGON2_TIME_COST", 2),
    "parallelism": env.integer("USERPOOLS_ARGON2_PARALLELISM", 1),
}

ALLOWED_HOSTS = env.words("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.words("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "identity",
    "oidc",
    "hostedui",
    "federation",
    "cognito_api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "identity.middleware.PoolDomainMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The Cognito API (POST /) is answered here: what follows serves pages (sessions, CSRF, users, messages).
    "cognito_api.middleware.CognitoApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a command writes; a busy timeout avoids "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    STATE_DIR.mkdir(parents=True, exist_ok=True)
elif env.flag("DATABASE_POOL", False):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.text("REDIS_URL")
# identity.cache.RedisCache is Django's, keeping one client instead of building one per call.
CACHES = {
    "default": (
        {"BACKEND": "identity.cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "userpools"}
    )
}
# Overrides of the request limits in identity/ratelimit.py (docs/threat-protection.md), e.g.
# USERPOOLS_RATE_LIMIT_SIGN_IN_PER_IP=600 or USERPOOLS_RATE_LIMIT_TOKEN_WINDOW_SECONDS=10; 0 lifts a limit.
# Scopes: sign-in, token, page (hosted-page views, /logout), discovery (JWKS, openid-configuration),
# signature (failed SigV4 signatures per address).
USERPOOLS_RATE_LIMITS = {
    scope: {
        key: value
        for key in ("per_ip", "per_client", "window_seconds")
        if (value := env.integer(f"USERPOOLS_RATE_LIMIT_{scope.upper().replace('-', '_')}_{key.upper()}", None)) is not None
    }
    for scope in ("sign-in", "token", "page", "discovery", "signature")
}

# Operators (Django's own users) and pool users alike are hashed with argon2id first.
PASSWORD_HASHERS = [
    "identity.hashers.PoolArgon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The hosted pages' languages (chosen by `lang`, then Accept-Language); messages to users follow them.
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.text("STATIC_ROOT", str(STATE_DIR / "static")))
if not PRODUCTION:
    # WhiteNoise expects the folder; locally it serves from the apps' static dirs instead.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Email: Django's own names; the console backend until an SMTP host is configured.
EMAIL_HOST = env.text("EMAIL_HOST")
EMAIL_PORT = env.integer("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.text("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.text("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.flag("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "no-reply@userpools.local")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)

# SMS (docs/configuration.md): `file` appends each text to USERPOOLS_SMS_FILE (local default), `console`
# logs that one was sent (its text only with DEBUG), `memory` keeps it for tests, `twilio` sends it.
USERPOOLS_SMS_SENDER = env.text("USERPOOLS_SMS_SENDER", "console" if PRODUCTION else "file").lower()
USERPOOLS_SMS_FILE = env.text("USERPOOLS_SMS_FILE", str(STATE_DIR / "sms.jsonl"))
# Twilio Programmable Messaging: an API key (or the auth token) of the account, and a Messaging
# Service or a sending number. The base URL names the region (https://api.dublin.ie1.twilio.com for IE1).
USERPOOLS_TWILIO_ACCOUNT_SID = env.text("USERPOOLS_TWILIO_ACCOUNT_SID")
USERPOOLS_TWILIO_API_KEY_SID = env.text("USERPOOLS_TWILIO_API_KEY_SID")
USERPOOLS_TWILIO_API_KEY_SECRET = env.text("USERPOOLS_TWILIO_API_KEY_SECRET")
USERPOOLS_TWILIO_AUTH_TOKEN = env.text("USERPOOLS_TWILIO_AUTH_TOKEN")
USERPOOLS_TWILIO_MESSAGING_SERVICE_SID = env.text("USERPOOLS_TWILIO_MESSAGING_SERVICE_SID")
USERPOOLS_TWILIO_FROM = env.text("USERPOOLS_TWILIO_FROM")
USERPOOLS_TWILIO_BASE_URL = env.text("USERPOOLS_TWILIO_BASE_URL", "https://api.twilio.com").rstrip("/")
# A sign-in waits for the provider's answer, so not for long.
USERPOOLS_TWILIO_TIMEOUT_SECONDS = float(env.text("USERPOOLS_TWILIO_TIMEOUT_SECONDS", "10"))
if PRODUCTION:
    # Checked here, not only by `manage.py check`: gunicorn runs no system checks.
    from identity import sms as _sms  # no models: safe while settings load

    if USERPOOLS_SMS_SENDER not in _sms.SMS_SENDERS:
        _problems = [f"USERPOOLS_SMS_SENDER is {USERPOOLS_SMS_SENDER!r}; use one of {', '.join(_sms.SMS_SENDERS)}."]
    else:
        _problems = _sms.twilio_problems(sys.modules[__name__]) if USERPOOLS_SMS_SENDER == "twilio" else []
    if _problems:
        raise ImproperlyConfigured("Userpools will not start in production mode with this SMS set-up:\n  - " + "\n  - ".join(_problems))

# Triggers (docs/triggers.md): webhooks to private, loopback or link-local addresses are refused, against
# SSRF, unless this is on; each webhook attempt may take this long (Cognito's fixed 5 s).
USERPOOLS_TRIGGERS_ALLOW_PRIVATE = env.flag("USERPOOLS_TRIGGERS_ALLOW_PRIVATE", False)
USERPOOLS_TRIGGERS_TIMEOUT_SECONDS = float(env.text("USERPOOLS_TRIGGERS_TIMEOUT_SECONDS", "5"))
# A MaxMind GeoIP2/GeoLite2 City file for the impossible-travel risk signal (needs the geoip2 package); empty: off.
USERPOOLS_GEOIP_DATABASE = env.text("USERPOOLS_GEOIP_DATABASE", "")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
