"""Pools and app clients: Cognito's defaults, secrets at rest, SECRET_HASH, validation."""
import base64
import hashlib
import hmac
import re

import pytest

from identity import crypto
from identity.errors import InvalidParameterException, ScopeDoesNotExistException
from identity.models import AuditEvent, Group, SigningKey, User, UserPool, UserPoolClient, VerificationCode
from identity.services import codes, directory, pools
from tests import factories
from tests.identity.directory_support import cognito_error


def test_new_pool_has_cognitos_shape_and_defaults(db, settings):
    pool = pools.create_user_pool(name="Shop")
    assert re.fullmatch(rf"{settings.USERPOOLS_REGION}_[A-Za-z0-9]{{9}}", pool.id)
    names = {entry["Name"] for entry in pool.schema}
    assert len(names) == 20 and {"sub", "email", "email_verified", "phone_number_verified", "updated_at", "address"} <= names
    assert (pool.password_minimum_length, pool.temporary_password_validity_days, pool.case_sensitive) == (8, 7, False)
    assert pool.auto_verified_attributes == ["email"] and pools.issuer_for(pool).endswith(f"/{pool.id}")


@pytest.mark.parametrize("kwargs", [
    {"name": ""},
    {"name": "x", "username_attributes": ["nickname"]},
    {"name": "x", "username_attributes": ["email"], "alias_attributes": ["phone_number"]},
    {"name": "x", "custom_attributes": [{"Name": "this-name-is-far-too-long"}]},
    {"name": "x", "custom_attributes": [{"Name": "t", "AttributeDataType": "Blob"}]},
    {"name": "x", "required_attributes": ["custom:x"]},
    {"name": "x", "shoe_size": 44},
    {"name": "x", "email_from": "not an address"},
])
def test_bad_pool_settings_create_nothing(db, kwargs):
    with pytest.raises(InvalidParameterException):
        pools.create_user_pool(**kwargs)
    assert not UserPool.objects.exists()


def test_custom_attributes_are_added_once(pool):
    pools.add_custom_attributes(pool=pool, custom_attributes=[{"Name": "team"}])
    with pytest.raises(InvalidParameterException):
        pools.add_custom_attributes(pool=pool, custom_attributes=[{"Name": "custom:team"}])


def test_client_secret_is_never_stored_in_plain(pool):
    created = pools.create_user_pool_client(pool=pool, name="web", generate_secret=True)
    secret = created.secret
    assert len(secret) == 51
    row = UserPoolClient.objects.filter(pk=created.client.pk).values().get()
    assert all(secret not in str(value) for value in row.values())
    other_last = "y" if secret.endswith("x") else "x"  # a secret one character off, whatever its last character is
    assert pools.check_client_secret(created.client, secret) and not pools.check_client_secret(created.client, secret[:-1] + other_last)
    assert AuditEvent.objects.filter(event_type="CreateUserPoolClient").exists()


def test_secret_hash_as_cognito_computes_it(pool):
    created = pools.create_user_pool_client(pool=pool, name="web", generate_secret=True)
    client = created.client
    expected = base64.b64encode(hmac.new(created.secret.encode(), ("bob" + client.client_id).encode(), hashlib.sha256).digest()).decode()
    assert pools.check_secret_hash(client, username="bob", secret_hash=expected)
    assert not pools.check_secret_hash(client, username="eve", secret_hash=expected)
    assert not pools.check_secret_hash(client, username="bob", secret_hash=None)
    public = pools.create_user_pool_client(pool=pool, name="spa").client
    assert pools.check_secret_hash(public, username="bob", secret_hash=None)


def test_rotation_replaces_the_secret(pool):
    created = pools.create_user_pool_client(pool=pool, name="web", generate_secret=True)
    new = pools.rotate_client_secret(client=created.client)
    assert pools.check_client_secret(created.client, new) and not pools.check_client_secret(created.client, created.secret)


@pytest.mark.parametrize("kwargs", [
    {"callback_urls": ["http://app.example.com/cb"]},
    {"callback_urls": ["https://app.example.com/cb#frag"]},
    {"logout_urls": ["nothing"]},
    {"explicit_auth_flows": ["ALLOW_MAGIC"]},
    {"allowed_oauth_flows": ["password"]},
    {"read_attributes": ["shoe_size"]},
    {"allowed_oauth_flows": ["client_credentials"]},  # needs a secret
])
def test_bad_client_settings(pool, kwargs):
    with pytest.raises(InvalidParameterException):
        pools.create_user_pool_client(pool=pool, name="x", **kwargs)
    assert not pool.clients.exists()


