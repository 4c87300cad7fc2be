"""boto3 clients against the live server: unsigned for the user-facing actions, signed with an access key for the rest."""
import boto3
import pytest
from botocore.config import Config

from cognito_api.credentials import create_access_key


def boto3_client(url: str, key_id: str = "unused", secret: str = "unused"):
    return boto3.client("cognito-idp", endpoint_url=url, region_name="local", aws_access_key_id=key_id,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 0}))


@pytest.fixture
def idp(live_server):
    client = boto3_client(live_server.url)
    yield client
    client.close()


@pytest.fixture
def signed_idp(live_server, transactional_db):
    """Signed with an all-pools key registered as a fixed pair, as CI would."""
    create_access_key(access_key_id="test-key", secret_access_key="test-secret")
    client = boto3_client(live_server.url, "test-key", "test-secret")
    yield client
    client.close()
