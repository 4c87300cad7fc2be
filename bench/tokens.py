"""Token endpoint throughput and latency, Userpools beside node-oidc-provider, in one run.

Userpools runs as in production: gunicorn (pre-fork workers) on PostgreSQL and Redis, pinned to
core 0; the load generator (wrk, keep-alive HTTP on loopback) is pinned to core 1. The peer,
node-oidc-provider, is pinned to core 0 too and measured with the same wrk script.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_tokens .venv/bin/python bench/tokens.py

Needs: wrk (apt-get install wrk), node and npm (the peer is installed into bench/peer/ on first run).
"""
from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
PEER_DIR = ROOT / "bench" / "peer"
SERVER_CORE, LOAD_CORE = "0", "1"
GUNICORN_EXTRA = os.environ.get("BENCH_GUNICORN_EXTRA", "").split()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (all on one core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread: keep-alive connections)")
    parser.add_argument("--refresh-tokens", type=int, default=200, help="refresh tokens prepared for the rotation scenario")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--only", choices=["client_credentials", "refresh_with_rotation", "userinfo"], help="one scenario")
    return parser.parse_args()


def bench_environment(port: int) -> dict[str, str]:
    """Production mode, with per-run secrets the script shares with the server it starts."""
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_tokens")
    env.update(
        USERPOOLS_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        USERPOOLS_KEY_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        USERPOOLS_BASE_URL=f"http://127.0.0.1:{port}",
        ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL=env.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        DATABASE_CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(refresh_count: int) -> dict:
    """A pool with a machine client, an app client with rotation, a user and tokens to spend."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from identity import clock
    from identity.models import User
    from identity.services import pools, tokens
    from tests import factories

    pool = factories.create_pool(name=f"bench-{secrets.token_hex(3)}")
    pools.create_resource_server(pool=pool, identifier="api", name="API", scopes=[{"ScopeName": "read"}])
    machine = factories.create_client(pool=pool, secret=True, allowed_oauth_flows=["client_credentials"], allowed_oauth_scopes=["api/read"])
    app = factories.create_client(
        pool=pool, secret=True, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid", "email"],
        callback_urls=["https://app.example.com/cb"], refresh_token_rotation=True,
    )
    # Many signed-in users, as in production: their tokens do not all share one index entry.
    people = [factories.create_user(pool=pool, username=f"bench{i}", attributes={"email": f"bench{i}@example.com", "email_verified": "true"}) for i in range(50)]
    user = people[0]
    assert User.objects.filter(pk=user.pk).exists()
    issue = lambda person: tokens.issue_token_set(pool=pool, client=app, user=person, scopes=["openid", "email"], auth_time=clock.now())  # noqa: E731
    refresh = [issue(people[i % len(people)]).refresh_token for i in range(refresh_count)]
    return {
        "pool": pool.id, "machine_id": machine.client_id, "machine_secret": machine.plain_secret,
        "app_id": app.client_id, "app_secret": app.plain_secret, "refresh_tokens": refresh,
        "access_token": issue(user).access_token,
    }


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def write_scripts(data: dict) -> dict[str, Path]:
    WORK.mkdir(parents=True, exist_ok=True)
    scripts = {
        "client_credentials": f"""
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=api%2Fread"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "{basic(data['machine_id'], data['machine_secret'])}"
""",
        "userinfo": f"""
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer {data['access_token']}"
""",
        # Each refresh rotates: the response's new refresh token goes back into the queue.
        "refresh": """
local queue = {}
local failures = 0
for line in io.lines("%s") do table.insert(queue, line) end
request = function()
  local token = table.remove(queue, 1) or "exhausted"
  local body = "grant_type=refresh_token&refresh_token=" .. token
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = "%s"}, body)
end
response = function(status, headers, body)
  local token = string.match(body, '"refresh_token": ?"([^"]+)"')
  if token then table.insert(queue, token) else failures = failures + 1 end
