"""Threat protection's cost: the breached-password lookup (µs per check, memory) and sign-ins with it on vs off.

Part 1, in this process: identity.services.breached.is_breached over passwords that are and are
not in the corpus, with the resident memory before and after the corpus is mapped and used.

Part 2, as bench/signin.py measures (gunicorn with config/gunicorn.py on PostgreSQL and Redis, the
server pinned to one core, the load on the other): USER_PASSWORD_AUTH sign-ins of one pool with
threat protection OFF, then ENFORCED with the breached check at sign-in and risk scoring (each
sign-in reads the user's history and writes an AuthEvent), alternating rounds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_signin .venv/bin/python bench/breached.py
"""
from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import signin  # noqa: E402  (bench/signin.py: the sign-in load and its server)
from tokens import GUNICORN_EXTRA, RESULTS, ROOT, free_port, machine, start, stop  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=200_000, help="checks per kind in part 1")
    parser.add_argument("--rounds", type=int, default=2, help="off/on pairs in part 2")
    parser.add_argument("--duration", type=int, default=15, help="measured seconds per round")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--skip-sign-ins", action="store_true", help="part 1 only")
    return parser.parse_args()


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def lookup_cost(count: int) -> dict:
    from identity.services import breached

    # Samples first, so the memory figures below are the corpus's alone. "Listed-looking": word + digits
    # and plain numbers, of which the lists hold some; misses: random strings.
    hits = [f"{word}{n}" for n in range(count // 100) for word in ("password", "qwerty", "abc", "iloveyou")][: count // 2]
    hits += [str(n) for n in range(count // 2 - len(hits))]
    misses = [secrets.token_urlsafe(12) for _ in range(count)]
    before = _rss_kib()
    breached.corpus()
    mapped = _rss_kib()
    results = {}
    for name, sample in (("listed_looking", hits), ("random_misses", misses)):
        started, cpu = time.perf_counter(), time.process_time()
        found = sum(map(breached.is_breached, sample))
        results[name] = {
            "checks": len(sample), "found": found,
            "us_per_check": round(1e6 * (time.perf_counter() - started) / len(sample), 2),
            "cpu_us_per_check": round(1e6 * (time.process_time() - cpu) / len(sample), 2),
        }
    return {
        "corpus_bytes": breached.CORPUS.stat().st_size, "corpus_hashes": breached.corpus_size(),
        "rss_kib": {"before": before, "after_mapping": mapped, "after_lookups": _rss_kib()},
        "rss_delta_kib": _rss_kib() - before, **results,
    }


def set_protection(pool_id: str, on: bool) -> None:
    from django.db import connections

    from identity.models import UserPool

    UserPool.objects.filter(pk=pool_id).update(
        threat_protection_mode="ENFORCED" if on else "OFF", compromised_credentials_check_sign_in=on,
    )
    connections.close_all()


def sign_ins(args, data: dict, env: dict) -> dict:
    rounds = {"off": [], "on": []}
    for _ in range(args.rounds):
        for label in ("off", "on"):
            set_protection(data["pool"], label == "on")
            port = free_port()
            server = start([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi", "-w", str(args.workers),
                            "--threads", str(args.threads), "-b", f"127.0.0.1:{port}", *GUNICORN_EXTRA], env, ROOT, port)
            try:
                signin.smoke(port, data)
                rounds[label].append(signin.drive("password", port, data, args, server.pid))
            finally:
                stop(server)
    summary = {label: {
        "sign_ins_per_second": round(statistics.mean(r["sign_ins_per_second"] for r in runs), 1),
        "server_cpu_ms_per_sign_in": round(statistics.mean(r["server_cpu_ms_per_sign_in"] for r in runs), 2),
        "failed": sum(r["failed"] for r in runs),
    } for label, runs in rounds.items()}
    summary["throughput_change"] = round(summary["on"]["sign_ins_per_second"] / summary["off"]["sign_ins_per_second"] - 1, 3)
    summary["server_cpu_change"] = round(summary["on"]["server_cpu_ms_per_sign_in"] / summary["off"]["server_cpu_ms_per_sign_in"] - 1, 3)
    return {"summary": summary, "rounds": rounds}


def main() -> None:
    args = parse_args()
    _port, env, data = signin.set_up(args.users)
    result = {"date": datetime.date.today().isoformat(), "machine": machine(),
              "load_average_1min_before": round(os.getloadavg()[0], 2), "lookup": lookup_cost(args.lookups)}
    if not args.skip_sign_ins:
        multiprocessing.set_start_method("fork")
        result["setup"] = {"workers": args.workers, "threads": args.threads, "connections": args.connections,
                           "duration_s": args.duration, "rounds": args.rounds, "users": args.users}
        result["sign_ins"] = sign_ins(args, data, env)
    result["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"breached-{result['date']}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
