"""create_client prints the client id, and the secret once when asked for one."""
from __future__ import annotations

import pytest
from django.core.management import CommandError

from identity.models import UserPoolClient
from identity.services import pools
from tests.commands.conftest import run_json, run_text


def test_confidential_client_with_oauth_settings(pool):
    result = run_json(
        "create_client", "--pool", pool.id, "--name", "web", "--secret",
        "--callback-url", "https://a.example.com/cb", "--callback-url", "https://b.example.com/cb",
        "--logout-url", "https://a.example.com/", "--oauth-flows", "code,client_credentials",
        "--scopes", "openid email", "--auth-flows", "ALLOW_USER_PASSWORD_AUTH,ALLOW_REFRESH_TOKEN_AUTH",
    )
    client = UserPoolClient.objects.get(pk=result["ClientId"])
    assert set(result) == {"ClientId", "ClientSecret"} and pools.check_client_secret(client, result["ClientSecret"])
    assert client.callback_urls == ["https://a.example.com/cb", "https://b.example.com/cb"]
    assert client.logout_urls == ["https://a.example.com/"]
    assert client.allowed_oauth_flows == ["code", "client_credentials"] and client.allowed_oauth_scopes == ["openid", "email"]
    assert client.explicit_auth_flows == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_public_client_has_no_secret(pool):
    result = run_json("create_client", "--pool", pool.id, "--name", "spa")
    assert set(result) == {"ClientId"} and not UserPoolClient.objects.get(pk=result["ClientId"]).has_secret
    assert UserPoolClient.objects.get(pk=result["ClientId"]).explicit_auth_flows == pools.DEFAULT_AUTH_FLOWS


def test_human_output_warns_the_secret_is_shown_once(pool):
    assert "shown once" in run_text("create_client", "--pool", pool.id, "--name", "web", "--secret")


def test_unknown_pool(db):
    with pytest.raises(CommandError, match="ResourceNotFoundException"):
        run_json("create_client", "--pool", "local_missing00", "--name", "x")


@pytest.mark.parametrize("args", [
    ["--callback-url", "http://evil.example.com/cb"],
    ["--oauth-flows", "password"],
    ["--auth-flows", "ALLOW_EVERYTHING"],
])
def test_invalid_settings_fail_and_create_nothing(pool, args):
    with pytest.raises(CommandError, match="InvalidParameterException"):
        run_json("create_client", "--pool", pool.id, "--name", "bad", *args)
    assert not UserPoolClient.objects.filter(pool=pool).exists()
