"""Lockout and request limits over the Cognito API, with boto3; and one lockout shared by two servers."""
from __future__ import annotations

import datetime
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings as django_settings
from django.db import connection

from identity import clock, ratelimit
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("USERPOOLS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = factories.DEFAULT_PASSWORD
WRONG = "Wrong-Horse-9"


@pytest.fixture
def api_pool(transactional_db):
    return factories.create_pool()


@pytest.fixture
def app(api_pool):
    return factories.create_client(pool=api_pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH"])


@pytest.fixture
def frozen_clock(monkeypatch):
    """identity.clock stopped (the live server runs in this process), so a 1 s lock cannot lapse mid-test."""
    moments = [clock.now()]
    monkeypatch.setattr(clock, "now", lambda: moments[-1])
    return moments


def sign_in(idp, app, username, password) -> str:
    try:
        idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password})
    except ClientError as exc:
        return f"{exc.response['Error']['Code']}: {exc.response['Error']['Message']}"
    return "ok"


def test_six_bad_passwords_give_password_attempts_exceeded(idp, api_pool, app, frozen_clock):
    factories.create_user(pool=api_pool, username="ana")
    outcomes = [sign_in(idp, app, "ana", WRONG) for _ in range(6)]
    assert outcomes == ["NotAuthorizedException: Incorrect username or password."] * 5 + ["NotAuthorizedException: Password attempts exceeded"]
    assert sign_in(idp, app, "ana", PASSWORD) == "NotAuthorizedException: Password attempts exceeded"
    frozen_clock.append(frozen_clock[-1] + datetime.timedelta(seconds=1))
    assert sign_in(idp, app, "ana", PASSWORD) == "ok"


def test_an_unknown_name_locks_the_same_way(idp, app, frozen_clock):
    outcomes = [sign_in(idp, app, "nobody", WRONG) for _ in range(6)]
    assert outcomes == ["NotAuthorizedException: Incorrect username or password."] * 5 + ["NotAuthorizedException: Password attempts exceeded"]


def test_too_many_requests_is_cognitos_error_with_http_400(idp, live_server, app, settings):
    settings.USERPOOLS_RATE_LIMITS = {ratelimit.SIGN_IN: {"per_ip": 1000, "per_client": 3}}
    outcomes = [sign_in(idp, app, "ana", WRONG) for _ in range(4)]
    assert outcomes[:3] == ["NotAuthorizedException: Incorrect username or password."] * 3
    assert outcomes[3].startswith("TooManyRequestsException: Too many requests; retry in ")
    raw = requests.post(
        live_server.url, json={"ClientId": app.client_id, "Username": "ana"}, timeout=10,
        headers={"X-Amz-Target": "AWSCognitoIdentityProviderService.ForgotPassword", "Content-Type": "application/x-amz-json-1.1"},
    )
    assert raw.status_code == 400 and raw.json()["__type"] == "TooManyRequestsException"
    assert raw.headers["x-amzn-ErrorType"] == "TooManyRequestsException"


# Two real servers, one lockout: the count lives in Redis, not in either process.


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url_for_servers(tmp_path: Path) -> str:
    """The test database as a URL other processes can open: PostgreSQL's own, or a file copy of SQLite's."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    # The suite's SQLite database lives in this process's memory; the servers get a snapshot of it.
    path = tmp_path / "shared.sqlite3"
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    return f"sqlite:///{path}"


def _start_server(port: int, database_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": django_settings.SECRET_KEY,
        "USERPOOLS_KEY_ENCRYPTION_KEY": ",".join(django_settings.KEY_ENCRYPTION_KEYS),
        "USERPOOLS_BASE_URL": f"http://127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("USERPOOLS_ENV", None)
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )


def _wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"server on {port} did not start:\n{log.read_text()}")


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    """Start two gunicorn servers on one database and one Redis; yields a boto3 client for each."""
    pool = factories.create_pool(lockout_base_delay_seconds=600)  # a lock long enough to outlast the test
    app = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH"])
    for name in ("ana", "bea", "cid"):
        factories.create_user(pool=pool, username=name)
    database_url = _database_url_for_servers(tmp_path)
    servers = []
    try:
        for name in ("a", "b"):
            port, log = _free_port(), tmp_path / f"server-{name}.log"
            servers.append((_start_server(port, database_url, log), port, log))
        clients = []
        for process, port, log in servers:
            _wait_until_serving(process, port, log)
            clients.append(boto3.client(
                "cognito-idp", endpoint_url=f"http://127.0.0.1:{port}", region_name="local",
                aws_access_key_id="unused", aws_secret_access_key="unused", config=Config(retries={"max_attempts": 0}),
            ))
        yield app, clients
    finally:
        for process, _, _ in servers:
            process.terminate()
        for process, _, _ in servers:
            process.wait(timeout=30)


def test_a_lockout_earned_on_one_server_is_enforced_on_the_other(two_servers):
    app, (server_a, server_b) = two_servers
    incorrect, exceeded = "NotAuthorizedException: Incorrect username or password.", "NotAuthorizedException: Password attempts exceeded"
    # Both servers serve the same directory: a clean sign-in works on the second.
    assert sign_in(server_b, app, "cid", PASSWORD) == "ok"
    assert [sign_in(server_a, app, "ana", WRONG) for _ in range(5)] == [incorrect] * 5
    assert sign_in(server_b, app, "ana", PASSWORD) == exceeded
    # One count across both: three failures on one server and two on the other lock the account on both.
    assert [sign_in(server_a, app, "bea", WRONG) for _ in range(3)] + [sign_in(server_b, app, "bea", WRONG) for _ in range(2)] == [incorrect] * 5
    assert sign_in(server_a, app, "bea", PASSWORD) == exceeded
    assert sign_in(server_b, app, "bea", PASSWORD) == exceeded
