"""The directory at 1,000,000 users: find_user and ListUsers timed on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/directory.py --users 1000000

One pool (alias_attributes=["email"], so a verified email signs in through the indexed
`email_login` column) is bulk-loaded with psycopg COPY in batches, every row's index columns
computed by identity.services.directory.refresh_index_columns, all users sharing ONE precomputed
argon2id hash (hashing a million passwords at the production cost would take hours and is not what
is measured here). A rerun reuses the loaded pool when it holds exactly --users users (--fresh
loads again). Then every measurement calls the real service (directory.find_user,
listing.list_users) over random real users, after a warm-up, and reports median/p95/p99/max in ms;
the SQL each one ran is captured and EXPLAIN (ANALYZE, BUFFERS)-ed. Results go to stdout and to
bench/results/directory-<date>.json. See bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
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

RESULTS = ROOT / "bench" / "results"
TARGET_MS = 10.0  # "single-digit milliseconds"
GIVEN = ["Ana", "Ben", "Chloé", "Dmitri", "Eve", "Fatima", "Goro", "Hana", "Ivan", "Jun", "Kofi", "Lena", "Mateo", "Noor", "Omar", "Priya"]
FAMILY = ["Smith", "García", "Müller", "Kim", "Okafor", "Rossi", "Nguyen", "Kowalski", "Silva", "Haddad", "Tanaka", "Ivanova"]
WORDS = ["river", "stone", "maple", "cloud", "ember", "frost", "delta", "orbit", "pixel", "quartz", "tundra", "violet",
         "amber", "birch", "cedar", "dune", "fjord", "grove", "harbor", "island"]
DEEP_PAGE_MARKS = (1, 10, 50, 100, 200, 500, 1000)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000, help="users in the bench pool")
    parser.add_argument("--samples", type=int, default=2000, help="timed calls per measurement (random inputs)")
    parser.add_argument("--batch", type=int, default=10_000, help="users built and inserted per batch")
    parser.add_argument("--loader", choices=["copy", "orm"], default="copy", help="COPY (default) or bulk_create")
    parser.add_argument("--reuse", action=argparse.BooleanOptionalAction, default=True,
                        help="reuse the bench pool when it already holds --users users (default: on)")
    parser.add_argument("--fresh", action="store_true", help="drop the bench pool and load it again (= --no-reuse)")
    parser.add_argument("--deep-pages", type=int, default=500, help="pages walked in the deep-pagination probe (max 1000)")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds the samples are split over")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.users < 1000 or args.users > 9_999_999:
        parser.error("--users must be between 1,000 and 9,999,999 (usernames are user%07d)")
    if args.samples < 10:
        parser.error("--samples must be at least 10")
    args.deep_pages = max(1, min(args.deep_pages, 1000))
    args.rounds = max(1, min(args.rounds, args.samples // 10))
    return args


# ---------------------------------------------------------------- database and pool


def ensure_database() -> None:
    """Create the benchmark database (named by DATABASE_URL) if missing, through the `postgres` database."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench/directory.py measures PostgreSQL: set DATABASE_URL=postgres://…/bench")
    params = {k: v for k, v in {"host": config.get("HOST"), "port": config.get("PORT"), "user": config.get("USER"),
                                "password": config.get("PASSWORD")}.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (config["NAME"],)).fetchone():
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(config["NAME"])))
            print(f"created database {config['NAME']}", flush=True)


def pool_name(count: int) -> str:
    return f"bench-directory-{count}"


def drop_pool(pool) -> None:
    """Delete a bench pool: its users in one SQL statement (the ORM's cascade would fetch a million rows)."""
    from django.db import connection

    print(f"dropping pool {pool.id} ({pool.name}) …", flush=True)
    with connection.cursor() as cursor:
        for table in ("identity_groupmembership", "identity_verificationcode", "identity_passwordhistory"):
            cursor.execute(f"DELETE FROM {table} WHERE user_id IN (SELECT id FROM identity_user WHERE pool_id = %s)", [pool.id])
        cursor.execute("DELETE FROM identity_user WHERE pool_id = %s", [pool.id])
    pool.delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM identity_user)")
        # An emptied table is rewritten (cheap when empty) so the next load starts from the same state.
        cursor.execute("VACUUM identity_user" if cursor.fetchone()[0] else "VACUUM FULL identity_user")


