"""Booking throughput with 50 concurrent clients on PostgreSQL, double bookings counted in the database
(must be 0), and the ratio to a bare FastAPI + asyncpg insert endpoint measured in the same run.

    .venv/bin/python bench/bookings_throughput.py [--clients 50] [--requests 30] [--experts 10]

The providers and bookings services and the baseline each run as their own uvicorn process (one worker)
on PostgreSQL; the load comes over real HTTP from this process. Every booking is INSURER-funded, so it
also checks the panel and reserves budget, and calls providers three times (offering, panel, experts)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from services.bookings.app import MIGRATIONS as BOOKINGS_MIGRATIONS
from services.bookings.app import create_app as create_bookings
from services.bookings.availability import Calendar
from services.bookings.settings import BookingsSettings
from services.kernel import testing
from services.kernel.auth import Role
from services.kernel.events import Event
from services.kernel.ids import new_id
from services.kernel.settings import KernelSettings
from services.providers.app import MIGRATIONS as PROVIDERS_MIGRATIONS
from services.providers.app import create_app as create_providers
from services.providers.settings import ProvidersSettings
from services.providers.uscc import check_character

log = logging.getLogger("bench.bookings")
SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@contextlib.contextmanager
def serve(target: str, port: int, env: dict[str, str], *, factory: bool, app_dir: Path | None = None) -> Iterator[str]:
    cmd = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", "--no-access-log"]
    if factory:
        cmd.append("--factory")
    if app_dir:
        cmd += ["--app-dir", str(app_dir)]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def wait_ready(url: str, path: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url + path)).status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


async def settled(send) -> httpx.Response:
    """Send a setup call and insist it succeeded (each answer comes after its commit)."""
    return (await send()).raise_for_status()


def uscc(n: int) -> str:
    first17 = f"91330282MA2BE{n:04d}"
    return first17 + check_character(first17)


async def setup_providers(client: httpx.AsyncClient, keys: testing.TestKeys, experts: int,
                          insurer: str) -> tuple[str, list[str]]:
    today = datetime.now(SHANGHAI).date()
    applicant = {"Authorization": "Bearer " + keys.token(Role.AGENCY, sub="usr_bench_applicant")}
    qualification = {"kind": "资质(基准测试)", "number": "BENCH-1", "issuer": "基准",
                     "service_types": ["HAZARD_INSPECTION"],
                     "valid_from": (today - timedelta(days=10)).isoformat(),
                     "valid_until": (today + timedelta(days=365)).isoformat()}
    agency = (await client.post("/v1/agencies", headers=applicant, json={
        "name": "基准测试机构(演示)", "uscc": uscc(random.randint(1, 9999)), "service_types": ["HAZARD_INSPECTION"],
        "town_codes": ["330282107"], "contact_name": "基准", "contact_phone": "0574-00000000",
        "qualifications": [qualification]})).raise_for_status().json()
    await settled(lambda: client.post(f"/v1/agencies/{agency['id']}/decisions",
                                      headers=keys.headers(Role.BUREAU, region="330282"), json={"decision": "APPROVE"}))
    own = keys.headers(Role.AGENCY, org=agency["id"])
    expert_ids = []
    for n in range(experts):
        expert = await settled(lambda n=n: client.post(f"/v1/agencies/{agency['id']}/experts", headers=own, json={
            "name": f"基准专家{n}(演示)", "certificates": [{
                "name": "注册安全工程师", "number": f"BENCH-{n}", "scope": ["HAZARD_INSPECTION"],
                "valid_from": qualification["valid_from"], "valid_until": qualification["valid_until"]}]}))
        expert_ids.append(expert.json()["id"])
    offering = (await settled(lambda: client.post(f"/v1/agencies/{agency['id']}/offerings", headers=own, json={
        "service_type": "HAZARD_INSPECTION", "title": "隐患排查(基准)", "price_fen": 10_000, "duration_minutes": 120,
        "town_codes": ["330282107"], "travel_buffer_minutes": 0}))).json()
    await settled(lambda: client.post(f"/v1/panels/{insurer}/agencies", headers=keys.headers(Role.INSURER, org=insurer),
                                      json={"agency_id": agency["id"],
                                            "start_date": (today - timedelta(days=1)).isoformat()}))
    return offering["id"], expert_ids


async def seed_policies(bookings_url: str, kernel: KernelSettings, clients: int, insurer: str) -> list[tuple[str, str]]:
    """Firms and policies as the policy service's events would bring them (applied by the real consumer)."""
    app = create_bookings(BookingsSettings(database_url=bookings_url, kernel=kernel))
    consumer = app.state.runtime.consumer
    today = datetime.now(SHANGHAI).date()
    pairs = []
    for n in range(clients):
        firm, policy = new_id("ent"), new_id("pol")
        await consumer.handle(Event("policy.enterprise.registered", {
            "enterprise_id": firm, "name": f"基准企业{n}(演示)", "town_code": "330282107", "principal_name": "基准"}))
        await consumer.handle(Event("policy.policy.activated", {
            "policy_id": policy, "number": f"BENCH{n:04d}", "enterprise_id": firm, "insurer_id": insurer,
            "town_code": "330282107", "premium_fen": 10**9, "prevention_budget_fen": 10**8,
            "start_date": (today - timedelta(days=1)).isoformat(),
            "end_date": (today + timedelta(days=365)).isoformat()}))
        pairs.append((firm, policy))
    await app.state.runtime.database.dispose()
    return pairs


