"""Sign-ins per second on one server core: USER_PASSWORD_AUTH and USER_SRP_AUTH, beside the argon2id ceiling.

Userpools runs as bench/tokens.py runs it, as in production: gunicorn with config/gunicorn.py on
PostgreSQL and Redis, pinned to core 0. The load generator is a set of Python processes pinned to
core 1, each with one keep-alive connection to 127.0.0.1. A password sign-in is one InitiateAuth
(USER_PASSWORD_AUTH); an SRP sign-in is InitiateAuth (USER_SRP_AUTH) then RespondToAuthChallenge
(PASSWORD_VERIFIER), its client side computed by pycognito's AWSSRP with GMP doing the
exponentiations. Both end in tokens. The hash-only ceiling is Django's check_password against an
argon2id hash of the configured cost, in one process on core 0, while the server is stopped.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_signin .venv/bin/python bench/signin.py
"""
from __future__ import annotations

import argparse
import datetime
import http.client
import json
import multiprocessing
import os
import secrets
import sys
import time
from pathlib import Path

import gmpy2
from pycognito import aws_srp

# bench/tokens.py, beside this script: one way to start and measure the production server.
from tokens import SERVER_CORE, LOAD_CORE, ROOT, RESULTS, GUNICORN_EXTRA, bench_environment, ensure_database, free_port, machine, start, stop

FLOWS = ("password", "srp")
TARGET = "AWSCognitoIdentityProviderService."
CLIENT_SECRET_BITS = 256


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="measured seconds per flow")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before measuring")
    parser.add_argument("--connections", type=int, default=16, help="load processes, one keep-alive connection each")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (all on one core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--users", type=int, default=50, help="users signing in, in turn")
    parser.add_argument("--ceiling-seconds", type=int, default=10, help="seconds of hash-only checks, before and after the load")
    parser.add_argument("--only", choices=FLOWS, help="one flow")
    return parser.parse_args()


def prepare(count: int) -> dict:
    """A pool, a public app client (password, SRP and refresh flows, as a browser app's) and `count` users."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connections

    from tests import factories

    pool = factories.create_pool(name=f"bench-signin-{secrets.token_hex(3)}")
    client = factories.create_client(pool=pool)
    usernames = [
        factories.create_user(pool=pool, username=f"signin{i}", attributes={"email": f"signin{i}@example.com", "email_verified": "true"}).username
        for i in range(count)
    ]
    connections.close_all()  # the load and ceiling processes are forked from this one
    return {"pool": pool.id, "client_id": client.client_id, "usernames": usernames, "password": factories.DEFAULT_PASSWORD}


# --- the hash-only ceiling ----------------------------------------------------------------------


def hash_ceiling(seconds: int, password: str, out) -> None:
    """check_password against one argon2id hash, back to back on the server's core."""
    os.sched_setaffinity(0, {int(SERVER_CORE)})
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password(password, hasher="argon2")
    assert check_password(password, encoded)
    checks, began, cpu_began = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - began) < seconds:
        checks += check_password(password, encoded)
    cpu_ms = 1000 * (time.process_time() - cpu_began) / checks
    out.send({"checks_per_second": round(checks / elapsed, 2), "ms_per_check": round(1000 * elapsed / checks, 2),
              "cpu_ms_per_check": round(cpu_ms, 2), "hash_prefix": encoded.rsplit("$", 2)[0], "settings": settings.USERPOOLS_ARGON2})


def measure_ceiling(seconds: int, password: str) -> dict:
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.Process(target=hash_ceiling, args=(seconds, password, send))
    process.start()
    result = receive.recv()
    process.join()
    return result


# --- the load generator ---------------------------------------------------------------------------


def _gmp_pow(base: int, exponent: int, modulus: int) -> int:
    return int(gmpy2.powmod(base, exponent, modulus))


# pycognito's own maths, unchanged but for its exponentiations: CPython's pow would make the client
# (at ~100 ms a sign-in) the bottleneck on core 1, and the server is what is measured.
aws_srp.pow = _gmp_pow


class BenchSRP(aws_srp.AWSSRP):
    def generate_random_small_a(self) -> int:
        # RFC 5054's 256 bits. pycognito's 1,024 cost the client 4x more and the server nothing more.
        return secrets.randbits(CLIENT_SECRET_BITS)