# ---------------------------------------------------------------- loading


def user_for(i: int, rng: random.Random, pool, password_hash: str, now: datetime.datetime):
    """User number i, with realistic attributes and its index columns computed."""
    from identity.models import User
    from identity.services import directory

    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    if i % 20 == 0:
        status = User.Status.UNCONFIRMED          # 5 %: signed up, email not yet confirmed
    elif i % 100 == 1:
        status = User.Status.FORCE_CHANGE_PASSWORD  # 1 %: created by an admin
    elif i % 500 == 7:
        status = User.Status.RESET_REQUIRED       # 0.2 %
    else:
        status = User.Status.CONFIRMED
    attributes = {
        "email": f"user{i:07d}.{rng.choice(WORDS)}@example{i % 50}.com",
        # Confirmed users verified their email, so it signs them in (alias pool: email_login is set).
        "email_verified": "false" if status == User.Status.UNCONFIRMED else "true",
        "phone_number": f"+1{2_000_000_000 + i}",
        "phone_number_verified": "false",
        "given_name": given,
        "family_name": family,
        "name": f"{given} {family}",
    }
    created = now - datetime.timedelta(seconds=i)
    user = User(pool=pool, sub=uuid.uuid4(), username=f"user{i:07d}",
                status=status, enabled=i % 250 != 3, attributes=attributes, password=password_hash,
                password_changed_at=created, created_at=created, updated_at=created)
    directory.refresh_index_columns(user)  # user.pool is set: the pool's case and alias rules apply
    return user


