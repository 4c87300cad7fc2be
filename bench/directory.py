"""The directory at scale: 1,000,000 users in one pool on PostgreSQL; lookups and ListUsers timed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/directory.py --users 1000000

Users are bulk-loaded (COPY), not created one service call at a time, and share one precomputed
argon2id hash (hashing a million passwords would take hours and is not what is measured). A rerun
reuses the loaded pool unless --fresh.
"""
from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")

POOL_NAME = "bench-directory"
GIVEN = ["Ana", "Ben", "Chloé", "Dmitri", "Eve", "Fatima", "Goro", "Hana", "Ivan", "Jun", "Kofi", "Lena", "Mateo", "Noor", "Omar", "Priya"]
FAMILY = ["Smith", "García", "Müller", "Kim", "Okafor", "Rossi", "Nguyen", "Kowalski", "Silva", "Haddad", "Tanaka", "Ivanova"]
WORDS = ["river", "stone", "maple", "cloud", "ember", "frost", "delta", "orbit", "pixel", "quartz", "tundra", "violet"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000, help="timed calls per measurement")
    parser.add_argument("--fresh", action="store_true", help="drop the bench pool and load again")
    return parser.parse_args()


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def user_row(i: int, rng: random.Random) -> dict:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    return {
        "username": f"user{i:07d}",
        "email": f"user{i:07d}.{rng.choice(WORDS)}@example{i % 50}.com",
        "phone_number": f"+1{2000000000 + i}",
        "given_name": given,
        "family_name": family,
        "name": f"{given} {family}",
        "status": "UNCONFIRMED" if i % 20 == 0 else "CONFIRMED",
    }


