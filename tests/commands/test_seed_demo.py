"""seed_demo: one demo pool, client, user and operator; secrets printed on the first run only."""
from __future__ import annotations

import base64
import hashlib

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import User, UserPool, UserPoolClient
from identity.services import passwords, pools
from tests.commands.conftest import run_json, run_text


def test_first_run_creates_everything_and_shows_secrets_once(db, settings):
    settings.USERPOOLS_BASE_URL = "http://127.0.0.1:8000"
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = False
    first = run_json("seed_demo")
    pool = UserPool.objects.get(pk=first["PoolId"])
    client = UserPoolClient.objects.get(pk=first["ClientId"])
    assert pool.name == "Demo pool" and pool.username_attributes == ["email"]
    assert first["Issuer"] == pools.issuer_for(pool) and first["AdminUrl"] == "http://127.0.0.1:8000/admin/"
    assert client.callback_urls == ["http://127.0.0.1:8000/callback-demo"] and client.allowed_oauth_flows == ["code"]
    assert client.allowed_oauth_scopes == ["openid", "email", "profile"] and not client.has_secret
    assert first["SignInUrl"].startswith(f"{first['Issuer']}/oauth2/authorize?client_id={client.client_id}")
    # A public client must use PKCE: the URL carries the challenge of the printed verifier.
    challenge = base64.urlsafe_b64encode(hashlib.sha256(first["CodeVerifier"].encode()).digest()).rstrip(b"=").decode()
    assert f"code_challenge={challenge}&code_challenge_method=S256" in first["SignInUrl"]
    operator = get_user_model().objects.get(username="admin")
    assert operator.is_superuser and operator.check_password(first["OperatorPassword"])
    demo = User.objects.get(pool=pool)
    assert demo.status == "CONFIRMED" and passwords.password_matches(demo, first["DemoUserPassword"])


def test_later_runs_reuse_it_and_print_no_secrets(db):
    first = run_json("seed_demo")
    again = run_json("seed_demo")
    assert (again["PoolId"], again["ClientId"]) == (first["PoolId"], first["ClientId"])
    assert not {"OperatorPassword", "DemoUserPassword"} & set(again)
    assert UserPool.objects.filter(name="Demo pool").count() == 1 and UserPoolClient.objects.count() == 1
    text = run_text("seed_demo")
    assert first["OperatorPassword"] not in text and "python manage.py changepassword admin" in text


def test_an_existing_admin_operator_is_left_alone(db, django_user_model):
    django_user_model.objects.create_superuser("admin", "", "Their-own-password-1")
    first = run_json("seed_demo")
    assert "OperatorPassword" not in first
    assert django_user_model.objects.get(username="admin").check_password("Their-own-password-1")


def test_when_the_console_requires_totp_the_operator_gets_a_device(db, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = True
    first = run_json("seed_demo")
    device = TOTPDevice.objects.get(user__username="admin")
    assert device.confirmed and first["OperatorTotpUri"] == device.config_url


def test_callback_falls_back_to_a_local_address_cognito_accepts(db, settings):
    settings.USERPOOLS_BASE_URL = "http://0.0.0.0:8000"  # http on a non-local host is not a valid callback
    first = run_json("seed_demo")
    assert UserPoolClient.objects.get(pk=first["ClientId"]).callback_urls == ["http://127.0.0.1:8000/callback-demo"]


def test_it_says_where_texted_codes_land(db, settings, tmp_path):
    settings.USERPOOLS_SMS_SENDER, settings.USERPOOLS_SMS_FILE = "file", str(tmp_path / "sms.jsonl")
    assert run_json("seed_demo")["SmsFile"] == str(tmp_path / "sms.jsonl")
    assert f"texts:     {tmp_path / 'sms.jsonl'}" in run_text("seed_demo")
    settings.USERPOOLS_SMS_SENDER = "console"
    assert "SmsFile" not in run_json("seed_demo")
