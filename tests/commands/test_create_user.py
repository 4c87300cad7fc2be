"""create_user makes a CONFIRMED user with a permanent password, or fails and changes nothing."""
from __future__ import annotations

import pytest
from django.core.management import CommandError

from identity.context import SYSTEM
from identity.models import AuditEvent, User
from identity.services import groups, passwords
from tests import factories
from tests.commands.conftest import run_json, run_text


def test_confirmed_user_with_attributes_and_groups(pool):
    groups.create_group(pool=pool, name="staff", context=SYSTEM)
    result = run_json("create_user", "--pool", pool.id, "--username", "ana", "--password", "Sup3r-secret",
                      "--email", "ana@example.com", "--attribute", "given_name=Ana", "--group", "staff")
    user = User.objects.get(sub=result["Sub"])
    assert result == {"Username": "ana", "Sub": str(user.sub)}
    assert user.status == "CONFIRMED" and user.is_verified("email") and user.attributes["given_name"] == "Ana"
    assert passwords.password_matches(user, "Sup3r-secret") and user.temporary_password_expires_at is None
    assert list(user.groups.values_list("name", flat=True)) == ["staff"]
    assert AuditEvent.objects.filter(user=user, event_type="AdminCreateUser", actor="cli:create_user").exists()


def test_email_username_pool_reports_the_sub_as_username(db, mailoutbox):
    pool = factories.create_pool(username_attributes=["email"])
    result = run_json("create_user", "--pool", pool.id, "--username", "eve@example.com", "--password", "Sup3r-secret",
                      "--email", "eve@example.com")
    user = User.objects.get(pool=pool)
    assert result["Username"] == user.username == str(user.sub) and user.email == "eve@example.com"
    assert mailoutbox == []  # no invitation: the password is permanent


def test_human_output(pool):
    assert "Created user bob" in run_text("create_user", "--pool", pool.id, "--username", "bob", "--password", "Sup3r-secret")


@pytest.mark.parametrize(("extra", "error"), [
    (["--password", "weak"], "InvalidPasswordException"),
    (["--password", "Sup3r-secret", "--group", "nope"], "ResourceNotFoundException"),
    (["--password", "Sup3r-secret", "--attribute", "shoe_size=44"], "InvalidParameterException"),
    (["--password", "Sup3r-secret", "--attribute", "novalue"], "InvalidParameterException"),
    (["--password", "Sup3r-secret", "--email", "not-an-email"], "InvalidParameterException"),
])
def test_errors_change_nothing(pool, extra, error):
    with pytest.raises(CommandError, match=error):
        run_json("create_user", "--pool", pool.id, "--username", "bob", *extra)
    assert not User.objects.filter(pool=pool).exists()
    assert not AuditEvent.objects.filter(pool=pool, event_type="AdminCreateUser").exists()


def test_duplicate_user(pool):
    run_json("create_user", "--pool", pool.id, "--username", "bob", "--password", "Sup3r-secret")
    with pytest.raises(CommandError, match="UsernameExistsException"):
        run_json("create_user", "--pool", pool.id, "--username", "BOB", "--password", "Sup3r-secret")
    assert User.objects.filter(pool=pool).count() == 1


def test_unknown_pool(db):
    with pytest.raises(CommandError, match="ResourceNotFoundException"):
        run_json("create_user", "--pool", "local_missing00", "--username", "bob", "--password", "Sup3r-secret")
