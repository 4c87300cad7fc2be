"""An unsigned boto3 client for the user-facing actions, against the live server."""
import boto3
import pytest
from botocore.config import Config


@pytest.fixture
def idp(live_server):
    client = boto3.client(
        "cognito-idp", endpoint_url=live_server.url, region_name="local",
        aws_access_key_id="unused", aws_secret_access_key="unused", config=Config(retries={"max_attempts": 0}),
    )
    yield client
    client.close()
