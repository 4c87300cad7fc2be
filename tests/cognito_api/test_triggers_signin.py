"""PreAuthentication, PostAuthentication and UserMigration over the Cognito API (boto3), in-process and as webhooks."""
from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError
from django.core import mail
from pycognito.aws_srp import AWSSRP

from identity import localcache
from identity.models import User
from tests import factories
from tests.identity.trigger_handlers import LEGACY_USERS, clean_handlers, install, seen, sources, target  # noqa: F401 (fixtures)

PASSWORD = factories.DEFAULT_PASSWORD
LEGACY_PASSWORD = LEGACY_USERS["legacy-ana"]["password"]


@pytest.fixture
def pool(transactional_db):
    return factories.create_pool()


@pytest.fixture
def app(pool):
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    return factories.create_client(pool=pool, explicit_auth_flows=flows, prevent_user_existence_errors="LEGACY")


def password_sign_in(idp, app, username, password=PASSWORD, **extra):
    return idp.initiate_auth(
        ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password}, **extra,
    )


def error_of(caught) -> tuple[str, str]:
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_pre_authentication_denies_with_its_message_and_post_authentication_follows_success(idp, pool, app, target):
    factories.create_user(pool=pool, username="blocked-ana")
    factories.create_user(pool=pool, username="bea")
    install(pool, PreAuthentication=target("pre_authentication"), PostAuthentication=target("post_authentication"))
    with pytest.raises(ClientError) as caught:
        password_sign_in(idp, app, "blocked-ana")
    assert error_of(caught) == ("UserLambdaValidationException", "PreAuthentication failed with error Your account is suspended.")
    assert sources() == ["PreAuthentication_Authentication"]  # denied: no PostAuthentication
    seen.clear()
    answer = password_sign_in(idp, app, "bea", ClientMetadata={"app": "web"})
    assert answer["AuthenticationResult"]["AccessToken"]
    assert sources() == ["PreAuthentication_Authentication", "PostAuthentication_Authentication"]
    assert seen[0]["request"]["clientMetadata"] == {"app": "web"} and seen[1]["request"]["newDeviceUsed"] is False


def test_pre_authentication_runs_before_the_password_is_checked(idp, pool, app, target):
    factories.create_user(pool=pool, username="blocked-cid")
    install(pool, PreAuthentication=target("pre_authentication"), PostAuthentication=target("post_authentication"))
    with pytest.raises(ClientError) as caught:
        password_sign_in(idp, app, "blocked-cid", "Wrong-Passw0rd!")
    assert error_of(caught)[0] == "UserLambdaValidationException"  # denied before the (wrong) password mattered
    factories.create_user(pool=pool, username="dan")
    seen.clear()
    with pytest.raises(ClientError) as caught:
        password_sign_in(idp, app, "dan", "Wrong-Passw0rd!")
    assert error_of(caught)[0] == "NotAuthorizedException"
    assert sources() == ["PreAuthentication_Authentication"]


def test_pre_authentication_on_srp_and_admin_flows(idp, signed_idp, pool, app):
    install(pool, PreAuthentication="python:tests.identity.trigger_handlers.pre_authentication")
    factories.create_user(pool=pool, username="blocked-eve")
    with pytest.raises(ClientError) as caught:
        AWSSRP(username="blocked-eve", password=PASSWORD, pool_id=pool.id, client_id=app.client_id, client=idp).authenticate_user()
    assert error_of(caught)[0] == "UserLambdaValidationException"
    with pytest.raises(ClientError) as caught:
        signed_idp.admin_initiate_auth(
            UserPoolId=pool.id, ClientId=app.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "blocked-eve", "PASSWORD": PASSWORD},
        )
    assert error_of(caught) == ("UserLambdaValidationException", "PreAuthentication failed with error Your account is suspended.")


def test_hidden_existence_tells_pre_authentication_the_user_was_not_found(idp, pool):
    app = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH"], prevent_user_existence_errors="ENABLED")
    install(pool, PreAuthentication="python:tests.identity.trigger_handlers.pre_authentication")
    with pytest.raises(ClientError) as caught:
        password_sign_in(idp, app, "nobody")
    assert error_of(caught) == ("NotAuthorizedException", "Incorrect username or password.")
    assert seen[-1]["request"]["userNotFound"] is True and seen[-1]["userName"] == "nobody"