def load(pool, count: int, batch: int, loader: str, password_hash: str) -> dict:
    """Insert `count` users in batches; returns timings (build = Python side, insert = database side)."""
    from django.db import connection, transaction

    from identity.models import User

    fields = [f for f in User._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    rng = random.Random(42)
    now = datetime.datetime.now(datetime.timezone.utc)
    build_s = insert_s = 0.0
    started = time.perf_counter()
    for start in range(0, count, batch):
        t0 = time.perf_counter()
        users = [user_for(i, rng, pool, password_hash, now) for i in range(start, min(start + batch, count))]
        t1 = time.perf_counter()
        if loader == "orm":
            # auto_now/auto_now_add would overwrite the spread-out timestamps; they are set above.
            User.objects.bulk_create(users, batch_size=batch)
        else:
            with transaction.atomic(), connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY identity_user ({columns}) FROM STDIN") as copy:
                    for user in users:
                        copy.write_row([f.get_db_prep_save(getattr(user, f.attname), connection) for f in fields])
        t2 = time.perf_counter()
        build_s += t1 - t0
        insert_s += t2 - t1
        done = min(start + batch, count)
        if done % 100_000 == 0 or done == count:
            print(f"  {done:>9,} users  {done / (t2 - started):,.0f} users/s", flush=True)
    total_s = time.perf_counter() - started
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum would have done by the time a real table reaches this size: statistics,
        # hint bits and the visibility map (which lets index-only scans skip the heap).
        cursor.execute("VACUUM (ANALYZE) identity_user")
    vacuum_s = time.perf_counter() - t0
    return {
        "loader": loader,
        "batch": batch,
        "users": count,
        "seconds": round(total_s, 1),
        "users_per_second": round(count / total_s),
        "build_seconds": round(build_s, 1),
        "insert_seconds": round(insert_s, 1),
        "vacuum_analyze_seconds": round(vacuum_s, 1),
    }


# ---------------------------------------------------------------- measuring


def sample_users(pool, count: int, rng: random.Random) -> list[dict]:
    """About `count` real users of the pool, picked by random ids (ORDER BY random() would scan a million rows)."""
    from identity.models import User

    ids = User.objects.filter(pool=pool).order_by("id").values_list("id", flat=True)
    low, high = ids.first(), User.objects.filter(pool=pool).order_by("-id").values_list("id", flat=True).first()
    wanted = sorted(rng.sample(range(low, high + 1), min(count * 2, high - low + 1)))
    found: list[dict] = []
    for start in range(0, len(wanted), 1000):
        found += list(User.objects.filter(pool=pool, id__in=wanted[start:start + 1000])
                      .values("id", "username", "sub", "attributes", "status"))
    rng.shuffle(found)
    return found[:count]


def percentiles(durations: list[float]) -> dict:
    durations = sorted(durations)

    def at(q: float) -> float:
        return durations[min(len(durations) - 1, max(0, round(q * len(durations)) - 1))]

    return {
        "median_ms": round(statistics.median(durations), 3),
        "p95_ms": round(at(0.95), 3),
        "p99_ms": round(at(0.99), 3),
        "max_ms": round(durations[-1], 3),
        "samples": len(durations),
    }


def run_timed(call, inputs: list, warmup: int) -> list[float]:
    """Call `call(x)` for each input, after `warmup` untimed calls; the durations in ms (only the calls are timed)."""
    for k in range(warmup):
        call(inputs[k % len(inputs)])
    gc.collect()
    durations = []
    for x in inputs:
        t0 = time.perf_counter()
        call(x)
        durations.append((time.perf_counter() - t0) * 1000)
    return durations


class CpuShare:
    """Who used the machine's CPUs while measuring: this client, its PostgreSQL backend, everything else.

    The bench shares 2 cores with whatever else runs; a burst from another process shows in the
    tails, so the report says how busy the machine was.
    """

    def __init__(self, backend_pid: int):
        self.backend_pid = backend_pid
        self.start = self._read()

    @staticmethod
    def _process_ticks(pid: int | str) -> int:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            return 0

    def _read(self) -> tuple[int, int, int, int]:
        try:
            ticks = [int(v) for v in open("/proc/stat").readline().split()[1:9]]
        except (OSError, ValueError):
            return 0, 0, 0, 0
        total, idle = sum(ticks), ticks[3] + ticks[4]
        return total, total - idle, self._process_ticks("self"), self._process_ticks(self.backend_pid)

    def shares(self) -> dict:
        end = self._read()
        total, busy, client, backend = (b - a for a, b in zip(self.start, end))
        cores = os.cpu_count() or 1
        if total <= 0:
            return {}

        def cores_used(ticks: int) -> float:  # in cores, out of `cores`
            return round(ticks / total * cores, 2)

        return {"cores": cores, "busy": cores_used(busy), "bench_client": cores_used(client),
                "bench_backend": cores_used(backend), "everything_else": cores_used(max(0, busy - client - backend))}


def captured_sql(call) -> list[str]:
    """The SQL statements one call runs, parameters bound (psycopg's own mogrify)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        call()
    return [q["sql"] for q in context.captured_queries]


def sql_only(sql: str, repeat: int) -> float:
    """Median ms of executing one captured statement and fetching its rows: PostgreSQL plus the driver."""
    from django.db import connection

    durations = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            t0 = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            durations.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(durations), 3)


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan_summary(plan: str) -> str:
    """The scan nodes and the figures that matter, one line."""
    import re

    nodes = re.findall(r"((?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan|Bitmap Heap Scan)(?: Backward)?(?: (?:using|on) \w+)?)", plan)
    removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
    heap = sum(int(n) for n in re.findall(r"Heap Fetches: (\d+)", plan))
    execution = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return (f"{'; '.join(dict.fromkeys(nodes)) or 'no scan'}; rows removed by filter {removed:,}; "
            f"heap fetches {heap:,}; execution {execution.group(1) if execution else '?'} ms")


def key_lines(plan: str) -> list[str]:
    keep = ("Scan", "Index Cond", "Filter", "Rows Removed", "Heap Fetches", "Execution Time")
    return [line.strip() for line in plan.splitlines() if any(word in line for word in keep)]


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "python": platform.python_version()}


def postgres_facts() -> dict:
    from django.db import connection

    facts = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        facts["version"] = cursor.fetchone()[0].split(" on ")[0]
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"):
            cursor.execute(f"SHOW {name}")
            facts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('identity_user')), "
                       "pg_size_pretty(pg_relation_size('identity_user'))")
        facts["identity_user_total_size"], facts["identity_user_heap_size"] = cursor.fetchone()
    return facts


# ---------------------------------------------------------------- the run


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

    print("migrating …", flush=True)
    call_command("migrate", verbosity=0)

    name = pool_name(args.users)
    pool = UserPool.objects.filter(name=name).order_by("created_at").first()
    load_figures = None
    if pool is not None:
        present = User.objects.filter(pool=pool).count()
        if args.fresh or not args.reuse or present != args.users:
            if present != args.users and not args.fresh:
                print(f"pool {pool.id} holds {present:,} users, not {args.users:,}: loading again", flush=True)
            drop_pool(pool)
            pool = None
        else:
            print(f"reusing pool {pool.id} with {present:,} users (--fresh to load again)", flush=True)
            load_figures = _previous_load(pool.id)
    if pool is None:
        pool = pools.create_user_pool(name=name, alias_attributes=["email"])
        t0 = time.perf_counter()
        password_hash = make_password("Correct-Horse-Battery-9")  # one argon2id hash for every user
        hash_ms = (time.perf_counter() - t0) * 1000
        print(f"loading {args.users:,} users into {pool.id} with {args.loader}, batches of {args.batch:,} "
              f"(one shared argon2id hash, {hash_ms:.0f} ms to compute) …", flush=True)
        load_figures = load(pool, args.users, args.batch, args.loader, password_hash)
        load_figures["pool"] = pool.id
        load_figures["argon2id_hash_ms"] = round(hash_ms)
        print(f"loaded in {load_figures['seconds']} s: {load_figures['users_per_second']:,} users/s "
              f"(+ VACUUM ANALYZE {load_figures['vacuum_analyze_seconds']} s)", flush=True)

    total = User.objects.filter(pool=pool).count()
    rng = random.Random(args.seed)
    people = sample_users(pool, args.samples, rng)
    verified = [p for p in people if p["attributes"].get("email_verified") == "true"]
    first = people[0]  # the input whose matches are counted, for the "matches" column
    n = args.samples
    walk_n = max(10, n // 10)
    warmup = max(20, n // 20)

    def email(p):
        return p["attributes"]["email"]

    def list_call(filter_: str, **kw):
        return listing.list_users(pool=pool, filter=filter_, **kw)

    def walk(filter_: str, pages: int) -> int:
        token, seen = None, 0
        for _ in range(pages):
            page = listing.list_users(pool=pool, filter=filter_, pagination_token=token)
            seen += len(page.users)
            token = page.pagination_token
            if token is None:
                break
        return seen

    def full_page(p, r) -> bool:
        return len(r.users) == 60 and r.pagination_token is not None

    # label -> (call on one sampled user, population, ORM filter counting the first input's matches, check)
    # The counts are computed independently of listing.py (plain ORM filters on the key columns).
    scenarios: dict[str, tuple] = {
        "find_user by username": (
            lambda p: directory.find_user(pool, p["username"]), people, None,
            lambda p, r: r is not None and r.username == p["username"]),
        "find_user by sub": (
            lambda p: directory.find_user(pool, str(p["sub"])), people, None,
            lambda p, r: r is not None and r.sub == p["sub"]),
        "find_user by email (verified alias)": (
            # Typed in upper case: emails compare case-insensitively, so this must still find the user.
            lambda p: directory.find_user(pool, email(p).upper()), verified, None,
            lambda p, r: r is not None and r.username == p["username"]),
        "find_user, unknown identifier": (
            lambda p: directory.find_user(pool, "nobody." + p["username"]), people, None, lambda p, r: r is None),
    }
    for length in (3, 5, 8, 10):
        scenarios[f"list_users email ^= {length}-char prefix"] = (
            lambda p, length=length: list_call(f'email ^= "{email(p)[:length]}"'), people,
            {"email_key__startswith": email(first)[:length]},
            lambda p, r, length=length: bool(r.users) and all(u.email_key.startswith(email(p)[:length]) for u in r.users))
    scenarios.update({
        "list_users email ^= prefix matching nothing": (
            lambda p: list_call(f'email ^= "{p["username"]}x"'), people, {"email_key__startswith": f"{first['username']}x"},
            lambda p, r: r.users == [] and r.pagination_token is None),
        'list_users email = "<whole address>"': (
            lambda p: list_call(f'email = "{email(p)}"'), people, None,
            lambda p, r: [u.username for u in r.users] == [p["username"]]),
        'list_users username = "…"': (
            lambda p: list_call(f'username = "{p["username"]}"'), people, None,
            lambda p, r: [u.username for u in r.users] == [p["username"]]),
        'list_users sub = "…"': (
            lambda p: list_call(f'sub = "{p["sub"]}"'), people, None,
            lambda p, r: [u.username for u in r.users] == [p["username"]]),
        'list_users family_name = "…"': (
            lambda p: list_call(f'family_name = "{p["attributes"]["family_name"]}"'), people,
            {"family_name_key": first["attributes"]["family_name"]}, full_page),
        "list_users given_name ^= 2-char prefix": (
            lambda p: list_call(f'given_name ^= "{p["attributes"]["given_name"][:2]}"'), people,
            {"given_name_key__startswith": first["attributes"]["given_name"][:2]}, full_page),
        'list_users cognito:user_status = "UNCONFIRMED"': (
            lambda p: list_call('cognito:user_status = "UNCONFIRMED"'), people, {"status": "UNCONFIRMED"},
            lambda p, r: full_page(p, r) and all(u.status == "UNCONFIRMED" for u in r.users)),
        'list_users cognito:user_status = "RESET_REQUIRED"': (
            lambda p: list_call('cognito:user_status = "RESET_REQUIRED"'), people, {"status": "RESET_REQUIRED"},
            lambda p, r: bool(r.users) and all(u.status == "RESET_REQUIRED" for u in r.users)),
        'list_users status = "Disabled"': (
            lambda p: list_call('status = "Disabled"'), people, {"enabled": False},
            lambda p, r: bool(r.users) and not any(u.enabled for u in r.users)),
        "list_users unfiltered, first page": (lambda p: list_call(""), people, {}, full_page),
        "list_users unfiltered, limit 10, AttributesToGet [email]": (
            lambda p: list_call("", limit=10, attributes_to_get=["email"]), people, None,
            lambda p, r: len(r.users) == 10),
    })
    walks = {
        "walk 5 pages: email ^= 8-char prefix": (
            lambda p: walk(f'email ^= "{email(p)[:8]}"', 5), {"email_key__startswith": email(first)[:8]}),
        "walk 5 pages: email ^= 5-char prefix": (
            lambda p: walk(f'email ^= "{email(p)[:5]}"', 5), {"email_key__startswith": email(first)[:5]}),
        'walk 5 pages: family_name = "…"': (
            lambda p: walk(f'family_name = "{p["attributes"]["family_name"]}"', 5),
            {"family_name_key": first["attributes"]["family_name"]}),
        "walk 5 pages: given_name ^= 2-char prefix": (
            lambda p: walk(f'given_name ^= "{p["attributes"]["given_name"][:2]}"', 5),
            {"given_name_key__startswith": first["attributes"]["given_name"][:2]}),
        'walk 5 pages: cognito:user_status = "UNCONFIRMED"': (
            lambda p: walk('cognito:user_status = "UNCONFIRMED"', 5), {"status": "UNCONFIRMED"}),
    }

    def matches(kwargs: dict | None) -> int | None:
        return None if kwargs is None else User.objects.filter(pool=pool, **kwargs).count()

    results: dict[str, dict] = {}
    sql_by_name: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        cpu = CpuShare(cursor.fetchone()[0])
    load_before = os.getloadavg()
    rounds = args.rounds
    print(f"\n{total:,} users in {pool.id}; {n:,} timed calls per measurement (walks: {walk_n}) in {rounds} "
          f"interleaved rounds, warm-up {warmup}; load average {load_before[0]:.2f} …\n", flush=True)
    # Each call is checked once, and its SQL captured, before anything is timed.
    for label, (call, population, counted, check) in scenarios.items():
        probe = population[0]
        outcome = call(probe)
        if not check(probe, outcome):
            raise SystemExit(f"{label}: unexpected result for {probe['username']}: {outcome!r}")
        sql_by_name[label] = captured_sql(lambda: call(probe))
    for label, (call, counted) in walks.items():
        if call(first) != 300:
            raise SystemExit(f"{label}: five pages did not hold 300 users")
    # Rounds interleave the measurements, so a burst of outside load spreads over all of them
    # instead of spoiling one; every sample of every round is kept.
    durations: dict[str, list[float]] = {label: [] for label in [*scenarios, *walks]}
    for r in range(rounds):
        for label, (call, population, _, _) in scenarios.items():
            share = n // rounds + (1 if r < n % rounds else 0)
            offset = sum(n // rounds + (1 if q < n % rounds else 0) for q in range(r))
            inputs = [population[(offset + j) % len(population)] for j in range(share)]
            durations[label] += run_timed(call, inputs, warmup if r == 0 else 10)
        for label, (call, _) in walks.items():
            share = max(1, walk_n // rounds)
            inputs = [people[(r * share + j) % len(people)] for j in range(share)]
            durations[label] += run_timed(call, inputs, max(5, warmup // 10) if r == 0 else 1)
        print(f"  round {r + 1}/{rounds} done, load average {os.getloadavg()[0]:.2f}", flush=True)
    cpu_during = cpu.shares()
    for label, (call, population, counted, check) in scenarios.items():
        figures = percentiles(durations[label])
        figures["queries"] = len(sql_by_name[label])
        figures["sql_only_median_ms"] = sql_only(sql_by_name[label][-1], 200) if sql_by_name[label] else None
        if counted is not None:
            figures["matching_users"] = matches(counted)
        results[label] = figures
    for label, (call, counted) in walks.items():
        figures = percentiles(durations[label])
        figures["pages"] = 5
        figures["matching_users"] = matches(counted)
        results[label] = figures

    deep = deep_pagination(pool, listing, args.deep_pages)
    print(flush=True)
    for filter_, marks in deep.items():
        print(f"  deep pages of {filter_ or '(unfiltered)'}: " + ", ".join(f"{k}: {v} ms" for k, v in marks.items()), flush=True)
    load_after = os.getloadavg()

    # EXPLAIN the statements the services really ran (captured above), plus a deep page.
    plans = {}
    for label in ("find_user by username", "find_user by email (verified alias)", "list_users email ^= 8-char prefix",
                  "list_users email ^= 3-char prefix", 'list_users username = "…"', 'list_users family_name = "…"',
                  'list_users cognito:user_status = "UNCONFIRMED"', "list_users unfiltered, first page"):
        plans[label] = explain(sql_by_name[label][-1])
    plans.update(deep_plans(pool, listing, min(200, args.deep_pages)))

    report = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "load_average_1min": {"before": round(load_before[0], 2), "after": round(load_after[0], 2)},
        "cpu_while_timing": cpu_during,
        "postgres": postgres_facts(),
        "pool": {"id": pool.id, "alias_attributes": pool.alias_attributes, "users": total},
        "load": load_figures,
        "target_ms": TARGET_MS,
        "results": results,
        "deep_pagination_ms": deep,
        # The key lines only (the whole plans are printed): scans, their conditions, filters, time.
        "plans": {label: {"summary": plan_summary(plan), "key_lines": key_lines(plan)} for label, plan in plans.items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"directory-{report['date']}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_report(report, plans)
    print(f"\nwritten to {out.relative_to(ROOT)}")
    connection.close()


DEEP_FILTERS = (f'family_name = "{FAMILY[0]}"', f'given_name ^= "{GIVEN[0][:2]}"', 'email ^= "user0"',
                'cognito:user_status = "UNCONFIRMED"', "")


def deep_pagination(pool, listing, max_pages: int) -> dict[str, dict[str, float]]:
    """Walk up to `max_pages` pages of a few filters, timing each page; report the pages in DEEP_PAGE_MARKS.

    A keyset page should cost the same at page 500 as at page 1. Each walk stops at max_pages
    pages, at the last page, or after 120 s, whichever comes first.
    """
    out = {}
    for filter_ in DEEP_FILTERS:
        token, marks, started = None, {}, time.perf_counter()
        for page_number in range(1, max_pages + 1):
            t0 = time.perf_counter()
            page = listing.list_users(pool=pool, filter=filter_, pagination_token=token)
            ms = round((time.perf_counter() - t0) * 1000, 3)
            token = page.pagination_token
            if page_number in DEEP_PAGE_MARKS or page_number == max_pages or token is None:
                marks[f"page {page_number}"] = ms
            if token is None or time.perf_counter() - started > 120:
                marks[f"page {page_number}"] = ms
                break
        out[filter_] = marks
    return out


def deep_plans(pool, listing, page_number: int) -> dict[str, str]:
    """EXPLAIN of the statements behind page `page_number` of filters over repeated values."""
    plans = {}
    for filter_ in DEEP_FILTERS[:2]:
        token = None
        for _ in range(page_number - 1):
            token = listing.list_users(pool=pool, filter=filter_, pagination_token=token).pagination_token
            if token is None:
                break
        if token is None:
            continue
        statements = captured_sql(lambda: listing.list_users(pool=pool, filter=filter_, pagination_token=token))
        for k, sql in enumerate(statements, 1):
            suffix = f" (statement {k} of {len(statements)})" if len(statements) > 1 else ""
            plans[f"list_users {filter_}, page {page_number}{suffix}"] = explain(sql)
    return plans


def print_report(report: dict, plans: dict[str, str]) -> None:
    results = report["results"]
    width = max(len(name) for name in results)
    load = report["load"]
    print(f"\n{report['pool']['users']:,} users in {report['pool']['id']}; " + (
        f"loaded at {load['users_per_second']:,} users/s in {load['seconds']} s ({load['loader']}, batches of {load['batch']:,})"
        if load else "load figures unknown (reused pool)"))
    la = report["load_average_1min"]
    cpu = report.get("cpu_while_timing") or {}
    if cpu:
        print(f"CPU while timing ({cpu['cores']} cores): busy {cpu['busy']}, bench client {cpu['bench_client']}, "
              f"its PostgreSQL backend {cpu['bench_backend']}, everything else {cpu['everything_else']} cores")
    print(f"machine load average (1 min) {la['before']} before the measurements, {la['after']} after; "
          f"'SQL only' = the last statement alone, run again through the driver; '> target' = p99 >= {TARGET_MS:g} ms")
    print(f"{'measurement'.ljust(width)}  {'matches':>9}  {'median':>8} {'p95':>8} {'p99':>8} {'max':>8} {'SQL only':>9}  (ms)")
    for name, f in results.items():
        matches = f"{f['matching_users']:,}" if "matching_users" in f else ""
        sql = f"{f['sql_only_median_ms']:.3f}" if f.get("sql_only_median_ms") is not None else ""
        flag = "" if name.startswith("walk") or f["p99_ms"] < TARGET_MS else "  > target"
        print(f"{name.ljust(width)}  {matches:>9}  {f['median_ms']:>8.3f} {f['p95_ms']:>8.3f} {f['p99_ms']:>8.3f} "
              f"{f['max_ms']:>8.3f} {sql:>9}{flag}")
    print("\ndeep pagination (ms per page):")
    for filter_, marks in report["deep_pagination_ms"].items():
        print(f"  {filter_ or '(unfiltered)'}: " + ", ".join(f"{k} {v}" for k, v in marks.items()))
    for label, plan in plans.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) — {label}\n{plan}")


def _previous_load(pool_id: str) -> dict | None:
    """The load figures recorded when this pool was loaded (the newest result file naming it)."""
    for path in sorted(RESULTS.glob("directory-*.json"), reverse=True):
        try:
            load = json.loads(path.read_text()).get("load")
        except (OSError, ValueError):
            continue
        if isinstance(load, dict) and load.get("pool") == pool_id:
            return load
    return None


if __name__ == "__main__":
    main()
