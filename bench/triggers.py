"""The latency a PreAuthentication + PreTokenGeneration pair adds to a sign-in, in-process and as loopback webhooks.

One process: Django's test client drives the Cognito API's InitiateAuth (USER_PASSWORD_AUTH, the
whole request: SigV4-free public action, argon2id check, tokens) one sign-in at a time, in turn over
three pools that differ only in their LambdaConfig: no triggers; both triggers as `python:`
callables; both as webhooks to a ThreadingHTTPServer on 127.0.0.1 that runs the same handlers
(signed requests, the real delivery path). Rounds interleave the three so drift hits all alike.
The handlers do what typical ones do: PreAuthentication reads an attribute, PreTokenGeneration (V2_0)
adds a claim to both tokens. Bounded by --rounds; loopback only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_triggers .venv/bin/python bench/triggers.py
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET = "AWSCognitoIdentityProviderService.InitiateAuth"


def pre_authentication(event, context):
    if event["request"]["userAttributes"].get("custom:blocked") == "true":
        raise Exception("blocked")
    return event


def pre_token_generation(event, context):
    tenant = event["request"]["userAttributes"].get("email", "").rpartition("@")[2]
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"tenant": tenant}},
        "accessTokenGeneration": {"claimsToAddOrOverride": {"tenant": tenant}},
    }
    return event


HANDLERS = {"pre_authentication": pre_authentication, "pre_token_generation": pre_token_generation}


def start_webhooks() -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            body = json.dumps(HANDLERS[self.path.strip("/")](event, None)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def prepare(webhook_base: str) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from identity.services import triggers_config
    from tests import factories

    configs = {
        "none": {},
        "python": {
            "PreAuthentication": "python:bench.triggers.pre_authentication",
            "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": "python:bench.triggers.pre_token_generation"},
        },
        "webhook": {
            "PreAuthentication": f"{webhook_base}/pre_authentication",
            "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": f"{webhook_base}/pre_token_generation"},
        },
    }
    setups = {}
    for name, config in configs.items():
        pool = factories.create_pool()
        app = factories.create_client(pool=pool, explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
        factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
        triggers_config.set_lambda_config(pool=pool, lambda_config=config)
        setups[name] = json.dumps({"ClientId": app.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                   "AuthParameters": {"USERNAME": "ana", "PASSWORD": factories.DEFAULT_PASSWORD}})
    return setups


def sign_in(http, body: str) -> float:
    started = time.perf_counter()
    response = http.post("/", body, content_type="application/x-amz-json-1.1", HTTP_X_AMZ_TARGET=TARGET)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or b"IdToken" not in response.content:
        raise SystemExit(f"sign-in failed: {response.status_code} {response.content[:200]!r}")
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300, help="sign-ins per configuration (interleaved)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured rounds first")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["USERPOOLS_TRIGGERS_ALLOW_PRIVATE"] = "1"  # the receiver is on loopback
    os.environ.setdefault("USERPOOLS_RATE_LIMIT_SIGN_IN_PER_IP", "0")  # one address signs in all the time here
    os.environ.setdefault("USERPOOLS_RATE_LIMIT_SIGN_IN_PER_CLIENT", "0")
    import logging

    logging.getLogger("identity.triggers").setLevel(logging.WARNING)  # one line per invocation otherwise
    server = start_webhooks()
    setups = prepare(f"http://127.0.0.1:{server.server_address[1]}")
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    http = Client()
    samples: dict[str, list[float]] = {name: [] for name in setups}
    for round_number in range(args.warmup + args.rounds):
        for name, body in setups.items():
            value = sign_in(http, body)
            if round_number >= args.warmup:
                samples[name].append(value)
    report(samples, args)
    server.shutdown()


def report(samples: dict[str, list[float]], args) -> None:
    base = statistics.median(samples["none"])
    summary = {}
    for name, values in samples.items():
        values = sorted(values)
        median, p95 = statistics.median(values), values[int(len(values) * 0.95) - 1]
        summary[name] = {"median_ms": round(median, 2), "p95_ms": round(p95, 2), "added_median_ms": round(median - base, 2)}
        print(f"{name:8s} median {median:7.2f} ms  p95 {p95:7.2f} ms  added {median - base:+6.2f} ms")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"triggers-{datetime.date.today().isoformat()}.json"
    out.write_text(json.dumps({"rounds": args.rounds, "warmup": args.warmup, "results": summary}, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