end
""" % (WORK / "refresh_tokens.txt", basic(data["app_id"], data["app_secret"])),
    }
    # Warm-up and measurement each get their own tokens: a rotated token used again revokes its family.
    half = len(data["refresh_tokens"]) // 2
    (WORK / "refresh_tokens.txt").write_text("\n".join(data["refresh_tokens"][:half]) + "\n")
    (WORK / "refresh_tokens_measure.txt").write_text("\n".join(data["refresh_tokens"][half:]) + "\n")
    scripts["refresh_measure"] = scripts["refresh"].replace("refresh_tokens.txt", "refresh_tokens_measure.txt")
    paths = {}
    for name, body in scripts.items():
        paths[name] = WORK / f"{name}.lua"
        paths[name].write_text(body)
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port} after {timeout}s")


def start(cmd: list[str], env: dict, cwd: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(["taskset", "-c", SERVER_CORE, *cmd], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(port)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return round(float(number) * _UNITS[unit], 2)


def run_wrk(url: str, script: Path, *, duration: int, connections: int) -> dict:
    """Warm up for 3 s, then measure; returns requests/s, median and p99 latency, errors."""
    base = ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}", "--latency", "-s", str(script), url]
    subprocess.run([*base[:5], "-d3s", *base[5:]], capture_output=True, text=True, check=True)
    if script.name == "refresh.lua":
        script = script.with_name("refresh_measure.lua")
        base[-2] = str(script)
    out = subprocess.run([*base[:5], f"-d{duration}s", *base[5:]], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "median_ms": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def ensure_peer() -> None:
    if not (PEER_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=PEER_DIR, check=True)


def measure_userpools(args, env: dict, port: int, data: dict, scripts: dict) -> dict:
    server = start(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi", "-w", str(args.workers),
         "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", *GUNICORN_EXTRA],
        env, ROOT, port,
    )
    base = f"http://127.0.0.1:{port}/{data['pool']}"
    scenarios = {
        "client_credentials": (f"{base}/oauth2/token", scripts["client_credentials"]),
        "refresh_with_rotation": (f"{base}/oauth2/token", scripts["refresh"]),
        "userinfo": (f"{base}/oauth2/userInfo", scripts["userinfo"]),
    }
    try:
        return {
            name: run_wrk(url, script, duration=args.duration, connections=args.connections)
            for name, (url, script) in scenarios.items()
            if args.only in (None, name)
        }
    finally:
        stop(server)


def measure_peer(args, data: dict) -> dict:
    ensure_peer()
    port = free_port()
    env = {**os.environ, "PORT": str(port), "NODE_ENV": "production", "CLIENT_ID": data["machine_id"], "CLIENT_SECRET": data["machine_secret"]}
    server = start(["node", "oidc_provider_server.mjs"], env, PEER_DIR, port)
    try:
        return {"client_credentials": run_wrk(f"http://127.0.0.1:{port}/token", WORK / "client_credentials.lua", duration=args.duration, connections=args.connections)}
    finally:
        stop(server)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "")
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/tokens.py needs wrk: apt-get install wrk")
    port = free_port()
    env = bench_environment(port)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    ensure_database(env["DATABASE_URL"])
    data = prepare(args.refresh_tokens)
    scripts = write_scripts(data)
    ours = measure_userpools(args, env, port, data, scripts)
    peer = {} if args.skip_peer else measure_peer(args, data)
    result = {
        "date": datetime.date.today().isoformat(), "machine": machine(),
        "setup": {"server": "gunicorn gthread", "workers": args.workers, "threads": args.threads, "connections": args.connections, "duration_s": args.duration,
                  "server_core": SERVER_CORE, "load_core": LOAD_CORE},
        "userpools": ours, "peer_oidc_provider": peer,
    }
    if peer:
        result["ratio_client_credentials"] = round(ours["client_credentials"]["requests_per_second"] / peer["client_credentials"]["requests_per_second"], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"tokens-{result['date']}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
