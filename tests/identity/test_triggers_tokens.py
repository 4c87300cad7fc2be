"""Pre token generation V1_0, V2_0 and V3_0: the events, and what each may change in the tokens."""
from __future__ import annotations

import pytest

from identity import triggers
from identity.errors import InvalidLambdaResponseException
from identity.services import triggers_config
from tests import factories
from tests.identity import triggers_support as support

RECORD = "python:tests.identity.triggers_support.record"
ID_CLAIMS = {"sub": "s-1", "cognito:username": "ana", "email": "ana@example.com", "cognito:groups": ["staff"], "token_use": "id"}
ACCESS_CLAIMS = {"sub": "s-1", "username": "ana", "client_id": "c", "scope": "openid email", "cognito:groups": ["staff"], "token_use": "access"}


@pytest.fixture(autouse=True)
def _clean_handlers():
    support.reset()
    yield
    support.reset()


def pool_with(version: str):
    pool = factories.create_pool()
    return triggers_config.set_lambda_config(pool=pool, lambda_config={"PreTokenGenerationConfig": {"LambdaVersion": version, "LambdaArn": RECORD}})


def test_v1_event_and_id_token_changes(db):
    pool = pool_with("V1_0")
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool, attributes={"email": "ana@example.com"}, groups=["staff"])
    support.answer.update(claimsOverrideDetails={
        "claimsToAddOrOverride": {"tenant": "acme", "email": "other@example.com", "sub": "forged", "cognito:groups": "x"},
        "claimsToSuppress": ["email", "iss"],
        "groupOverrideDetails": {"groupsToOverride": ["admins"], "iamRolesToOverride": ["arn:aws:iam::1:role/a"], "preferredRole": "arn:aws:iam::1:role/a"},
    })
    changes = triggers.pre_token_generation(pool=pool, client=client, user=user, source="TokenGeneration_Authentication", scopes=["openid"])
    event = support.events[-1]
    assert event["version"] == "1" and event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["request"]["groupConfiguration"] == {"groupsToOverride": ["staff"], "iamRolesToOverride": [], "preferredRole": None}
    assert "scopes" not in event["request"]  # V1 events carry no scopes
    assert event["response"] == {"claimsOverrideDetails": None}

    id_claims = changes.apply_to_id_token(ID_CLAIMS)
    assert id_claims["tenant"] == "acme" and id_claims["sub"] == "s-1"  # reserved: not overridden
    assert "email" not in id_claims  # suppression wins over an override of the same claim
    assert id_claims["cognito:groups"] == ["admins"] and id_claims["cognito:preferred_role"] == "arn:aws:iam::1:role/a"
    assert set(changes.ignored) == {"sub", "cognito:groups", "iss"}
    # V1 changes nothing in the access token but its groups.
    access = changes.apply_to_access_token(ACCESS_CLAIMS)
    assert access == {**ACCESS_CLAIMS, "cognito:groups": ["admins"]}


def test_v1_refuses_structured_claim_values(db):
    pool = pool_with("V1_0")
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool)
    support.answer.update(claimsOverrideDetails={"claimsToAddOrOverride": {"roles": ["a", "b"]}})
    with pytest.raises(InvalidLambdaResponseException, match="V1_0"):
        triggers.pre_token_generation(pool=pool, client=client, user=user, source="TokenGeneration_HostedAuth")


def test_v2_changes_both_tokens_and_scopes(db):
    pool = pool_with("V2_0")
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool)
    support.answer.update(claimsAndScopeOverrideDetails={
        "idTokenGeneration": {"claimsToAddOrOverride": {"plan": {"tier": "gold"}}, "claimsToSuppress": ["email"]},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"entitlements": ["read", "write"], "client_id": "forged", "scope": "admin"},
            "claimsToSuppress": ["cognito:groups", "username"],
            "scopesToAdd": ["photos/read"], "scopesToSuppress": ["email"],
        },
        "groupOverrideDetails": {"groupsToOverride": []},
    })
    changes = triggers.pre_token_generation(pool=pool, client=client, user=user, source="TokenGeneration_RefreshTokens", scopes=["openid", "email"])
    event = support.events[-1]
    assert event["version"] == "2" and event["request"]["scopes"] == ["openid", "email"]
    assert event["response"] == {"claimsAndScopeOverrideDetails": None}

    id_claims = changes.apply_to_id_token(ID_CLAIMS)
    assert id_claims["plan"] == {"tier": "gold"} and "email" not in id_claims and "cognito:groups" not in id_claims
    access = changes.apply_to_access_token(ACCESS_CLAIMS)
    assert access["entitlements"] == ["read", "write"] and access["client_id"] == "c" and access["username"] == "ana"
    assert access["scope"] == "openid photos/read" and "cognito:groups" not in access
    assert set(changes.ignored) == {"client_id", "scope", "username"}


def test_client_credentials_only_reach_a_v3_trigger(db):
    for version, invoked in (("V1_0", False), ("V2_0", False), ("V3_0", True)):
        support.reset()
        pool = pool_with(version)
        client = factories.create_client(pool=pool)
        support.answer.update(claimsAndScopeOverrideDetails={"accessTokenGeneration": {"claimsToAddOrOverride": {"m2m": "yes"}}})
        changes = triggers.pre_token_generation(pool=pool, client=client, user=None, source="TokenGeneration_ClientCredentials", scopes=["api/read"])
        assert bool(support.events) is invoked, version
        if invoked:
            event = support.events[-1]
            assert event["version"] == "3" and event["userName"] is None and event["request"]["userAttributes"] == {}
            assert changes.apply_to_access_token({"client_id": client.client_id, "scope": "api/read"})["m2m"] == "yes"
        else:
            assert changes is triggers.NO_CHANGES


def test_a_v2_answer_with_a_bad_scope_list(db):
    pool = pool_with("V2_0")
    client = factories.create_client(pool=pool)
    user = factories.create_user(pool=pool)
    support.answer.update(claimsAndScopeOverrideDetails={"accessTokenGeneration": {"scopesToAdd": "photos/read"}})
    with pytest.raises(InvalidLambdaResponseException, match="scopesToAdd"):
        triggers.pre_token_generation(pool=pool, client=client, user=user, source="TokenGeneration_Authentication")


def test_legacy_pre_token_generation_key_is_v1(db):
    pool = triggers_config.set_lambda_config(pool=factories.create_pool(), lambda_config={"PreTokenGeneration": RECORD})
    assert pool.lambda_config["PreTokenGenerationConfig"] == {"LambdaVersion": "V1_0", "LambdaArn": RECORD}
    assert triggers_config.target_for(pool, "PreTokenGeneration").version == "V1_0"