def test_scopes_must_exist(pool):
    with pytest.raises(ScopeDoesNotExistException):
        pools.create_user_pool_client(pool=pool, name="x", allowed_oauth_scopes=["api/read"])
    pools.create_resource_server(pool=pool, identifier="api", name="API", scopes=[{"ScopeName": "read"}])
    assert pools.create_user_pool_client(pool=pool, name="x", allowed_oauth_scopes=["openid", "api/read"]).client


def test_localhost_http_and_native_schemes_are_allowed(pool):
    client = pools.create_user_pool_client(pool=pool, name="dev", callback_urls=["http://localhost:3000/cb", "myapp://callback"]).client
    assert client.callback_urls == ["http://localhost:3000/cb", "myapp://callback"]


def test_update_client_validates_and_changes_nothing_on_error(pool):
    client = factories.create_client(pool=pool, callback_urls=["https://a.example.com/cb"])
    with pytest.raises(InvalidParameterException):
        pools.update_user_pool_client(client=client, callback_urls=["http://evil.example.com"])
    client.refresh_from_db()
    assert client.callback_urls == ["https://a.example.com/cb"]
    updated = pools.update_user_pool_client(client=client, name="renamed", callback_urls=["https://b.example.com/cb"])
    assert (updated.name, updated.callback_urls) == ("renamed", ["https://b.example.com/cb"])


def test_update_pool_bounds_and_fixed_settings(pool):
    with pytest.raises(InvalidParameterException):
        pools.update_user_pool(pool=pool, password_minimum_length=5)
    with pytest.raises(InvalidParameterException):
        pools.update_user_pool(pool=pool, username_attributes=["email"])
    with pytest.raises(InvalidParameterException):
        pools.update_user_pool(pool=pool, verification_email_message="no placeholder")
    assert pools.update_user_pool(pool=pool, password_minimum_length=12).password_minimum_length == 12


@pytest.mark.parametrize("sender", ["no-reply", "no-reply@", "Shop <no-reply@shop.example>\nBcc: everyone@example.com"])
def test_the_sender_must_be_an_address_console_and_api_alike(pool, sender):
    with pytest.raises(InvalidParameterException, match=r"^The sender \(EmailConfiguration.From\) must be an email address"):
        pools.update_user_pool(pool=pool, email_from=sender)
    pool.refresh_from_db()
    assert pool.email_from == ""
    assert pools.update_user_pool(pool=pool, email_from="Shop <no-reply@shop.example>").email_from == "Shop <no-reply@shop.example>"


def test_deletion_protection(db):
    protected = factories.create_pool(deletion_protection=True)
    with pytest.raises(InvalidParameterException):
        pools.delete_user_pool(pool=protected)
    assert UserPool.objects.filter(pk=protected.pk).exists()
    free = factories.create_pool()
    free_id = free.pk
    pools.delete_user_pool(pool=free)
    assert not UserPool.objects.filter(pk=free_id).exists()
    assert AuditEvent.objects.filter(event_type="DeleteUserPool", details__pool_id=free_id).exists()


# Pools: Cognito's defaults in detail


STANDARD_STRINGS = {
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "gender", "birthdate", "zoneinfo", "locale", "phone_number", "address",
}


def test_the_default_schema_is_cognitos_twenty_standard_attributes(db):
    schema = {entry["Name"]: entry for entry in pools.create_user_pool(name="Shop").schema}
    assert set(schema) == STANDARD_STRINGS | {"sub", "email_verified", "phone_number_verified", "updated_at"}
    assert len(schema) == 20
    assert (schema["sub"]["Required"], schema["sub"]["Mutable"], schema["sub"]["StringAttributeConstraints"]) == (
        True, False, {"MinLength": "1", "MaxLength": "2048"},
    )
    assert schema["birthdate"]["StringAttributeConstraints"] == {"MinLength": "10", "MaxLength": "10"}
    assert schema["updated_at"]["AttributeDataType"] == "Number"
    assert schema["email_verified"]["AttributeDataType"] == schema["phone_number_verified"]["AttributeDataType"] == "Boolean"
    for name in STANDARD_STRINGS:
        assert schema[name]["AttributeDataType"] == "String" and schema[name]["Mutable"] and not schema[name]["Required"]
    assert not any(entry["DeveloperOnlyAttribute"] for entry in schema.values())


