"""PreTokenGeneration V1/V2/V3 over the Cognito API (boto3) and the OAuth token endpoint, in-process and as webhooks."""
from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from identity import localcache
from identity.models import RefreshToken
from identity.services import pools
from tests import factories
from tests.identity.trigger_handlers import clean_handlers, install, seen, sources, target  # noqa: F401 (fixtures)
from tests.oidc.conftest import CALLBACK, browser, callback_params, verify  # noqa: F401 (fixture)

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def pool(transactional_db):
    return factories.create_pool()


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@pytest.fixture
def ana(pool):
    return factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true", "name": "Ana"}, groups=["staff"])


def sign_in(idp, app, username="ana"):
    answer = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    return answer["AuthenticationResult"]


def claims(live_server, pool, token) -> dict:
    return verify(live_server.url, pool, token).claims


def test_v1_changes_the_id_token_only(idp, live_server, pool, app, ana, target):
    install(pool, PreTokenGeneration=target("claims_v1"))
    issued = sign_in(idp, app)
    id_claims, access = claims(live_server, pool, issued["IdToken"]), claims(live_server, pool, issued["AccessToken"])
    assert id_claims["tenant"] == "acme" and id_claims["name"] == "Overridden" and "email" not in id_claims
    assert id_claims["cognito:groups"] == ["from-trigger"] and id_claims["sub"] == str(ana.sub)
    # V1 leaves the access token's own claims alone; the group override applies to both tokens.
    assert "tenant" not in access and access["cognito:groups"] == ["from-trigger"] and access["scope"] == "aws.cognito.signin.user.admin"
    event = seen[-1]
    assert event["version"] == "1" and event["triggerSource"] == "TokenGeneration_Authentication" and "scopes" not in event["request"]
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == ["staff"]


def test_v2_changes_both_tokens_and_scopes_also_on_refresh(idp, live_server, pool, app, ana, target):
    install(pool, PreTokenGenerationConfig={"LambdaVersion": "V2_0", "LambdaArn": target("claims_v2")})
    issued = sign_in(idp, app)
    id_claims, access = claims(live_server, pool, issued["IdToken"]), claims(live_server, pool, issued["AccessToken"])
    assert id_claims["tenant"] == "acme" and "email" not in id_claims and id_claims["cognito:groups"] == ["staff"]
    assert access["tenant"] == "acme" and access["roles"] == ["reader", "writer"] and "cognito:groups" not in access
    assert access["scope"] == "tenants/acme"
    assert seen[-1]["version"] == "2" and seen[-1]["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    refreshed = idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": issued["RefreshToken"]})
    assert claims(live_server, pool, refreshed["AuthenticationResult"]["AccessToken"])["tenant"] == "acme"
    assert sources() == ["TokenGeneration_Authentication", "TokenGeneration_RefreshTokens"]


def test_reserved_claims_cannot_be_changed(idp, live_server, pool, app, ana):
    install(pool, PreTokenGeneration="python:tests.identity.trigger_handlers.claims_greedy")
    id_claims = claims(live_server, pool, sign_in(idp, app)["IdToken"])
    assert id_claims["sub"] == str(ana.sub) and id_claims["aud"] == app.client_id and id_claims["iss"].endswith(pool.id)
    assert seen[-1]["triggerSource"] == "TokenGeneration_Authentication"


def test_a_failing_trigger_issues_nothing(idp, pool, app, ana, target):
    install(pool, PreTokenGeneration=target("claims_fail"))
    with pytest.raises(ClientError) as caught:
        sign_in(idp, app)
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("UserLambdaValidationException", "PreTokenGeneration failed with error Claims service unavailable.")
    assert not RefreshToken.objects.filter(user=ana).exists()


def test_a_failing_trigger_on_refresh_leaves_the_refresh_token_usable(idp, pool, app, ana):
    refresh = sign_in(idp, app)["RefreshToken"]
    install(pool, PreTokenGeneration="python:tests.identity.trigger_handlers.claims_fail")
    localcache.clear()  # the client (and its pool) was cached by the sign-in; production waits a few seconds
    with pytest.raises(ClientError):
        idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})
    install(pool)
    localcache.clear()
    assert idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})["AuthenticationResult"]


