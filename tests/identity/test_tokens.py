"""Token minting, refresh with rotation and reuse detection, revocation, global sign-out; keys and rotation."""
import datetime

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from identity import clock
from identity.errors import NotAuthorizedException, RefreshTokenReuseException
from identity.models import SigningKey
from identity.services import keys, pools, tokens
from tests import factories


def _verify(pool, token):
    """Verify with joserfc against the published JWKS (not our own verifier)."""
    return jwt.decode(token, KeySet.import_key_set(keys.jwks(pool)), algorithms=["RS256"])


@pytest.fixture
def signed_in(pool, client_app):
    user = factories.create_user(
        pool=pool, attributes={"email": "ana@example.com", "email_verified": "true", "custom:team": "blue"}, groups=["admins"]
    )
    issued = tokens.issue_token_set(
        pool=pool, client=client_app, user=user, scopes=["openid", "email"], auth_time=clock.now(), nonce="n-1", with_at_hash=True
    )
    return user, issued


def test_id_and_access_tokens_carry_cognitos_claims(pool, client_app, signed_in):
    user, issued = signed_in
    id_token = _verify(pool, issued.id_token)
    access = _verify(pool, issued.access_token)
    assert id_token.header["kid"] == keys.signing_keys(pool).kid and id_token.header["alg"] == "RS256"
    assert id_token.claims["iss"] == pools.issuer_for(pool)
    assert id_token.claims["aud"] == client_app.client_id
    assert id_token.claims["token_use"] == "id"
    assert id_token.claims["cognito:username"] == user.username
    assert id_token.claims["email_verified"] is True and id_token.claims["custom:team"] == "blue"
    assert id_token.claims["cognito:groups"] == ["admins"]
    assert id_token.claims["nonce"] == "n-1" and "at_hash" in id_token.claims
    assert access.claims["token_use"] == "access" and "aud" not in access.claims
    assert access.claims["client_id"] == client_app.client_id and access.claims["scope"] == "openid email"
    assert access.claims["username"] == user.username and access.claims["origin_jti"] == id_token.claims["origin_jti"]
    assert access.claims["exp"] - access.claims["iat"] == 3600


def test_client_read_attributes_limit_id_token_claims(pool):
    client = factories.create_client(pool=pool, read_attributes=["email"])
    user = factories.create_user(pool=pool, attributes={"email": "b@example.com", "name": "Bea"})
    issued = tokens.issue_token_set(pool=pool, client=client, user=user, scopes=["openid"], auth_time=clock.now())
    claims = _verify(pool, issued.id_token).claims
    assert claims["email"] == "b@example.com" and "name" not in claims


def test_refresh_tokens_are_stored_only_as_digests(signed_in):
    user, issued = signed_in
    record = user.refresh_tokens.get()
    assert issued.refresh_token not in record.token_digest
    assert len(issued.refresh_token) >= 64


def test_refresh_with_rotation_and_reuse_detection(pool, client_app, signed_in):
    _, issued = signed_in
    renewed = tokens.refresh(pool=pool, client=client_app, refresh_token=issued.refresh_token)
    assert renewed.refresh_token and renewed.refresh_token != issued.refresh_token
    assert _verify(pool, renewed.id_token).claims["token_use"] == "id"
    with pytest.raises(RefreshTokenReuseException):
        tokens.refresh(pool=pool, client=client_app, refresh_token=issued.refresh_token)
    # Reuse revoked the whole family, including the token the honest client holds.
    with pytest.raises(NotAuthorizedException, match="revoked"):
        tokens.refresh(pool=pool, client=client_app, refresh_token=renewed.refresh_token)
    with pytest.raises(NotAuthorizedException, match="revoked"):
        tokens.verify_access_token(pool=pool, token=renewed.access_token)


def test_refresh_without_rotation_keeps_the_token(pool, signed_in):
    client = factories.create_client(pool=pool, refresh_token_rotation=False)
    user, _ = signed_in
    issued = tokens.issue_token_set(pool=pool, client=client, user=user, scopes=["openid"], auth_time=clock.now())
    for _ in range(2):
        renewed = tokens.refresh(pool=pool, client=client, refresh_token=issued.refresh_token)
        assert renewed.refresh_token is None