class Api:
    """The Cognito JSON protocol over one keep-alive connection."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, action: str, body: dict) -> tuple[int, dict]:
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + action}
        try:
            self.connection.request("POST", "/", json.dumps(body), headers)
            response = self.connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        except (OSError, http.client.HTTPException, ValueError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 0, {}


def _signed_in(status: int, body: dict) -> bool:
    return status == 200 and bool(body.get("AuthenticationResult", {}).get("AccessToken"))


def password_sign_in(api: Api, data: dict, username: str) -> bool:
    parameters = {"USERNAME": username, "PASSWORD": data["password"]}
    return _signed_in(*api.call("InitiateAuth", {"ClientId": data["client_id"], "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": parameters}))


def srp_sign_in(api: Api, data: dict, username: str) -> bool:
    # client=object(): pycognito computes, this script sends (its boto3 calls are never made).
    srp = BenchSRP(username=username, password=data["password"], pool_id=data["pool"], client_id=data["client_id"], client=object())
    status, challenge = api.call("InitiateAuth", {"ClientId": data["client_id"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": srp.get_auth_params()})
    if status != 200 or challenge.get("ChallengeName") != "PASSWORD_VERIFIER":
        return False
    responses = srp.process_challenge(challenge["ChallengeParameters"], {"USERNAME": username})
    body = {"ClientId": data["client_id"], "ChallengeName": "PASSWORD_VERIFIER", "Session": challenge.get("Session"), "ChallengeResponses": responses}
    return _signed_in(*api.call("RespondToAuthChallenge", body))


SIGN_INS = {"password": password_sign_in, "srp": srp_sign_in}


def load_process(flow: str, port: int, data: dict, first: int, step: int, window: tuple[float, float], out) -> None:
    """Sign in user after user until the window ends; report what finished inside it."""
    os.sched_setaffinity(0, {int(LOAD_CORE)})
    api, sign_in, users = Api(port), SIGN_INS[flow], data["usernames"]
    start_at, end_at = window
    done, failed, latencies, turn = 0, 0, [], first
    while (began := time.monotonic()) < end_at:
        ok = sign_in(api, data, users[turn % len(users)])
        finished, turn = time.monotonic(), turn + step
        if start_at <= finished <= end_at:
            done, failed = done + ok, failed + (not ok)
            latencies.append(finished - began)
    out.send({"done": done, "failed": failed, "latencies": latencies})


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1) if ordered else 0.0


def drive(flow: str, port: int, data: dict, args, server_pid: int) -> dict:
    """Warm up, then measure one flow with --connections load processes; CPU by role over the window."""
    start_at = time.monotonic() + args.warmup + 1
    end_at = start_at + args.duration
    pipes, processes = [], []
    for index in range(args.connections):
        receive, send = multiprocessing.Pipe(duplex=False)
        process = multiprocessing.Process(target=load_process, args=(flow, port, data, index, args.connections, (start_at, end_at), send))
        process.start()
        pipes.append(receive)
        processes.append(process)
    time.sleep(max(0.0, start_at - time.monotonic()))
    before = cpu_snapshot(server_pid, {p.pid for p in processes})
    time.sleep(max(0.0, end_at - time.monotonic()))
    after = cpu_snapshot(server_pid, {p.pid for p in processes})
    reports = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join()
    latencies = [value for report in reports for value in report["latencies"]]
    done = sum(report["done"] for report in reports)
    cores = cpu_used(before, after)
    server_ms = 1000 * cores["server"] * args.duration / max(done, 1)
    return {
        "sign_ins_per_second": round(done / args.duration, 1), "sign_ins": done, "failed": sum(r["failed"] for r in reports),
        "median_ms": _percentile(latencies, 0.5), "p99_ms": _percentile(latencies, 0.99),
        # What one whole core would give at the server CPU each sign-in took: the figure the machine's other work does not bend.
        "server_cpu_ms_per_sign_in": round(server_ms, 2), "sign_ins_per_server_cpu_second": round(1000 / server_ms, 1) if server_ms else 0.0,
        "cores_used": cores,
    }


# --- where the CPU went -------------------------------------------------------------------------------


def _process_stat(pid: str) -> tuple[str, int, float] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
    return name, int(rest[1]), (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")  # comm, ppid, cpu seconds


def cpu_snapshot(server_pid: int, load_pids: set[int]) -> dict:
    """CPU seconds so far: the server (gunicorn and its workers), the load, PostgreSQL, Redis; busy time per core."""
    roles = {"server": 0.0, "load": 0.0, "postgres": 0.0, "redis": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        stat = _process_stat(pid)
        if stat is None:
            continue
        name, ppid, seconds = stat
        role = ("server" if server_pid in (int(pid), ppid) else "load" if int(pid) in load_pids
                else "postgres" if name == "postgres" else "redis" if name.startswith("redis") else None)
        if role:
            roles[role] += seconds
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith((f"cpu{SERVER_CORE} ", f"cpu{LOAD_CORE} ")):
            name, *ticks = line.split()
            values = [int(tick) for tick in ticks]
            roles[f"{name}_busy"] = (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")
    roles["at"] = time.monotonic()
    return roles


def cpu_used(before: dict, after: dict) -> dict:
    """Cores' worth of CPU per role between two snapshots (1.0 is one core kept busy)."""
    elapsed = after["at"] - before["at"]
    used = {key: round((after[key] - before[key]) / elapsed, 2) for key in before if key != "at"}
    busy = used[f"cpu{SERVER_CORE}_busy"] + used[f"cpu{LOAD_CORE}_busy"]
    used["everything_else"] = round(busy - sum(used[role] for role in ("server", "load", "postgres", "redis")), 2)
    return used