def slot_grid(days: int) -> list[datetime]:
    cal = Calendar.build(tz="Asia/Shanghai", default_hours="09:00-17:00")
    day, out = datetime.now(SHANGHAI).date() + timedelta(days=2), []
    while len(out) < days * 4:
        if cal.is_working_day(day):
            out += [datetime.combine(day, dtime(h), SHANGHAI) for h in (9, 11, 13, 15)]
        day += timedelta(days=1)
    return out


async def run_clients(n_clients: int, per_client: int, make_request) -> tuple[float, Counter[int], list[float]]:
    codes: Counter[int] = Counter()
    latencies: list[float] = []

    async def one(i: int) -> None:
        for j in range(per_client):
            started = time.perf_counter()
            status = await make_request(i, j)
            latencies.append(time.perf_counter() - started)
            codes[status] += 1

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n_clients)))
    return time.perf_counter() - started, codes, latencies


async def main(args: argparse.Namespace) -> None:
    if not testing.postgres_available():
        raise SystemExit("PostgreSQL is not running (ANZE_TEST_PG_URL); this benchmark needs it")
    keys = testing.TestKeys.generate()
    urls = [await testing.create_pg_database("anze_bench") for _ in range(3)]
    providers_url, bookings_url, baseline_url = urls
    tmp = Path(tempfile.mkdtemp(prefix="anze-bench-"))
    kernel = keys.kernel_settings(tmp)
    env = {"ANZE_JWT_PUBLIC_KEYS": keys.public_pem.decode(), "ANZE_BUS_URL": "memory://", "ANZE_VAR_DIR": str(tmp),
           "ANZE_LOG_LEVEL": "WARNING", "ANZE_ENV": "test", "ANZE_PROVIDERS_DATABASE_URL": providers_url,
           "ANZE_BOOKINGS_DATABASE_URL": bookings_url, "BASELINE_DSN": pg_dsn(baseline_url),
           "ANZE_BOOKINGS_DB_POOL_SIZE": "20"}
    insurer = "ins_bench"
    try:
        for app, migrations in ((create_providers(ProvidersSettings(database_url=providers_url, kernel=kernel)),
                                 PROVIDERS_MIGRATIONS),
                                (create_bookings(BookingsSettings(database_url=bookings_url, kernel=kernel)),
                                 BOOKINGS_MIGRATIONS)):
            await testing.migrate_app(app, migrations)
            await app.state.runtime.database.dispose()
        firms = await seed_policies(bookings_url, kernel, args.clients, insurer)
        p_port, b_port, x_port = free_port(), free_port(), free_port()
        env["ANZE_BOOKINGS_PROVIDERS_URL"] = f"http://127.0.0.1:{p_port}"
        with serve("services.providers.app:create_app", p_port, env, factory=True) as p_url, \
                serve("services.bookings.app:create_app", b_port, env, factory=True) as b_url, \
                serve("_bookings_baseline:app", x_port, env, factory=False, app_dir=ROOT / "bench") as x_url:
            for url, path in ((p_url, "/healthz"), (b_url, "/healthz"), (x_url, "/openapi.json")):
                await wait_ready(url, path)
            limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
            async with httpx.AsyncClient(base_url=p_url) as pc:
                offering_id, experts = await setup_providers(pc, keys, args.experts, insurer)
            starts = slot_grid(args.days)
            targets = [(e, s) for e in experts for s in starts]
            tokens = [keys.headers(Role.ENTERPRISE, org=firm) for firm, _ in firms]
            rng = random.Random(7)
            plan = [[rng.choice(targets) for _ in range(args.requests)] for _ in range(args.clients)]

            async with httpx.AsyncClient(base_url=b_url, limits=limits, timeout=60) as bc:
                async def book(i: int, j: int) -> int:
                    expert, start = plan[i][j]
                    firm, policy = firms[i]
                    response = await bc.post("/v1/bookings", headers=tokens[i], json={
                        "offering_id": offering_id, "enterprise_id": firm, "start": start.isoformat(),
                        "expert_id": expert, "policy_id": policy, "funding": "INSURER"})
                    if response.status_code not in (201, 409):
                        log.warning("unexpected %s: %s", response.status_code, response.text[:200])
                    return response.status_code * 1000 + (1 if response.status_code == 409 and
                                                          response.json().get("code") == "SLOT_TAKEN" else 0)

                # Warm-up (connections, caches), then the measured run.
                await run_clients(5, 2, lambda i, j: book(i, j + args.requests - 2))
                elapsed, codes, latencies = await run_clients(args.clients, args.requests - 2, book)
                # Everyone at once on one slot: exactly one may win.
                race_start = starts[-1] + timedelta(days=7)
                while not Calendar.build(tz="Asia/Shanghai", default_hours="09:00-17:00").is_working_day(
                        race_start.date()):
                    race_start += timedelta(days=1)
                race = await asyncio.gather(*(bc.post("/v1/bookings", headers=tokens[i], json={
                    "offering_id": offering_id, "enterprise_id": firms[i][0], "start": race_start.isoformat(),
                    "expert_id": experts[0], "policy_id": firms[i][1], "funding": "INSURER"})
                    for i in range(args.clients)))

            async with httpx.AsyncClient(base_url=x_url, limits=limits, timeout=60) as xc:
                async def insert(i: int, j: int) -> int:
                    expert, start = plan[i][j]
                    response = await xc.post("/visits", json={"expert_id": expert, "start": start.isoformat()})
                    return response.status_code * 1000

                await run_clients(5, 2, insert)
                base_elapsed, base_codes, base_latencies = await run_clients(args.clients, args.requests - 2, insert)

        conn = await asyncpg.connect(pg_dsn(bookings_url))
        try:
            double = await conn.fetchval("""
                SELECT count(*) FROM bookings a JOIN bookings b
                  ON a.expert_id = b.expert_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
                 WHERE a.status NOT IN ('CANCELLED', 'NO_SHOW') AND b.status NOT IN ('CANCELLED', 'NO_SHOW')""")
            overdrawn = await conn.fetchval(
                "SELECT count(*) FROM prevention_ledgers WHERE budget_fen - reserved_fen - spent_fen < 0")
            stored = await conn.fetchval("SELECT count(*) FROM bookings")
            reserved_ok = await conn.fetchval("""
                SELECT count(*) FROM prevention_ledgers l WHERE l.reserved_fen <> (
                  SELECT coalesce(sum(price_fen), 0) FROM bookings b WHERE b.policy_id = l.policy_id
                   AND b.status = 'REQUESTED')""")
        finally:
            await conn.close()
    finally:
        for url in urls:
            with contextlib.suppress(Exception):
                await testing.drop_pg_database(url)

    total = sum(codes.values())
    created, taken = codes.get(201000, 0), codes.get(409001, 0)
    other = total - created - taken
    rate = total / elapsed
    base_rate = sum(base_codes.values()) / base_elapsed
    race_codes = Counter(r.status_code for r in race)
    race_other = sum(race_codes.values()) - race_codes.get(201, 0) - race_codes.get(409, 0)

    def pct(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000

    lines = [
        f"bookings throughput on PostgreSQL, {args.clients} concurrent clients, {total} booking requests",
        f"  booking requests/s          {rate:8.1f}   (created {created}, SLOT_TAKEN {taken}, other {other})",
        f"  created bookings/s          {created / elapsed:8.1f}",
        f"  latency p50 / p95 ms        {pct(latencies, 50):8.1f} / {pct(latencies, 95):.1f}",
        f"  bare FastAPI+asyncpg insert {base_rate:8.1f} requests/s (p50 {pct(base_latencies, 50):.1f} ms)",
        f"  ratio bookings / bare       {rate / base_rate:8.3f}",
        f"  one slot, {args.clients} at once:      {race_codes.get(201, 0)} created, "
        f"{race_codes.get(409, 0)} refused, {race_other} other",
        f"  double bookings in the DB   {double}",
        f"  overdrawn ledgers           {overdrawn}; ledgers whose reserved differs from their bookings {reserved_ok}",
        f"  bookings stored             {stored}",
    ]
    print("\n".join(lines))
    if double or overdrawn or race_codes.get(201, 0) != 1:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=30, help="booking attempts per client")
    parser.add_argument("--experts", type=int, default=10)
    parser.add_argument("--days", type=int, default=15, help="working days of slots to aim at")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