def test_refresh_runs_no_authentication_triggers(idp, pool, app):
    factories.create_user(pool=pool, username="fay")
    refresh = password_sign_in(idp, app, "fay")["AuthenticationResult"]["RefreshToken"]
    install(pool, PreAuthentication="python:tests.identity.trigger_handlers.pre_authentication",
            PostAuthentication="python:tests.identity.trigger_handlers.post_authentication")
    localcache.clear()  # the sign-in cached the client with the pool as it was
    idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})
    assert seen == []


def test_lazy_migration_during_sign_in(idp, pool, app, target):
    install(pool, UserMigration=target("migrate"), PreAuthentication=target("pre_authentication"))
    answer = password_sign_in(idp, app, "legacy-ana", LEGACY_PASSWORD)
    assert answer["AuthenticationResult"]["IdToken"]
    # Migration first (with the typed password for the legacy store), then PreAuthentication, as Cognito.
    assert sources() == ["UserMigration_Authentication", "PreAuthentication_Authentication"]
    assert seen[0]["request"]["password"] == LEGACY_PASSWORD and "userAttributes" not in seen[0]["request"]
    user = User.objects.get(pool=pool, username="legacy-ana")
    assert user.status == "CONFIRMED" and user.attributes["email"] == "ana@legacy.example"
    assert mail.outbox == []  # messageAction SUPPRESS: no welcome message
    # Now the user is ours: the next sign-in does not ask the legacy store.
    seen.clear()
    password_sign_in(idp, app, "legacy-ana", LEGACY_PASSWORD)
    assert sources() == ["PreAuthentication_Authentication"]


def test_a_legacy_store_refusing_the_password_is_not_found(idp, pool, app, target):
    install(pool, UserMigration=target("migrate"))
    with pytest.raises(ClientError) as caught:
        password_sign_in(idp, app, "legacy-bob", "Wrong-Passw0rd!")
    assert error_of(caught) == ("UserNotFoundException", f"Exception migrating user in app client {app.client_id}")
    assert not User.objects.filter(pool=pool, username="legacy-bob").exists()
    hiding = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH"], prevent_user_existence_errors="ENABLED")
    with pytest.raises(ClientError) as caught:
        password_sign_in(idp, hiding, "legacy-bob", "Wrong-Passw0rd!")
    assert error_of(caught) == ("NotAuthorizedException", "Incorrect username or password.")


def test_without_a_migration_trigger_an_unknown_user_is_not_found(idp, pool, app):
    with pytest.raises(ClientError) as caught:
        password_sign_in(idp, app, "legacy-ana", LEGACY_PASSWORD)
    assert error_of(caught) == ("UserNotFoundException", "User does not exist.")


def test_lazy_migration_during_forgot_password(idp, pool, app, target):
    install(pool, UserMigration=target("migrate"))
    delivery = idp.forgot_password(ClientId=app.client_id, Username="legacy-bob")["CodeDeliveryDetails"]
    assert delivery["DeliveryMedium"] == "EMAIL" and sources() == ["UserMigration_ForgotPassword"]
    assert "password" not in seen[0]["request"]
    assert User.objects.get(pool=pool, username="legacy-bob").status == "RESET_REQUIRED"
    code = re.search(r"\d{6}", mail.outbox[-1].body).group()
    assert mail.outbox[-1].to == ["bob@legacy.example"]
    idp.confirm_forgot_password(ClientId=app.client_id, Username="legacy-bob", ConfirmationCode=code, Password="Brand-New-Passw0rd!")
    assert password_sign_in(idp, app, "legacy-bob", "Brand-New-Passw0rd!")["AuthenticationResult"]["AccessToken"]


def test_forgot_password_for_a_user_the_legacy_store_does_not_know(idp, pool, app):
    install(pool, UserMigration="python:tests.identity.trigger_handlers.migrate")
    with pytest.raises(ClientError) as caught:
        idp.forgot_password(ClientId=app.client_id, Username="stranger")
    assert error_of(caught)[0] == "UserNotFoundException"