# --- the run -------------------------------------------------------------------------------------------


def smoke(port: int, data: dict) -> None:
    """One sign-in per flow through independent clients first: boto3 for the password, pycognito's own SRP."""
    import boto3
    from botocore.config import Config

    idp = boto3.client("cognito-idp", endpoint_url=f"http://127.0.0.1:{port}", region_name="local",
                       aws_access_key_id="unused", aws_secret_access_key="unused", config=Config(retries={"max_attempts": 0}))
    user = data["usernames"][0]
    reply = idp.initiate_auth(ClientId=data["client_id"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": user, "PASSWORD": data["password"]})
    assert reply["AuthenticationResult"]["AccessToken"]
    tokens = aws_srp.AWSSRP(username=user, password=data["password"], pool_id=data["pool"], client_id=data["client_id"], client=idp).authenticate_user()
    assert tokens["AuthenticationResult"]["AccessToken"]


def measure_server(args, env: dict, port: int, data: dict) -> dict:
    server = start(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi", "-w", str(args.workers),
         "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", *GUNICORN_EXTRA],
        env, ROOT, port,
    )
    try:
        smoke(port, data)
        return {flow: drive(flow, port, data, args, server.pid) for flow in FLOWS if args.only in (None, flow)}
    finally:
        stop(server)


def set_up(users: int) -> tuple[int, dict, dict]:
    """The server's port and environment, and the bench pool's data; Django set up on the bench database."""
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_signin")
    port = free_port()
    env = bench_environment(port)
    # All the load comes from one address and one client: budgets far above it, still counted as in production.
    env.update(USERPOOLS_RATE_LIMIT_SIGN_IN_PER_IP="1000000000", USERPOOLS_RATE_LIMIT_SIGN_IN_PER_CLIENT="1000000000")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    ensure_database(env["DATABASE_URL"])
    return port, env, prepare(users)


def main() -> None:
    args = parse_args()
    port, env, data = set_up(args.users)
    multiprocessing.set_start_method("fork")
    load_before = os.getloadavg()
    ceiling_before = measure_ceiling(args.ceiling_seconds, data["password"])
    flows = measure_server(args, env, port, data)
    ceiling_after = measure_ceiling(args.ceiling_seconds, data["password"])
    ceiling = round((ceiling_before["checks_per_second"] + ceiling_after["checks_per_second"]) / 2, 2)
    result = {
        "date": datetime.date.today().isoformat(), "machine": machine(),
        "load_average_1min": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
        "setup": {"server": "gunicorn gthread (config/gunicorn.py)", "workers": args.workers, "threads": args.threads,
                  "connections": args.connections, "duration_s": args.duration, "warmup_s": args.warmup, "users": args.users,
                  "server_core": SERVER_CORE, "load_core": LOAD_CORE, "srp_client": f"pycognito AWSSRP, GMP pow, {CLIENT_SECRET_BITS}-bit a"},
        "hash_only_ceiling": {"checks_per_second": ceiling, "before": ceiling_before, "after": ceiling_after},
        "flows": flows,
    }
    if "password" in flows:
        result["password_ratio_to_ceiling"] = round(flows["password"]["sign_ins_per_second"] / ceiling, 3)
        # The same ratio in CPU time: the share of a password sign-in's server CPU that is the hash itself.
        hash_cpu_ms = (ceiling_before["cpu_ms_per_check"] + ceiling_after["cpu_ms_per_check"]) / 2
        result["password_hash_share_of_server_cpu"] = round(hash_cpu_ms / flows["password"]["server_cpu_ms_per_sign_in"], 3)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"signin-{result['date']}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