def test_pool_defaults(db):
    pool = pools.create_user_pool(name="Shop")
    assert (pool.password_require_uppercase, pool.password_require_lowercase, pool.password_require_numbers, pool.password_require_symbols) == (True,) * 4
    assert (pool.password_history_size, pool.mfa_configuration, pool.deletion_protection) == (0, "OFF", False)
    assert (pool.username_attributes, pool.alias_attributes) == ([], [])
    assert "{####}" in pool.verification_email_message and "{username}" in pool.invitation_email_message
    assert SigningKey.objects.filter(pool=pool).count() == 2
    assert AuditEvent.objects.filter(pool=pool, event_type="CreateUserPool").count() == 1


def test_pool_ids_are_unique_and_shaped_like_cognitos(db, settings):
    settings.USERPOOLS_REGION = "eu-west-3"
    ids = {pools.create_user_pool(name=f"p{n}").id for n in range(10)}
    assert len(ids) == 10 and all(re.fullmatch(r"eu-west-3_[A-Za-z0-9]{9}", pool_id) for pool_id in ids)


@pytest.mark.parametrize(
    ("identifiers", "auto_verified"),
    [
        ({}, ["email"]),
        ({"username_attributes": ["phone_number"]}, ["phone_number"]),
        ({"username_attributes": ["email", "phone_number"]}, ["email", "phone_number"]),
        ({"alias_attributes": ["preferred_username"]}, ["email"]),
        ({"alias_attributes": ["phone_number", "email"]}, ["email", "phone_number"]),
    ],
)
def test_auto_verified_attributes_follow_the_sign_in_identifiers(db, identifiers, auto_verified):
    assert pools.create_user_pool(name="p", **identifiers).auto_verified_attributes == auto_verified


def test_required_standard_attributes(db):
    schema = {e["Name"]: e for e in pools.create_user_pool(name="p", required_attributes=["email", "name"]).schema}
    assert schema["email"]["Required"] and schema["name"]["Required"] and not schema["family_name"]["Required"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "x" * 129},
        {"required_attributes": ["sub"]},
        {"required_attributes": ["shoe_size"]},
        {"alias_attributes": ["name"]},
        {"auto_verified_attributes": ["name"]},
    ],
)
def test_more_bad_pool_settings_create_nothing(db, kwargs):
    kwargs.setdefault("name", "x")
    with cognito_error("InvalidParameterException"):
        pools.create_user_pool(**kwargs)
    assert not UserPool.objects.exists()


def test_custom_attributes_are_prefixed_and_normalised(db):
    pool = pools.create_user_pool(
        name="p",
        custom_attributes=[
            {"Name": "tenant", "Mutable": False},
            {"Name": "custom:age", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": 0, "MaxValue": "150"}},
            {"Name": "vip", "AttributeDataType": "Boolean"},
            {"Name": "joined", "AttributeDataType": "DateTime"},
            {"Name": "code", "StringAttributeConstraints": {"MinLength": 2, "MaxLength": 5}, "DeveloperOnlyAttribute": True},
        ],
    )
    custom = {e["Name"]: e for e in pool.schema if e["Name"].startswith("custom:")}
    assert set(custom) == {"custom:tenant", "custom:age", "custom:vip", "custom:joined", "custom:code"}
    assert custom["custom:tenant"]["Mutable"] is False and custom["custom:tenant"]["AttributeDataType"] == "String"
    assert custom["custom:age"]["NumberAttributeConstraints"] == {"MinValue": "0", "MaxValue": "150"}
    assert custom["custom:code"]["StringAttributeConstraints"] == {"MinLength": "2", "MaxLength": "5"}
    assert custom["custom:code"]["DeveloperOnlyAttribute"] is True
    assert all(entry["Required"] is False for entry in custom.values())
    assert len(pool.schema) == 25


@pytest.mark.parametrize(
    ("custom", "message"),
    [
        ([{"Name": ""}], "Invalid custom attribute name"),
        ([{"Name": "has space"}], "Invalid custom attribute name"),
        ([{"Name": "a" * 21}], "Invalid custom attribute name"),
        ([{"Name": "t", "Required": True}], "Required custom attributes are not supported currently."),
        ([{"Name": "t", "AttributeDataType": "Integer"}], "Invalid AttributeDataType"),
        ([{"Name": "t", "StringAttributeConstraints": {"MinLength": "5", "MaxLength": "2"}}], "length constraints"),
        ([{"Name": "t", "StringAttributeConstraints": {"MaxLength": "2049"}}], "length constraints"),
        ([{"Name": "t", "StringAttributeConstraints": {"MinLength": "-1"}}], "length constraints"),
        ([{"Name": "t", "StringAttributeConstraints": {"MinLength": "many"}}], None),
        ([{"Name": "n", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "9", "MaxValue": "1"}}], "number constraints"),
        ([{"Name": "n", "AttributeDataType": "Number", "NumberAttributeConstraints": {"MinValue": "ten"}}], None),
        ([{"Name": "twin"}, {"Name": "custom:twin"}], None),
        ([{"Name": f"a{n}"} for n in range(51)], None),
    ],
)
def test_bad_custom_attributes_create_nothing(db, custom, message):
    with cognito_error("InvalidParameterException", message):
        pools.create_user_pool(name="p", custom_attributes=custom)
    assert not UserPool.objects.exists()


