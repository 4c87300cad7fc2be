"""Passkey rules in the service, checked by the real `webauthn` verification against a software authenticator."""
from __future__ import annotations

import datetime
import json

import pytest

from identity import clock
from identity.errors import IdentityError, LimitExceededException, NotAuthorizedException
from identity.models import UserPoolDomain, WebAuthnCredential
from identity.services import passkeys, passwordless
from tests import factories
from tests.webauthn_authenticator import SoftwarePasskey

ORIGIN = "https://login.example.com"


@pytest.fixture
def passkey_pool(db):
    pool = factories.create_pool(allowed_first_auth_factors=["PASSWORD", "WEB_AUTHN"], webauthn_relying_party_id="example.com")
    return pool


@pytest.fixture
def owner(passkey_pool):
    return factories.create_user(pool=passkey_pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})


def _register(user, authenticator, client_id="web", **kwargs):
    options = passkeys.start_web_authn_registration(user=user, client_id=client_id)
    return passkeys.complete_web_authn_registration(user=user, client_id=client_id, credential=authenticator.create(options, **kwargs))


def _code(exc_info) -> str:
    return exc_info.value.code


def test_registration_keeps_the_public_key_and_the_options_follow_the_pool(owner):
    options = passkeys.start_web_authn_registration(user=owner, client_id="web")
    assert options["rp"] == {"id": "example.com", "name": owner.pool.name}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["user"]["name"] == "ana" and options["user"]["displayName"] == "ana@example.com"
    authenticator = SoftwarePasskey(origin=ORIGIN)
    saved = passkeys.complete_web_authn_registration(user=owner, client_id="web", credential=authenticator.create(options))
    assert saved.relying_party_id == "example.com" and saved.transports == ["internal"] and saved.authenticator_attachment == "platform"
    assert saved.friendly_name == "Passkey 1" and saved.sign_count == 0
    # the next registration excludes the passkey already there
    again = passkeys.start_web_authn_registration(user=owner, client_id="web")
    assert [c["id"] for c in again["excludeCredentials"]] == [saved.credential_id]


def test_a_registration_challenge_is_single_use_and_expires(owner, monkeypatch):
    authenticator = SoftwarePasskey(origin=ORIGIN)
    options = passkeys.start_web_authn_registration(user=owner, client_id="web")
    answer = authenticator.create(options)
    passkeys.complete_web_authn_registration(user=owner, client_id="web", credential=answer)
    with pytest.raises(IdentityError) as used:
        passkeys.complete_web_authn_registration(user=owner, client_id="web", credential=answer)
    assert _code(used) == "WebAuthnChallengeNotFoundException"

    options = passkeys.start_web_authn_registration(user=owner, client_id="web")
    later = clock.now() + passkeys.CEREMONY_TIMEOUT + datetime.timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(IdentityError) as expired:
        passkeys.complete_web_authn_registration(user=owner, client_id="web", credential=SoftwarePasskey(origin=ORIGIN).create(options))
    assert _code(expired) == "WebAuthnChallengeNotFoundException"


@pytest.mark.parametrize(("changes", "error"), [
    ({"client_id": "other-client"}, "WebAuthnClientMismatchException"),
    ({"origin": "https://example.org"}, "WebAuthnOriginNotAllowedException"),
    ({"origin": "http://login.example.com"}, "WebAuthnOriginNotAllowedException"),
    ({"rp_id": "login.example.com"}, "WebAuthnRelyingPartyMismatchException"),
])
def test_a_wrong_answer_is_refused_with_cognitos_error_and_spends_the_challenge(owner, changes, error):
    options = passkeys.start_web_authn_registration(user=owner, client_id="web")
    answer = SoftwarePasskey(origin=changes.get("origin", ORIGIN)).create(options, rp_id=changes.get("rp_id"))
    with pytest.raises(IdentityError) as refused:
        passkeys.complete_web_authn_registration(user=owner, client_id=changes.get("client_id", "web"), credential=answer)
    assert _code(refused) == error
    assert not WebAuthnCredential.objects.exists()
    with pytest.raises(IdentityError) as spent:
        passkeys.complete_web_authn_registration(user=owner, client_id="web", credential=SoftwarePasskey(origin=ORIGIN).create(options))
    assert _code(spent) == "WebAuthnChallengeNotFoundException"


def test_required_user_verification_refuses_a_passkey_that_did_not_verify(owner, passkey_pool):
    passkey_pool.webauthn_user_verification = "required"
    passkey_pool.save()
    owner.pool = passkey_pool
    with pytest.raises(IdentityError) as refused:
        _register(owner, SoftwarePasskey(origin=ORIGIN, verifies_user=False))
    assert _code(refused) == "WebAuthnCredentialNotSupportedException"
    assert _register(owner, SoftwarePasskey(origin=ORIGIN)).pk


def test_sign_in_assertion_moves_the_counter_and_a_cloned_counter_is_refused(owner):
    authenticator = SoftwarePasskey(origin=ORIGIN)
    _register(owner, authenticator)
    options, state = passkeys.request_options(pool=owner.pool, user=owner)
    assert json.loads(options)["allowCredentials"][0]["id"] == WebAuthnCredential.objects.get().credential_id
    assertion = passkeys.verify_assertion(user=owner, state=state, credential=authenticator.get(options))
    assert assertion.user_verified and WebAuthnCredential.objects.get().sign_count == 1

    options, state = passkeys.request_options(pool=owner.pool, user=owner)
    clone = authenticator.get(options, counter_step=0)  # a copy of the key that did not see the last use
    with pytest.raises(NotAuthorizedException):
        passkeys.verify_assertion(user=owner, state=state, credential=clone)
    assert WebAuthnCredential.objects.get().sign_count == 1


