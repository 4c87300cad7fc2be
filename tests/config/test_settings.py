"""Settings come from the environment; production mode refuses unsafe ones with a clear message."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("USERPOOLS_", "SECRET_KEY", "DATABASE_URL", "DEBUG"))}
    clean.update({"USERPOOLS_STATE_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings", **env})
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_local_mode_generates_and_keeps_secrets(tmp_path):
    first = _load_settings({}, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "sqlite3" in first.stdout
    secret_key = (tmp_path / "secret_key").read_text()
    kek = (tmp_path / "key_encryption_key").read_text()
    assert len(secret_key) >= 50 and len(kek) == 44
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    _load_settings({}, tmp_path)
    assert (tmp_path / "secret_key").read_text() == secret_key


def test_production_refuses_unsafe_settings_and_names_each(tmp_path):
    result = _load_settings({"USERPOOLS_ENV": "production", "DEBUG": "1"}, tmp_path)
    assert result.returncode != 0
    for needle in ("DEBUG is on", "SECRET_KEY is not set", "USERPOOLS_KEY_ENCRYPTION_KEY", "SQLite", "USERPOOLS_BASE_URL"):
        assert needle in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_starts_with_safe_settings(tmp_path):
    from cryptography.fernet import Fernet

    env = {
        "USERPOOLS_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "USERPOOLS_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
        "USERPOOLS_BASE_URL": "https://id.example.com",
    }
    result = _load_settings(env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout


def test_production_accepts_sqlite_only_when_allowed(tmp_path):
    from cryptography.fernet import Fernet

    env = {
        "USERPOOLS_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "USERPOOLS_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "USERPOOLS_BASE_URL": "https://id.example.com",
    }
    assert _load_settings(env, tmp_path).returncode != 0
    assert _load_settings({**env, "USERPOOLS_ALLOW_SQLITE": "1"}, tmp_path).returncode == 0


def _safe_production(**more) -> dict:
    from cryptography.fernet import Fernet

    return {
        "USERPOOLS_ENV": "production", "SECRET_KEY": "x" * 60, "USERPOOLS_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test", "USERPOOLS_BASE_URL": "https://id.example.com", **more,
    }


def _sms_sender(env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("USERPOOLS_", "SECRET_KEY", "DATABASE_URL", "DEBUG"))}
    clean.update({"USERPOOLS_STATE_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings", **env})
    code = "import django; django.setup(); from django.conf import settings; print(settings.USERPOOLS_SMS_SENDER, settings.USERPOOLS_SMS_FILE)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_texts_go_to_a_file_locally_and_to_the_log_in_production(tmp_path):
    local = _sms_sender({}, tmp_path)
    assert local.returncode == 0, local.stderr
    assert local.stdout.split() == ["file", str(tmp_path / "sms.jsonl")]
    production = _sms_sender(_safe_production(), tmp_path)
    assert production.returncode == 0, production.stderr
    assert production.stdout.split()[0] == "console"


def test_production_refuses_an_incomplete_twilio_set_up(tmp_path):
    result = _sms_sender(_safe_production(USERPOOLS_SMS_SENDER="twilio", USERPOOLS_TWILIO_ACCOUNT_SID="AC" + "0" * 32,
                                          USERPOOLS_TWILIO_BASE_URL="http://127.0.0.1:9"), tmp_path)
    assert result.returncode != 0
    for needle in ("SMS set-up", "USERPOOLS_TWILIO_AUTH_TOKEN", "USERPOOLS_TWILIO_FROM", "https:// in production"):
        assert needle in result.stderr
    assert _sms_sender(_safe_production(USERPOOLS_SMS_SENDER="pigeon"), tmp_path).returncode != 0
    complete = _safe_production(
        USERPOOLS_SMS_SENDER="twilio", USERPOOLS_TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        USERPOOLS_TWILIO_API_KEY_SID="SK" + "0" * 32, USERPOOLS_TWILIO_API_KEY_SECRET="s" * 32,
        USERPOOLS_TWILIO_MESSAGING_SERVICE_SID="MG" + "0" * 32,
    )
    started = _sms_sender(complete, tmp_path)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split()[0] == "twilio"
