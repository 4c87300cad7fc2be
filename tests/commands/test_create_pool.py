"""create_pool prints the new pool's id and issuer."""
from __future__ import annotations

import pytest
from django.core.management import CommandError

from identity.models import AuditEvent, UserPool
from identity.services import pools
from tests.commands.conftest import run_json, run_text


def test_json_names_the_pool_and_its_issuer(db):
    result = run_json("create_pool", "--name", "Shop", "--username-attributes", "email")
    pool = UserPool.objects.get(pk=result["Id"])
    assert result == {"Id": pool.id, "Issuer": pools.issuer_for(pool)}
    assert pool.username_attributes == ["email"] and pool.auto_verified_attributes == ["email"]
    assert AuditEvent.objects.filter(pool=pool, event_type="CreateUserPool", actor="cli:create_pool").exists()


def test_aliases_and_case_sensitivity(db):
    result = run_json("create_pool", "--name", "Aliased", "--alias-attributes", "email,preferred_username", "--case-sensitive")
    pool = UserPool.objects.get(pk=result["Id"])
    assert pool.alias_attributes == ["email", "preferred_username"] and pool.case_sensitive


def test_human_output(db):
    text = run_text("create_pool", "--name", "Readable")
    assert "Created pool Readable" in text and "issuer:" in text


@pytest.mark.parametrize("args", [
    ["--username-attributes", "email", "--alias-attributes", "phone_number"],
    ["--username-attributes", "nickname"],
])
def test_invalid_identifiers_fail_and_create_nothing(db, args):
    with pytest.raises(CommandError, match="InvalidParameterException"):
        run_json("create_pool", "--name", "Broken", *args)
    assert not UserPool.objects.exists()