def test_a_custom_attribute_cannot_be_added_twice_in_one_request(pool):
    with cognito_error("InvalidParameterException", "already exists"):
        pools.add_custom_attributes(pool=pool, custom_attributes=[{"Name": "team"}, {"Name": "custom:team"}])
    pool.refresh_from_db()
    assert len(pool.schema) == 20


def test_fifty_custom_attributes_are_the_most(db):
    pool = pools.create_user_pool(name="p", custom_attributes=[{"Name": f"a{n}"} for n in range(50)])
    with cognito_error("InvalidParameterException", "at most 50"):
        pools.add_custom_attributes(pool=pool, custom_attributes=[{"Name": "one_more"}])
    pool.refresh_from_db()
    assert len(pool.schema) == 70


# Clients: the secret


def _cognito_secret_hash(secret: str, username: str, client_id: str) -> str:
    # As Cognito defines it: Base64(HMAC_SHA256(key=client_secret, msg=username + client_id)).
    digest = hmac.new(secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@pytest.fixture
def confidential(pool):
    return pools.create_user_pool_client(pool=pool, name="server", generate_secret=True)


def test_a_client_id_looks_like_cognitos(confidential):
    assert re.fullmatch(r"[a-z0-9]{26}", confidential.client.client_id)


def test_the_secret_is_shown_once_and_kept_as_digest_and_ciphertext(pool, confidential):
    secret, client = confidential.secret, confidential.client
    assert re.fullmatch(r"[a-z0-9]{51}", secret)
    stored = UserPoolClient.objects.get(pk=client.pk)
    assert stored.secret_digest == crypto.keyed_digest("client-secret", secret)
    assert crypto.decrypt(stored.secret_encrypted) == secret and secret not in stored.secret_encrypted
    assert stored.secret_created_at is not None and stored.has_secret
    # No column of the client row, and nothing in the audit trail, holds it in plain text.
    for row in (*UserPoolClient.objects.filter(pk=client.pk).values(), *AuditEvent.objects.filter(pool=pool).values()):
        assert all(secret not in str(value) for value in row.values())


def test_a_public_client_has_no_secret(pool):
    created = pools.create_user_pool_client(pool=pool, name="spa")
    assert created.secret is None
    stored = UserPoolClient.objects.get(pk=created.client.pk)
    assert (stored.secret_digest, stored.secret_encrypted, stored.secret_created_at, stored.has_secret) == ("", "", None, False)
    for guess in ("", None, "anything"):
        assert pools.check_client_secret(stored, guess) is False


def test_check_client_secret(confidential):
    secret, client = confidential.secret, UserPoolClient.objects.get(pk=confidential.client.pk)
    assert pools.check_client_secret(client, secret) is True
    assert client.check_client_secret(secret) is True  # authlib's ClientMixin asks the same question
    for wrong in ("", None, secret[:-1], secret + "x", secret.upper(), " " + secret, secret[::-1]):
        assert pools.check_client_secret(client, wrong) is False


def test_check_client_secret_compares_in_constant_time(confidential, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(crypto.hmac, "compare_digest", spy)
    assert pools.check_client_secret(confidential.client, confidential.secret)
    assert not pools.check_client_secret(confidential.client, "wrong")
    assert len(calls) == 2


def test_secret_hash_against_an_independent_computation(pool, confidential):
    client, secret = UserPoolClient.objects.get(pk=confidential.client.pk), confidential.secret
    for username in ("bob", "Bob", "dan@example.com", "+12065551212", "名前"):
        assert pools.check_secret_hash(client, username=username, secret_hash=_cognito_secret_hash(secret, username, client.client_id))
    good = _cognito_secret_hash(secret, "bob", client.client_id)
    other = pools.create_user_pool_client(pool=pool, name="other", generate_secret=True)
    refused = [
        ("BOB", good),  # the username exactly as sent
        ("bob", _cognito_secret_hash(secret, "bob", other.client.client_id)),  # another client's id
        ("bob", _cognito_secret_hash(other.secret, "bob", client.client_id)),  # another client's secret
        ("bob", _cognito_secret_hash(secret, client.client_id, "bob")),  # the message the wrong way round
        ("bob", good[:-2] + ("AA" if not good.endswith("AA") else "BB")),
        ("bob", ""),
        ("bob", None),
        ("bob", "not base64 at all!"),
    ]
    for username, secret_hash in refused:
        assert pools.check_secret_hash(client, username=username, secret_hash=secret_hash) is False


def test_a_public_client_ignores_secret_hash(pool):
    public = pools.create_user_pool_client(pool=pool, name="spa").client
    for secret_hash in (None, "", "garbage"):
        assert pools.check_secret_hash(public, username="bob", secret_hash=secret_hash) is True


def test_rotation_invalidates_the_old_secret_everywhere(pool, confidential):
    client, old = confidential.client, confidential.secret
    cached = directory.find_client_cached(pool, client.client_id)
    assert pools.check_client_secret(cached, old)
    old_row = UserPoolClient.objects.filter(pk=client.pk).values("secret_digest", "secret_encrypted").get()

    new = pools.rotate_client_secret(client=client)
    assert new != old
    stored = UserPoolClient.objects.get(pk=client.pk)
    assert stored.secret_digest != old_row["secret_digest"] and stored.secret_encrypted != old_row["secret_encrypted"]
    assert pools.check_client_secret(stored, new) and not pools.check_client_secret(stored, old)
    assert pools.check_secret_hash(stored, username="bob", secret_hash=_cognito_secret_hash(new, "bob", client.client_id))
    assert not pools.check_secret_hash(stored, username="bob", secret_hash=_cognito_secret_hash(old, "bob", client.client_id))
    # This process's cached copy is dropped, so the old secret stops at once here too.
    fresh = directory.find_client_cached(pool, client.client_id)
    assert not pools.check_client_secret(fresh, old) and pools.check_client_secret(fresh, new)
    event = AuditEvent.objects.get(pool=pool, event_type="RotateClientSecret")
    assert new not in str(event.details) and old not in str(event.details)


# Clients: redirect URLs (exact strings, https or http on localhost, no fragment)


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example.com/cb",
        "https://app.example.com:8443/cb?tenant=1",
        "http://localhost/cb",
        "http://localhost:3000/cb",
        "http://127.0.0.1:8080/cb",
        "myapp://callback",
        "com.example.app:/oauth2redirect",
    ],
)
def test_accepted_redirect_urls(pool, url):
    client = pools.create_user_pool_client(pool=pool, name="c", callback_urls=[url], logout_urls=[url]).client
    assert client.check_redirect_uri(url) and not client.check_redirect_uri(url + "/")


