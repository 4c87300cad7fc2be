"""The Lambdas shown in docs/triggers.md run unchanged as in-process targets."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from identity import triggers
from identity.errors import UserLambdaValidationException
from identity.models import User
from identity.services import triggers_config
from tests import factories

DOCS = Path(__file__).resolve().parents[2] / "docs" / "triggers.md"


def example(name: str) -> str:
    """The python block that follows `<!-- example: name -->` in the docs, exactly as written there."""
    found = re.search(rf"<!-- example: {name} -->\n```python\n(.*?)```", DOCS.read_text(), re.S)
    assert found, f"docs/triggers.md has no example {name}"
    return found.group(1)


@pytest.fixture
def ported(tmp_path, monkeypatch):
    """Writes a docs example as a module of its own and returns its python: target."""
    def install(name: str) -> str:
        # A package per example: each test has its own tmp_path, and imports are cached by name.
        package = tmp_path / f"ported_{name}"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "handler.py").write_text(example(name))
        return f"python:ported_{name}.handler.lambda_handler"

    monkeypatch.syspath_prepend(str(tmp_path))
    yield install
    triggers_config.load_callable.cache_clear()


def test_the_pre_sign_up_example(db, ported):
    pool = triggers_config.set_lambda_config(pool=factories.create_pool(), lambda_config={"PreSignUp": ported("pre_sign_up")})
    ours = triggers.pre_sign_up(pool=pool, user=User(pool=pool, username="ana", attributes={"email": "Ana@Example.com"}))
    assert ours == triggers.PreSignUpOutcome(auto_confirm=True, auto_verify_email=True)
    theirs = triggers.pre_sign_up(pool=pool, user=User(pool=pool, username="bo", attributes={"email": "bo@elsewhere.org"}))
    assert theirs == triggers.PreSignUpOutcome()
    with pytest.raises(UserLambdaValidationException, match="^PreSignUp failed with error An email address is required.$"):
        triggers.pre_sign_up(pool=pool, user=User(pool=pool, username="cy", attributes={}))


def test_the_pre_token_generation_example(db, ported):
    target = ported("pre_token_generation")
    pool = factories.create_pool()
    pool = triggers_config.set_lambda_config(pool=pool, lambda_config={"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": target}})
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, attributes={"custom:tenant": "acme"})
    changes = triggers.pre_token_generation(pool=pool, client=client, user=user, source="TokenGeneration_Authentication", scopes=["openid"])
    assert changes.apply_to_id_token({"sub": "s"})["tenant"] == "acme"
    access = changes.apply_to_access_token({"sub": "s", "scope": "openid"})
    assert access["tenant"] == "acme" and access["scope"] == "openid tenants/acme"