def test_new_password_challenge_is_its_own_source(idp, pool, app):
    factories.create_user(pool=pool, username="bea", status="FORCE_CHANGE_PASSWORD")
    install(pool, PreTokenGeneration="python:tests.identity.trigger_handlers.claims_v1")
    challenge = idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bea", "PASSWORD": PASSWORD})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and seen == []
    idp.respond_to_auth_challenge(
        ClientId=app.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "bea", "NEW_PASSWORD": "Brand-New-Passw0rd!"},
    )
    assert sources() == ["TokenGeneration_NewPasswordChallenge"]


def _machine(pool):
    pools.create_resource_server(pool=pool, identifier="audit", name="Audit", scopes=[{"ScopeName": "read"}, {"ScopeName": "write"}])
    pools.create_resource_server(pool=pool, identifier="api", name="API", scopes=[{"ScopeName": "read"}])
    return factories.create_client(pool=pool, secret=True, allowed_oauth_flows=["client_credentials"], allowed_oauth_scopes=["api/read"])


def _client_credentials(live_server, pool, machine):
    response = requests.post(
        f"{live_server.url}/{pool.id}/oauth2/token", auth=(machine.client_id, machine.plain_secret),
        data={"grant_type": "client_credentials", "scope": "api/read"}, timeout=10,
    )
    assert response.status_code == 200, response.text
    return verify(live_server.url, pool, response.json()["access_token"]).claims


def test_v3_changes_client_credentials_tokens(live_server, pool, target):
    machine = _machine(pool)
    install(pool, PreTokenGenerationConfig={"LambdaVersion": "V3_0", "LambdaArn": target("claims_v3")})
    access = _client_credentials(live_server, pool, machine)
    assert access["machine"] == "yes" and access["scope"] == "api/read audit/read" and access["sub"] == machine.client_id
    event = seen[-1]
    assert event["version"] == "3" and event["triggerSource"] == "TokenGeneration_ClientCredentials" and event["userName"] is None
    assert event["request"]["scopes"] == ["api/read"] and event["callerContext"]["clientId"] == machine.client_id


@pytest.mark.parametrize("version", ["V1_0", "V2_0"])
def test_v1_and_v2_are_not_called_for_client_credentials(live_server, pool, version):
    machine = _machine(pool)
    install(pool, PreTokenGenerationConfig={"LambdaVersion": version, "LambdaArn": "python:tests.identity.trigger_handlers.claims_v3"})
    access = _client_credentials(live_server, pool, machine)
    assert "machine" not in access and access["scope"] == "api/read" and seen == []


def test_hosted_sign_in_tokens_are_hosted_auth(live_server, browser, pool, ana):  # noqa: F811 (fixture)
    web = factories.create_client(pool=pool, secret=True, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email"], callback_urls=[CALLBACK])
    install(pool, PreTokenGenerationConfig={"LambdaVersion": "V2_0", "LambdaArn": "python:tests.identity.trigger_handlers.claims_v2"})
    verifier = generate_token(48)
    url = (f"{live_server.url}/{pool.id}/oauth2/authorize?response_type=code&client_id={web.client_id}&redirect_uri={CALLBACK}"
           f"&scope=openid+email&code_challenge={create_s256_code_challenge(verifier)}&code_challenge_method=S256")
    code = callback_params(browser.sign_in(url, "ana"))["code"]
    response = requests.post(
        f"{live_server.url}/{pool.id}/oauth2/token", auth=(web.client_id, web.plain_secret),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}, timeout=10,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert claims(live_server, pool, body["id_token"])["tenant"] == "acme"
    assert claims(live_server, pool, body["access_token"])["scope"] == "openid email tenants/acme"
    assert sources() == ["TokenGeneration_HostedAuth"] and seen[0]["request"]["scopes"] == ["openid", "email"]