@pytest.mark.parametrize(
    "url",
    [
        "http://app.example.com/cb",
        "http://localhost.evil.example.com/cb",
        "https://app.example.com/cb#fragment",
        "https:///cb",
        "//app.example.com/cb",
        "/relative/path",
        "",
    ],
)
@pytest.mark.parametrize("kind", ["callback_urls", "logout_urls"])
def test_refused_redirect_urls(pool, url, kind):
    with cognito_error("InvalidParameterException"):
        pools.create_user_pool_client(pool=pool, name="c", **{kind: ["https://fine.example.com/cb", url]})
    assert not pool.clients.exists()


# DeleteUserPool


def test_deletion_protection_keeps_everything(db, mailoutbox):
    pool = factories.create_pool(deletion_protection=True)
    factories.create_client(pool=pool)
    factories.create_user(pool=pool, groups=["staff"])
    counts = (User.objects.filter(pool=pool).count(), pool.clients.count(), Group.objects.filter(pool=pool).count())
    with cognito_error("InvalidParameterException", "deletion protection"):
        pools.delete_user_pool(pool=pool)
    assert (User.objects.filter(pool=pool).count(), pool.clients.count(), Group.objects.filter(pool=pool).count()) == counts
    assert not AuditEvent.objects.filter(event_type="DeleteUserPool").exists()


def test_deleting_a_pool_takes_everything_in_it_and_nothing_else(db):
    doomed, kept = factories.create_pool(), factories.create_pool()
    for pool in (doomed, kept):
        factories.create_client(pool=pool)
        user = factories.create_user(pool=pool, groups=["staff"])
        codes.issue_code(user=user, purpose=codes.Purpose.FORGOT_PASSWORD)
    doomed_id = doomed.pk
    pools.delete_user_pool(pool=doomed)
    for model in (User, UserPoolClient, Group, VerificationCode, SigningKey):
        assert not model.objects.filter(pool_id=doomed_id).exists(), model.__name__
        assert model.objects.filter(pool=kept).exists(), model.__name__
    event = AuditEvent.objects.get(event_type="DeleteUserPool")
    assert event.pool is None and event.details["pool_id"] == doomed_id