def test_an_assertion_for_another_challenge_or_user_is_refused(owner, passkey_pool):
    authenticator = SoftwarePasskey(origin=ORIGIN)
    _register(owner, authenticator)
    first, _state = passkeys.request_options(pool=passkey_pool, user=owner)
    _second, state = passkeys.request_options(pool=passkey_pool, user=owner)
    with pytest.raises(NotAuthorizedException):
        passkeys.verify_assertion(user=owner, state=state, credential=authenticator.get(first))
    other = factories.create_user(pool=passkey_pool, username="ben")
    options, state = passkeys.request_options(pool=passkey_pool, user=other)
    with pytest.raises(NotAuthorizedException):
        passkeys.verify_assertion(user=other, state=state, credential=authenticator.get(options))


def test_without_a_user_the_options_name_no_credential(passkey_pool):
    first, _ = passkeys.request_options(pool=passkey_pool, user=None)
    second, _ = passkeys.request_options(pool=passkey_pool, user=None)
    assert json.loads(first).get("allowCredentials", []) == [] == json.loads(second).get("allowCredentials", [])
    assert json.loads(first)["challenge"] != json.loads(second)["challenge"]


def test_relying_party_is_the_setting_then_the_domain_then_the_base_url_host(db, settings):
    pool = factories.create_pool(allowed_first_auth_factors=["PASSWORD", "WEB_AUTHN"])
    settings.USERPOOLS_BASE_URL = "https://id.example.net:8443"
    assert passkeys.relying_party_id(pool) == "id.example.net"
    UserPoolDomain.objects.create(pool=pool, domain="auth.example.com")
    assert passkeys.relying_party_id(pool) == "auth.example.com"
    pool.webauthn_relying_party_id = "example.com"
    assert passkeys.relying_party_id(pool) == "example.com"
    bare = factories.create_pool()
    settings.USERPOOLS_BASE_URL = "http://127.0.0.1:8000"
    with pytest.raises(IdentityError) as missing:
        passkeys.relying_party_id(bare)
    assert _code(missing) == "WebAuthnConfigurationMissingException"


def test_origins_that_may_speak_for_a_relying_party():
    assert passkeys.origin_allowed("https://example.com", "example.com")
    assert passkeys.origin_allowed("https://app.example.com:8443", "example.com")
    assert passkeys.origin_allowed("http://localhost:8123", "localhost")
    assert not passkeys.origin_allowed("https://badexample.com", "example.com")
    assert not passkeys.origin_allowed("http://example.com", "example.com")


def test_registration_needs_web_authn_among_the_first_factors_and_stops_at_the_quota(db, monkeypatch):
    pool = factories.create_pool(webauthn_relying_party_id="example.com")
    user = factories.create_user(pool=pool)
    with pytest.raises(IdentityError) as off:
        passkeys.start_web_authn_registration(user=user, client_id="web")
    assert _code(off) == "WebAuthnNotEnabledException"
    monkeypatch.setattr(passkeys, "MAX_CREDENTIALS", 1)
    pool.allowed_first_auth_factors = ["PASSWORD", "WEB_AUTHN"]
    pool.save()
    user.pool = pool
    _register(user, SoftwarePasskey(origin="https://example.com"))
    with pytest.raises(LimitExceededException):
        passkeys.start_web_authn_registration(user=user, client_id="web")


def test_listing_pages_through_the_passkeys_and_delete_forgets_one(owner):
    for _ in range(3):
        _register(owner, SoftwarePasskey(origin=ORIGIN))
    page, token = passkeys.list_web_authn_credentials(user=owner, max_results=2)
    rest, end = passkeys.list_web_authn_credentials(user=owner, max_results=2, next_token=token)
    assert len(page) == 2 and len(rest) == 1 and end is None
    assert {c.pk for c in page + rest} == set(WebAuthnCredential.objects.values_list("pk", flat=True))
    passkeys.delete_web_authn_credential(user=owner, credential_id=rest[0].credential_id)
    assert WebAuthnCredential.objects.count() == 2
    with pytest.raises(IdentityError) as gone:
        passkeys.delete_web_authn_credential(user=owner, credential_id=rest[0].credential_id)
    assert _code(gone) == "ResourceNotFoundException"
    with pytest.raises(IdentityError) as bad:
        passkeys.list_web_authn_credentials(user=owner, max_results=21)
    assert _code(bad) == "InvalidParameterException"


@pytest.mark.parametrize(("factors", "ok"), [
    (["PASSWORD"], True), (["WEB_AUTHN", "PASSWORD", "EMAIL_OTP", "SMS_OTP"], True),
    ([], False), (["EMAIL_OTP"], False), (["PASSWORD", "SOFTWARE_TOKEN"], False), ("PASSWORD", False),
])
def test_allowed_first_factors_are_checked(factors, ok):
    if ok:
        assert set(passwordless.check_first_auth_factors(factors)) == set(factors)
    else:
        with pytest.raises(IdentityError):
            passwordless.check_first_auth_factors(factors)
