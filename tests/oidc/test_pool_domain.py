"""A pool's own domain serves the same endpoints without the /<pool_id> prefix; the issuer stays the same."""
import pytest

from identity.services import pools
from tests import factories


@pytest.fixture
def domain_pool(db, settings):
    settings.ALLOWED_HOSTS = ["testserver", "auth.example.com", "other.example.com"]
    pool = factories.create_pool()
    pools.create_user_pool_domain(pool=pool, domain="Auth.Example.com")
    return pool


def test_discovery_and_jwks_on_the_domain(client, domain_pool):
    document = client.get("/.well-known/openid-configuration", HTTP_HOST="auth.example.com").json()
    assert document["issuer"] == pools.issuer_for(domain_pool)
    assert client.get("/.well-known/jwks.json", HTTP_HOST="auth.example.com").json()["keys"]


def test_authorize_on_the_domain_sends_to_the_domains_sign_in_page(client, domain_pool):
    app = factories.create_client(pool=domain_pool, secret=True, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"], callback_urls=["https://app.example.com/cb"])
    response = client.get(
        "/oauth2/authorize", {"response_type": "code", "client_id": app.client_id, "redirect_uri": "https://app.example.com/cb"},
        HTTP_HOST="auth.example.com", secure=True,  # Authlib refuses OAuth over plain http off localhost
    )
    assert response.status_code == 302, response.content
    assert response["Location"].startswith("/login?")


def test_other_hosts_do_not_serve_the_pool(client, domain_pool):
    assert client.get("/.well-known/jwks.json", HTTP_HOST="other.example.com").status_code == 404
    assert client.get(f"/{domain_pool.id}/.well-known/jwks.json").status_code == 200


def test_domains_are_validated_and_unique(domain_pool):
    from identity.errors import InvalidParameterException

    for bad in ("auth.example.com", "not a domain", "https://x.example.com", ""):
        with pytest.raises(InvalidParameterException):
            pools.create_user_pool_domain(pool=domain_pool, domain=bad)
