"""App clients in the console: the secret is shown once, rotated on its own page, never displayed again."""
from __future__ import annotations

from identity.models import AuditEvent, UserPoolClient
from identity.services import pools
from tests import factories
from tests.admin.conftest import admin_url, form_data, messages_of

NEW_CLIENT = {
    "name": "web", "generate_secret": "on", "explicit_auth_flows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "allowed_oauth_flows": ["code"], "allowed_oauth_scopes": "openid email", "callback_urls": "https://app.example.com/cb",
    "logout_urls": "", "read_attributes": "", "write_attributes": "", "prevent_user_existence_errors": "ENABLED",
    "enable_token_revocation": "on", "refresh_token_rotation": "on",
}


def test_the_secret_is_shown_once_right_after_creation(console, pool):
    response = console.post(admin_url("identity_userpoolclient_add"), {**NEW_CLIENT, "pool": pool.pk})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    client = UserPoolClient.objects.get(pool=pool, name="web")
    secret = response.context["secret"]
    assert pools.check_client_secret(client, secret) and secret in response.content.decode()
    assert client.callback_urls == ["https://app.example.com/cb"] and client.allowed_oauth_scopes == ["openid", "email"]
    assert AuditEvent.objects.filter(event_type="CreateUserPoolClient", actor="operator:ops", details__client_id=client.pk).exists()
    for later in (admin_url("identity_userpoolclient_change", client.pk), admin_url("identity_userpoolclient_changelist")):
        page = console.get(later).content.decode()
        assert secret not in page and client.secret_digest not in page and client.secret_encrypted not in page


def test_a_public_client_goes_straight_to_its_page(console, pool):
    response = console.post(admin_url("identity_userpoolclient_add"), {**NEW_CLIENT, "pool": pool.pk, "generate_secret": ""})
    client = UserPoolClient.objects.get(pool=pool, name="web")
    assert response.status_code == 302 and not client.has_secret


def test_client_errors_are_form_errors_and_create_nothing(console, pool):
    response = console.post(admin_url("identity_userpoolclient_add"),
                            {**NEW_CLIENT, "pool": pool.pk, "callback_urls": "http://evil.example.com/cb"})
    assert response.status_code == 200 and "Invalid callback URL" in response.content.decode()
    assert not UserPoolClient.objects.filter(pool=pool).exists()


def test_rotating_shows_the_new_secret_once(console, pool):
    client = factories.create_client(pool=pool, secret=True)
    old = client.plain_secret
    url = admin_url("identity_userpoolclient_rotate_secret", client.pk)
    page = console.get(admin_url("identity_userpoolclient_change", client.pk))
    assert url in [tool.url for tool in page.context["console_tools"]]
    confirm = console.get(url)
    assert confirm.status_code == 200 and UserPoolClient.objects.get(pk=client.pk).secret_digest == client.secret_digest
    rotated = console.post(url)
    assert rotated.status_code == 200 and "no-store" in rotated["Cache-Control"]
    client.refresh_from_db()
    new = rotated.context["secret"]
    assert pools.check_client_secret(client, new) and not pools.check_client_secret(client, old)
    assert AuditEvent.objects.filter(event_type="RotateClientSecret", actor="operator:ops").exists()


def test_changing_settings_calls_update_user_pool_client(console, pool):
    client = factories.create_client(pool=pool, callback_urls=["https://a.example.com/cb"], allowed_oauth_flows=["code"],
                                     allowed_oauth_scopes=["openid"])
    page = console.get(admin_url("identity_userpoolclient_change", client.pk))
    data = {**form_data(page), "callback_urls": "https://a.example.com/cb\nhttps://b.example.com/cb"}
    assert console.post(admin_url("identity_userpoolclient_change", client.pk), data).status_code == 302
    client.refresh_from_db()
    assert client.callback_urls == ["https://a.example.com/cb", "https://b.example.com/cb"]
    event = AuditEvent.objects.get(event_type="UpdateUserPoolClient")
    assert event.details["fields"] == ["callback_urls"]


def test_bad_client_settings_change_nothing(console, pool):
    client = factories.create_client(pool=pool, callback_urls=["https://a.example.com/cb"])
    page = console.get(admin_url("identity_userpoolclient_change", client.pk))
    data = {**form_data(page), "callback_urls": "http://evil.example.com/cb", "name": "renamed"}
    response = console.post(admin_url("identity_userpoolclient_change", client.pk), data)
    assert response.status_code == 200 and "Invalid callback URL" in response.content.decode()
    client.refresh_from_db()
    assert client.callback_urls == ["https://a.example.com/cb"] and client.name != "renamed"


def test_secret_fields_are_neither_shown_nor_editable(console, pool):
    client = factories.create_client(pool=pool, secret=True)
    form = console.get(admin_url("identity_userpoolclient_change", client.pk)).context["adminform"].form
    assert not {"secret_digest", "secret_encrypted", "secret_created_at"} & set(form.fields)
    data = {**form_data(console.get(admin_url("identity_userpoolclient_change", client.pk))), "secret_digest": "forged"}
    console.post(admin_url("identity_userpoolclient_change", client.pk), data)
    assert UserPoolClient.objects.get(pk=client.pk).secret_digest == client.secret_digest


def test_deleting_a_client_calls_delete_user_pool_client(console, pool):
    client = factories.create_client(pool=pool)
    response = console.post(admin_url("identity_userpoolclient_delete", client.pk), {"post": "yes"}, follow=True)
    assert "Deleted app client" in " ".join(messages_of(response))
    assert not UserPoolClient.objects.filter(pk=client.pk).exists()
    assert AuditEvent.objects.filter(event_type="DeleteUserPoolClient", actor="operator:ops").exists()
