"""USER_SRP_AUTH against pycognito's own SRP client (the maths Amplify and the JS SDK share)."""
import datetime

import pytest
from botocore.exceptions import ClientError
from botocore.config import Config
from pycognito.aws_srp import AWSSRP

from identity.services import srp, users
from tests import factories

PASSWORD = factories.DEFAULT_PASSWORD


@pytest.fixture
def srp_pool(transactional_db):
    return factories.create_pool()


@pytest.fixture
def srp_client(srp_pool):
    return factories.create_client(pool=srp_pool, explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


def test_pycognito_signs_in_with_srp(idp, srp_pool, srp_client):
    factories.create_user(pool=srp_pool, username="ana")
    tokens = AWSSRP(username="ANA", password=PASSWORD, pool_id=srp_pool.id, client_id=srp_client.client_id, client=idp).authenticate_user()
    assert tokens["AuthenticationResult"]["AccessToken"] and tokens["AuthenticationResult"]["RefreshToken"]
    assert idp.get_user(AccessToken=tokens["AuthenticationResult"]["AccessToken"])["Username"] == "ana"


def test_wrong_password_is_not_authorized(idp, srp_pool, srp_client):
    factories.create_user(pool=srp_pool, username="ana")
    with pytest.raises(ClientError) as excinfo:
        AWSSRP(username="ana", password="Wrong-Passw0rd!", pool_id=srp_pool.id, client_id=srp_client.client_id, client=idp).authenticate_user()
    assert excinfo.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_email_username_pool_uses_the_internal_username(idp):
    pool = factories.create_pool(username_attributes=["email"])
    client = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_SRP_AUTH"])
    users.admin_create_user(pool=pool, username="ana@example.com", message_action="SUPPRESS")
    from identity.services import passwords

    passwords.admin_set_user_password(pool=pool, username="ana@example.com", password=PASSWORD, permanent=True)
    tokens = AWSSRP(username="ana@example.com", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp).authenticate_user()
    assert tokens["AuthenticationResult"]["IdToken"]


def test_secret_hash_clients(idp, srp_pool):
    client = factories.create_client(pool=srp_pool, secret=True, explicit_auth_flows=["ALLOW_USER_SRP_AUTH"])
    factories.create_user(pool=srp_pool, username="bob")
    aws = AWSSRP(username="bob", password=PASSWORD, pool_id=srp_pool.id, client_id=client.client_id, client_secret=client.plain_secret, client=idp)
    assert aws.authenticate_user()["AuthenticationResult"]["AccessToken"]


def test_temporary_password_leads_to_new_password_required(idp, srp_pool, srp_client):
    users.admin_create_user(pool=srp_pool, username="temp", temporary_password="Temp-Passw0rd!", message_action="SUPPRESS")
    aws = AWSSRP(username="temp", password="Temp-Passw0rd!", pool_id=srp_pool.id, client_id=srp_client.client_id, client=idp)
    tokens = aws.set_new_password_challenge("Chosen-Passw0rd!")
    assert tokens["AuthenticationResult"]["AccessToken"]


def test_unknown_user_with_existence_hiding_gets_a_decoy(idp, srp_pool, srp_client):
    legacy = factories.create_client(pool=srp_pool, explicit_auth_flows=["ALLOW_USER_SRP_AUTH"], prevent_user_existence_errors="LEGACY")
    with pytest.raises(ClientError) as excinfo:
        AWSSRP(username="ghost", password=PASSWORD, pool_id=srp_pool.id, client_id=srp_client.client_id, client=idp).authenticate_user()
    assert excinfo.value.response["Error"]["Code"] == "NotAuthorizedException"
    with pytest.raises(ClientError) as excinfo:
        AWSSRP(username="ghost", password=PASSWORD, pool_id=srp_pool.id, client_id=legacy.client_id, client=idp).authenticate_user()
    assert excinfo.value.response["Error"]["Code"] == "UserNotFoundException"


def test_k_matches_the_published_vector():
    assert srp.K == 0x538282C4354742D7CBBDE2359FCF67F9F5B3A6B08791E5011B43B8A5B66D9EE6


@pytest.mark.parametrize(("text", "ok"), [
    ("Tue Sep 3 08:05:09 UTC 2024", True),
    ("Tue Sep 03 08:05:09 UTC 2024", False),  # zero-padded day, refused as Cognito does
    ("Wed Sep 3 08:05:09 UTC 2024", False),  # wrong weekday
    ("Tue Sep 3 08:05:09 GMT 2024", False),
    ("", False),
])
def test_timestamp_format(text, ok):
    parsed = srp.parse_timestamp(text)
    assert (parsed is not None) is ok
    if ok:
        assert parsed == datetime.datetime(2024, 9, 3, 8, 5, 9, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("value", ["", "zz", "0", format(srp.N, "x"), "f" * 3000])
def test_bad_srp_a_is_refused(value):
    assert srp.parse_a(value) is None


@pytest.mark.parametrize(("username", "password"), [
    ("zoë", "Pässwörd-123!"),
    ("名前", "パスワード-Abc1"),
    ("o'brien", "Emoji-🙂-Pass1"),
])
def test_non_ascii_usernames_and_passwords(idp, srp_pool, srp_client, username, password):
    factories.create_user(pool=srp_pool, username=username, password=password)
    tokens = AWSSRP(username=username, password=password, pool_id=srp_pool.id, client_id=srp_client.client_id, client=idp).authenticate_user()
    assert tokens["AuthenticationResult"]["AccessToken"]


def test_signing_in_with_an_email_alias(idp):
    pool = factories.create_pool(alias_attributes=["email"])
    client = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_SRP_AUTH"])
    factories.create_user(pool=pool, username="dana", attributes={"email": "Dana@Example.com", "email_verified": "true"})
    tokens = AWSSRP(username="dana@example.com", password=PASSWORD, pool_id=pool.id, client_id=client.client_id, client=idp).authenticate_user()
    assert idp.get_user(AccessToken=tokens["AuthenticationResult"]["AccessToken"])["Username"] == "dana"


def test_pycognito_high_level_client(live_server, srp_pool, srp_client, monkeypatch, settings):
    from pycognito import Cognito

    # pycognito checks the issuer and fetches the JWKS from pool_domain_url/<pool_id>: ours.
    settings.USERPOOLS_BASE_URL = live_server.url
    factories.create_user(pool=srp_pool, username="erin", attributes={"email": "erin@example.com", "email_verified": "true"})
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    user = Cognito(srp_pool.id, srp_client.client_id, username="erin", user_pool_region="local",
                   boto3_client_kwargs={"endpoint_url": live_server.url, "region_name": "local", "config": Config(retries={"max_attempts": 0})})
    user.pool_domain_url = live_server.url
    user.authenticate(password=PASSWORD)
    assert user.access_token and user.id_token
    assert user.get_user().email == "erin@example.com"


def test_pycognito_admin_authenticate_with_an_operator_key(live_server, srp_pool, monkeypatch, settings):
    from django.contrib.auth import get_user_model
    from pycognito import Cognito

    from cognito_api.credentials import create_access_key as create_credential

    settings.USERPOOLS_BASE_URL = live_server.url
    client = factories.create_client(pool=srp_pool, explicit_auth_flows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])
    factories.create_user(pool=srp_pool, username="finn")
    key, secret = create_credential(operator=get_user_model().objects.create_superuser("ops", "", "Operator-Pass-123"))
    user = Cognito(srp_pool.id, client.client_id, username="finn", user_pool_region="local", access_key=key.access_key_id, secret_key=secret,
                   boto3_client_kwargs={"endpoint_url": live_server.url, "region_name": "local", "config": Config(retries={"max_attempts": 0})})
    user.admin_authenticate(password=PASSWORD)
    assert user.access_claims["username"] == "finn"