def load(pool, count: int, password_hash: str) -> float:
    """COPY `count` users into the pool; returns users per second."""
    from django.db import connection

    from identity.models import User
    from identity.services import directory

    fields = [f for f in User._meta.concrete_fields if f.name != "id"]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    rng = random.Random(42)
    started = time.perf_counter()
    batch = 50_000
    for start in range(0, count, batch):
        buffer = io.StringIO()
        now = datetime.datetime.now(datetime.timezone.utc)
        for i in range(start, min(start + batch, count)):
            row = user_row(i, rng)
            user = User(pool=pool, sub=uuid.uuid4(), username=row["username"], status=row["status"], password=password_hash,
                        attributes={k: row[k] for k in ("email", "phone_number", "given_name", "family_name", "name")} | {"email_verified": "true"},
                        created_at=now, updated_at=now, password_changed_at=now)
            directory.refresh_index_columns(user)
            buffer.write("\t".join(_copy_value(f, user, connection) for f in fields) + "\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY identity_user ({columns}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        print(f"  loaded {min(start + batch, count):,} users", flush=True)
    return count / (time.perf_counter() - started)


def _copy_value(field, user, connection) -> str:
    value = field.get_db_prep_save(getattr(user, field.attname), connection)
    if value is None:
        return r"\N"
    if hasattr(value, "dumps"):  # JSON adapter
        value = value.dumps(value.obj)
    text = value.isoformat() if isinstance(value, datetime.datetime) else str(value)
    if isinstance(value, bool):
        text = "t" if value else "f"
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def timed(samples: int, call) -> dict:
    for _ in range(min(50, samples)):
        call()
    durations = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    return {
        "median_ms": round(statistics.median(durations), 3),
        "p95_ms": round(durations[int(len(durations) * 0.95) - 1], 3),
        "p99_ms": round(durations[int(len(durations) * 0.99) - 1], 3),
        "max_ms": round(durations[-1], 3),
        "samples": samples,
    }


def explain(queryset) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    args = parse_args()
    ensure_database()
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from identity.models import User, UserPool
    from identity.services import directory, listing, pools

    call_command("migrate", verbosity=0)
    pool = UserPool.objects.filter(name=POOL_NAME).first()
    if pool is not None and (args.fresh or not User.objects.filter(pool=pool).exists()):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM identity_user WHERE pool_id = %s", [pool.id])
        pool.delete()
        pool = None
    load_rate = None
    if pool is None:
        pool = pools.create_user_pool(name=POOL_NAME, alias_attributes=["email"])
        print(f"loading {args.users:,} users into {pool.id} …", flush=True)
        load_rate = load(pool, args.users, make_password("Correct-Horse-9"))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE identity_user")
    total = User.objects.filter(pool=pool).count()
    rng = random.Random(7)
    ids = list(User.objects.filter(pool=pool).order_by("?").values_list("username", "sub", "attributes__email")[:500]) if total < 200_000 else _sample(pool, rng)
    pick = lambda: rng.choice(ids)  # noqa: E731

    results = {
        "find_user by username": timed(args.samples, lambda: directory.find_user(pool, pick()[0])),
        "find_user by sub": timed(args.samples, lambda: directory.find_user(pool, str(pick()[1]))),
        "find_user by email (alias)": timed(args.samples, lambda: directory.find_user(pool, pick()[2])),
    }
    for length in (3, 5, 8):
        results[f"list_users email ^= ({length}-char prefix), first page"] = timed(
            args.samples // 4, lambda: listing.list_users(pool=pool, filter=f'email ^= "{pick()[2][:length]}"')
        )
    results['list_users username = "…"'] = timed(args.samples // 4, lambda: listing.list_users(pool=pool, filter=f'username = "{pick()[0]}"'))
    results['list_users cognito:user_status = "UNCONFIRMED"'] = timed(
        args.samples // 4, lambda: listing.list_users(pool=pool, filter='cognito:user_status = "UNCONFIRMED"')
    )
    results["list_users unfiltered, first page"] = timed(args.samples // 4, lambda: listing.list_users(pool=pool))

    def five_pages():
        token = None
        for _ in range(5):
            page = listing.list_users(pool=pool, filter='email ^= "user0"', pagination_token=token)
            token = page.pagination_token

    results['list_users email ^= "user0", 5 pages'] = timed(args.samples // 20, five_pages)

    plans = {
        "email prefix": explain(User.objects.filter(pool=pool, email_key__gte="user012", email_key__lt="user012\U0010ffff").order_by("email_key", "id")[:61]),
        "username": explain(User.objects.filter(pool=pool, username_key="user0123456")[:1]),
    }
    report = {
        "date": datetime.date.today().isoformat(),
        "users_in_pool": total,
        "load_users_per_second": round(load_rate) if load_rate else None,
        "postgres": connection.cursor().connection.info.server_version,
        "results": results,
        "plans": plans,
    }
    out = ROOT / "bench" / "results" / f"directory-{report['date']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    width = max(len(name) for name in results)
    print(f"\n{total:,} users; load rate: {report['load_users_per_second']} users/s")
    print(f"{'measurement'.ljust(width)}  median    p95      p99      max (ms)")
    for name, figures in results.items():
        print(f"{name.ljust(width)}  {figures['median_ms']:<8} {figures['p95_ms']:<8} {figures['p99_ms']:<8} {figures['max_ms']}")
    for name, plan in plans.items():
        print(f"\nEXPLAIN {name}:\n{plan}")
    print(f"\nwritten to {out.relative_to(ROOT)}")


def _sample(pool, rng) -> list[tuple]:
    """500 real users, by random id ranges (ORDER BY random() over a million rows would dominate)."""
    from identity.models import User

    low = User.objects.filter(pool=pool).order_by("id").values_list("id", flat=True).first()
    high = User.objects.filter(pool=pool).order_by("-id").values_list("id", flat=True).first()
    found = []
    while len(found) < 500:
        start = rng.randint(low, high)
        found += list(User.objects.filter(pool=pool, id__gte=start).order_by("id").values_list("username", "sub", "attributes__email")[:5])
    return found


if __name__ == "__main__":
    main()