def test_refresh_refuses_other_clients_pools_and_expired_tokens(pool, client_app, signed_in, monkeypatch):
    _, issued = signed_in
    other_client = factories.create_client(pool=pool)
    with pytest.raises(NotAuthorizedException):
        tokens.refresh(pool=pool, client=other_client, refresh_token=issued.refresh_token)
    other_pool = factories.create_pool()
    with pytest.raises(NotAuthorizedException):
        tokens.refresh(pool=other_pool, client=factories.create_client(pool=other_pool), refresh_token=issued.refresh_token)
    later = clock.now() + datetime.timedelta(days=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(NotAuthorizedException, match="expired"):
        tokens.refresh(pool=pool, client=client_app, refresh_token=issued.refresh_token)


def test_revocation_revokes_refresh_and_access_tokens(pool, client_app, signed_in):
    _, issued = signed_in
    assert tokens.verify_access_token(pool=pool, token=issued.access_token).user is not None
    tokens.revoke_refresh_token(pool=pool, client=client_app, token=issued.refresh_token)
    with pytest.raises(NotAuthorizedException, match="revoked"):
        tokens.verify_access_token(pool=pool, token=issued.access_token)
    with pytest.raises(NotAuthorizedException, match="revoked"):
        tokens.refresh(pool=pool, client=client_app, refresh_token=issued.refresh_token)
    tokens.revoke_refresh_token(pool=pool, client=client_app, token="unknown")  # RFC 7009: not an error


def test_global_sign_out_revokes_everything_the_user_holds(pool, client_app, signed_in):
    user, issued = signed_in
    tokens.global_sign_out(user=user)
    with pytest.raises(NotAuthorizedException):
        tokens.verify_access_token(pool=pool, token=issued.access_token)
    with pytest.raises(NotAuthorizedException):
        tokens.refresh(pool=pool, client=client_app, refresh_token=issued.refresh_token)


def test_verifier_rejects_other_pools_tokens_and_tampering(db, real_keys):
    pool_a, pool_b = factories.create_pool(), factories.create_pool()
    user = factories.create_user(pool=pool_a)
    issued = tokens.issue_token_set(
        pool=pool_a, client=factories.create_client(pool=pool_a), user=user, scopes=["openid"], auth_time=clock.now()
    )
    with pytest.raises(NotAuthorizedException):
        tokens.verify_access_token(pool=pool_b, token=issued.access_token)
    header, payload, signature = issued.access_token.split(".")
    with pytest.raises(NotAuthorizedException):
        tokens.verify_access_token(pool=pool_a, token=f"{header}.{payload}.{signature[:-4]}AAAA")
    with pytest.raises(NotAuthorizedException):
        tokens.verify_access_token(pool=pool_a, token=issued.id_token)  # an ID token is not an access token


def test_client_credentials_token(pool):
    client = factories.create_client(pool=pool, secret=True)
    issued = tokens.issue_client_credentials_token(pool=pool, client=client, scopes=["api/read"])
    claims = _verify(pool, issued.access_token).claims
    assert claims["sub"] == client.client_id and claims["scope"] == "api/read" and issued.refresh_token is None
    verified = tokens.verify_access_token(pool=pool, token=issued.access_token)
    assert verified.user is None and verified.scopes == ["api/read"]


def test_keys_publish_next_before_signing_and_keep_retired(pool, client_app, signed_in):
    _, issued = signed_in
    published = {k["kid"] for k in keys.jwks(pool)["keys"]}
    upcoming = SigningKey.objects.get(pool=pool, state="next")
    assert upcoming.kid in published and len(published) == 2
    assert "private" not in upcoming.private_key_encrypted and "BEGIN" not in upcoming.private_key_encrypted
    new_current = keys.rotate_keys(pool=pool)
    assert new_current.kid == upcoming.kid
    after = tokens.issue_token_set(pool=pool, client=client_app, user=signed_in[0], scopes=["openid"], auth_time=clock.now())
    assert _verify(pool, after.access_token).header["kid"] == upcoming.kid
    assert _verify(pool, issued.access_token).claims["token_use"] == "access"  # old key still published
    assert len(keys.jwks(pool)["keys"]) == 3


def test_retired_keys_leave_the_jwks_once_their_tokens_expired(pool, monkeypatch):
    old = keys.signing_keys(pool).kid
    keys.rotate_keys(pool=pool)
    assert old in {k["kid"] for k in keys.published_keys_jwks(pool)["keys"]}
    later = clock.now() + keys.MAX_TOKEN_LIFETIME + datetime.timedelta(minutes=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert old not in {k["kid"] for k in keys.published_keys_jwks(pool)["keys"]}


def test_rotate_keys_command(pool):
    import json
    from io import StringIO

    from django.core.management import call_command

    before = keys.signing_keys(pool).kid
    out = StringIO()
    call_command("rotate_keys", "--pool", pool.id, "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["CurrentKid"] != before and before in result["PublishedKids"] and len(result["PublishedKids"]) == 3
    assert keys.signing_keys(pool).kid == result["CurrentKid"]  # the process cache was refreshed


@pytest.mark.parametrize(
    "fields",
    [
        {"access_token_validity": 4},  # minutes: under 5
        {"id_token_validity": 1441},  # minutes: over a day
        {"refresh_token_validity": 3651},  # days: over ten years
        {"refresh_token_validity": 30, "token_validity_units": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"}},
        {"auth_session_validity": 16},
    ],
)
def test_token_lifetimes_outside_cognitos_bounds_are_refused(pool, fields):
    from identity.errors import InvalidParameterException

    with pytest.raises(InvalidParameterException):
        factories.create_client(pool=pool, **fields)
    assert not pool.clients.exists()


def test_custom_lifetimes_show_in_tokens(pool):
    client = factories.create_client(pool=pool, access_token_validity=5, id_token_validity=1440)
    user = factories.create_user(pool=pool)
    issued = tokens.issue_token_set(pool=pool, client=client, user=user, scopes=["openid"], auth_time=clock.now())
    access, id_token = _verify(pool, issued.access_token).claims, _verify(pool, issued.id_token).claims
    assert access["exp"] - access["iat"] == 300 and id_token["exp"] - id_token["iat"] == 86400 and issued.expires_in == 300


def test_group_claims_order_and_preferred_role(pool, client_app):
    from identity.models import Group

    user = factories.create_user(pool=pool)
    for name, precedence, role in [("zeta", None, ""), ("beta", 5, "arn:aws:iam::1:role/beta"), ("alpha", 1, "arn:aws:iam::1:role/alpha")]:
        group = Group.objects.create(pool=pool, name=name, precedence=precedence, role_arn=role)
        user.memberships.create(pool=pool, group=group)
    issued = tokens.issue_token_set(pool=pool, client=client_app, user=user, scopes=["openid"], auth_time=clock.now())
    claims = _verify(pool, issued.id_token).claims
    assert claims["cognito:groups"] == ["alpha", "beta", "zeta"]
    assert claims["cognito:preferred_role"] == "arn:aws:iam::1:role/alpha"
    assert claims["cognito:roles"] == ["arn:aws:iam::1:role/alpha", "arn:aws:iam::1:role/beta"]
    assert _verify(pool, issued.access_token).claims["cognito:groups"] == ["alpha", "beta", "zeta"]


def test_at_hash_only_where_cognito_puts_it(pool, client_app):
    user = factories.create_user(pool=pool)
    api = tokens.issue_token_set(pool=pool, client=client_app, user=user, scopes=["aws.cognito.signin.user.admin"], auth_time=clock.now())
    assert "at_hash" not in _verify(pool, api.id_token).claims
    oauth = tokens.issue_token_set(pool=pool, client=client_app, user=user, scopes=["openid"], auth_time=clock.now(), with_at_hash=True)
    import base64
    import hashlib

    digest = hashlib.sha256(oauth.access_token.encode()).digest()
    assert _verify(pool, oauth.id_token).claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
