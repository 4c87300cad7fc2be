"""A pool provisioned end to end with the AWS CLI, pointed at us with --endpoint-url."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from cognito_api.credentials import create_access_key as create_credential
from identity.models import User, UserPool

AWS = str(Path(sys.executable).with_name("aws"))


@pytest.fixture
def aws(live_server, transactional_db, tmp_path):
    operator = get_user_model().objects.create_superuser("ops", "ops@example.com", "Operator-Pass-123")
    key, secret = create_credential(operator=operator)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": key.access_key_id, "AWS_SECRET_ACCESS_KEY": secret,
           "AWS_DEFAULT_REGION": "local", "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}

    def run(*args: str) -> dict:
        done = subprocess.run([AWS, "--endpoint-url", live_server.url, "--output", "json", "cognito-idp", *args],
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    return run


def test_provision_a_pool_with_the_aws_cli(aws):
    pool = aws("create-user-pool", "--pool-name", "CLI pool", "--username-attributes", "email",
               "--policies", "PasswordPolicy={MinimumLength=10,RequireSymbols=false}")["UserPool"]
    client = aws("create-user-pool-client", "--user-pool-id", pool["Id"], "--client-name", "web", "--generate-secret",
                 "--explicit-auth-flows", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")["UserPoolClient"]
    assert client["ClientSecret"]
    aws("create-group", "--user-pool-id", pool["Id"], "--group-name", "staff")
    aws("admin-create-user", "--user-pool-id", pool["Id"], "--username", "ana@example.com", "--message-action", "SUPPRESS",
        "--user-attributes", "Name=email_verified,Value=true")
    aws("admin-set-user-password", "--user-pool-id", pool["Id"], "--username", "ana@example.com", "--password", "Cli-Passw0rd", "--permanent")
    aws("admin-add-user-to-group", "--user-pool-id", pool["Id"], "--username", "ana@example.com", "--group-name", "staff")
    listed = aws("list-users", "--user-pool-id", pool["Id"], "--filter", 'email ^= "ana"')["Users"]
    assert len(listed) == 1 and listed[0]["UserStatus"] == "CONFIRMED"
    assert UserPool.objects.get(pk=pool["Id"]).password_minimum_length == 10
    assert User.objects.get(pool_id=pool["Id"]).groups.get().name == "staff"
