"""The operator CLI: each command's --json output, and its errors (which change nothing)."""
import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from identity.models import Group, User, UserPool, UserPoolClient
from identity.services import passwords, pools


def run(*args) -> dict:
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_create_pool(db):
    result = run("create_pool", "--name", "Shop", "--username-attributes", "email")
    pool = UserPool.objects.get(pk=result["Id"])
    assert result["Issuer"] == pools.issuer_for(pool) and pool.username_attributes == ["email"]


def test_create_client_prints_the_secret_once(pool):
    result = run("create_client", "--pool", pool.id, "--name", "web", "--secret", "--callback-url", "https://a.example.com/cb",
                 "--oauth-flows", "code", "--scopes", "openid email", "--auth-flows", "ALLOW_USER_PASSWORD_AUTH,ALLOW_REFRESH_TOKEN_AUTH")
    client = UserPoolClient.objects.get(pk=result["ClientId"])
    assert pools.check_client_secret(client, result["ClientSecret"])
    assert client.allowed_oauth_scopes == ["openid", "email"] and client.explicit_auth_flows == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    public = run("create_client", "--pool", pool.id, "--name", "spa")
    assert "ClientSecret" not in public


def test_create_user(pool):
    Group.objects.create(pool=pool, name="staff")
    result = run("create_user", "--pool", pool.id, "--username", "ana", "--password", "Sup3r-secret", "--email", "ana@example.com",
                 "--attribute", "given_name=Ana", "--group", "staff")
    user = User.objects.get(sub=result["Sub"])
    assert result["Username"] == "ana" and user.status == "CONFIRMED" and user.is_verified("email")
    assert user.attributes["given_name"] == "Ana" and passwords.password_matches(user, "Sup3r-secret")
    assert list(user.groups.values_list("name", flat=True)) == ["staff"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--password", "weak"], "InvalidPasswordException"),
    (["--password", "Sup3r-secret", "--group", "nope"], "ResourceNotFoundException"),
    (["--password", "Sup3r-secret", "--attribute", "shoe_size=44"], "InvalidParameterException"),
    (["--password", "Sup3r-secret", "--attribute", "novalue"], "InvalidParameterException"),
])
def test_create_user_errors_change_nothing(pool, extra, message):
    with pytest.raises(CommandError, match=message):
        run("create_user", "--pool", pool.id, "--username", "bob", *extra)
    assert not User.objects.filter(pool=pool).exists()


def test_duplicate_user_and_unknown_pool(pool):
    run("create_user", "--pool", pool.id, "--username", "bob", "--password", "Sup3r-secret")
    with pytest.raises(CommandError, match="UsernameExistsException"):
        run("create_user", "--pool", pool.id, "--username", "BOB", "--password", "Sup3r-secret")
    with pytest.raises(CommandError, match="ResourceNotFoundException"):
        run("create_client", "--pool", "local_missing00", "--name", "x")


def test_create_operator_with_totp(db):
    result = run("create_operator", "--username", "ops", "--totp")
    operator = get_user_model().objects.get(username="ops")
    assert operator.is_superuser and operator.check_password(result["Password"])
    assert result["TotpUri"].startswith("otpauth://totp/")
    with pytest.raises(CommandError):
        run("create_operator", "--username", "ops")


def test_seed_demo_is_idempotent_and_shows_secrets_once(db):
    first = run("seed_demo")
    assert first["OperatorPassword"] and first["DemoUserPassword"]
    again = run("seed_demo")
    assert again["PoolId"] == first["PoolId"] and "OperatorPassword" not in again
    assert UserPool.objects.filter(name="Demo pool").count() == 1
    operator = get_user_model().objects.get(username="admin")
    assert operator.check_password(first["OperatorPassword"])
    demo = User.objects.get(pool_id=first["PoolId"])
    assert passwords.password_matches(demo, first["DemoUserPassword"])


def test_human_output(pool):
    out = StringIO()
    call_command("create_pool", "--name", "Readable", stdout=out)
    assert "Created pool Readable" in out.getvalue() and "issuer:" in out.getvalue()
