"""API access keys in the console: created with the secret shown once, listed, revoked."""
import pytest
from django.urls import reverse

from cognito_api.credentials import create_access_key
from cognito_api.models import ApiCredential
from identity import crypto
from tests import factories


@pytest.fixture
def console(client, django_user_model, settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = False
    operator = django_user_model.objects.create_superuser("ops", "ops@example.com", "Operator-password-42")
    client.force_login(operator)
    return client


def test_create_shows_the_secret_once(console, db):
    pool = factories.create_pool()
    page = console.post(reverse("admin:cognito_api_apicredential_add"), {"description": "terraform", "pools": [pool.id]})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    key = ApiCredential.objects.get()
    secret = crypto.decrypt(key.secret_encrypted)
    assert secret in page.content.decode() and key.operator.username == "ops" and list(key.pools.all()) == [pool]
    assert key.all_pools is False
    for shown in (console.get(reverse("admin:cognito_api_apicredential_changelist")),
                  console.get(reverse("admin:cognito_api_apicredential_change", args=[key.pk]))):
        assert shown.status_code == 200 and key.access_key_id in shown.content.decode() and secret not in shown.content.decode()


def test_revoke_action(console, db):
    kept, _ = create_access_key(description="kept")
    revoked, _ = create_access_key(description="revoked")
    listing = reverse("admin:cognito_api_apicredential_changelist")
    response = console.post(listing, {"action": "revoke", "_selected_action": [revoked.pk]}, follow=True)
    assert "Revoked: 1 API access key" in response.content.decode()
    assert ApiCredential.objects.get(pk=revoked.pk).active is False and ApiCredential.objects.get(pk=kept.pk).active is True
    # Keys are never deleted: the audit trail names them as actors.
    assert console.get(reverse("admin:cognito_api_apicredential_delete", args=[kept.pk])).status_code == 403
