"""RevokeToken over boto3: a refresh token is revoked with what it minted; other tokens are not Cognito's to revoke.

Cognito's model (botocore's service-2.json) lists UnsupportedTokenTypeException for a token that is
not a refresh token and a Token pattern of [A-Za-z0-9-_=.]+; an unknown or spent refresh token
answers 200 as /oauth2/revoke does (RFC 7009 §2.2).
"""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from identity.models import RefreshToken, UserPoolClient
from tests import factories

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def pool(transactional_db):
    return factories.create_pool()


@pytest.fixture
def app(pool):
    return factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@pytest.fixture
def signed_in(idp, app, pool):
    factories.create_user(pool=pool, username="rita")
    return idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "rita", "PASSWORD": PASSWORD})["AuthenticationResult"]


def _error(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def _still_signed_in(idp, app, tokens) -> bool:
    idp.get_user(AccessToken=tokens["AccessToken"])  # raises if the access token was revoked
    refreshed = idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    return bool(refreshed["AuthenticationResult"]["AccessToken"])


def test_an_access_or_id_token_is_an_unsupported_token_type_and_revokes_nothing(idp, app, signed_in):
    for token in (signed_in["AccessToken"], signed_in["IdToken"]):
        code, message = _error(idp.revoke_token, Token=token, ClientId=app.client_id)
        assert code == "UnsupportedTokenTypeException" and "refresh" in message
    assert RefreshToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert _still_signed_in(idp, app, signed_in)


def test_an_unknown_or_already_revoked_refresh_token_answers_200(idp, app, signed_in):
    assert idp.revoke_token(Token="bm90LWEtcmVhbC10b2tlbg", ClientId=app.client_id)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _still_signed_in(idp, app, signed_in)  # nothing else was touched
    idp.revoke_token(Token=signed_in["RefreshToken"], ClientId=app.client_id)
    assert idp.revoke_token(Token=signed_in["RefreshToken"], ClientId=app.client_id)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _error(idp.get_user, AccessToken=signed_in["AccessToken"])[0] == "NotAuthorizedException"


def test_a_token_outside_cognitos_pattern_is_an_invalid_parameter(idp, app, signed_in):
    for malformed in ("not a token", "abc!def", "tok/en+"):
        code, message = _error(idp.revoke_token, Token=malformed, ClientId=app.client_id)
        assert code == "InvalidParameterException" and "regular expression pattern" in message
    assert _still_signed_in(idp, app, signed_in)


def test_a_token_that_only_looks_like_a_jwt_is_an_unknown_refresh_token(idp, app):
    # three dot-separated parts but no JOSE header: not an access token, so simply not found
    assert idp.revoke_token(Token="abc.def.ghi", ClientId=app.client_id)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_another_clients_refresh_token_is_refused_and_stays_valid(idp, app, pool, signed_in):
    other = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    assert _error(idp.revoke_token, Token=signed_in["RefreshToken"], ClientId=other.client_id)[0] == "UnauthorizedException"
    assert _still_signed_in(idp, app, signed_in)


def test_a_client_without_revocation_gets_unsupported_operation(idp, app, signed_in):
    UserPoolClient.objects.filter(pk=app.pk).update(enable_token_revocation=False)
    from identity import localcache

    localcache.clear()
    assert _error(idp.revoke_token, Token=signed_in["RefreshToken"], ClientId=app.client_id)[0] == "UnsupportedOperationException"
