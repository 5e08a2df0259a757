"""Benchmark of the policy service's coverage and import on PostgreSQL.

Generates 100,000 firms and 100,000 policies (bulk inserts: this measures reads, not the generator), then
prints the median over 20 runs of coverage grouped by town at an as-of date, counted from the raw rows and
read from the snapshot table, and the import throughput of a 100,000-row CSV through ``import_firms``.

    .venv/bin/python bench/policy_coverage.py [--firms 100000] [--runs 20] [--pg postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text

from services.kernel import testing
from services.kernel.auth import Principal, Role
from services.kernel.db import Database, utcnow
from services.kernel.migrations import upgrade
from services.policy import coverage, uscc
from services.policy.app import MIGRATIONS
from services.policy.dates import term_end, today
from services.policy.importer import import_firms
from services.policy.models import Enterprise, Insurer, Policy, Product
from services.policy.regions import cixi
from services.policy.service import seed_regions

BUREAU = Principal(sub="bench", role=Role.BUREAU, region="330282")
log = logging.getLogger("bench")


async def generate(database: Database, firms: int, policies: int) -> None:
    rng = random.Random(7)
    towns = [r.code for r in cixi() if r.level == "TOWN"]
    now = utcnow()
    async with database.transaction() as s:
        await s.execute(insert(Insurer), [{"id": f"ins_b{i}", "name": f"基准保险{i}(演示)", "bank_name": "b",
                                           "bank_account_name": "b", "bank_account_no": "1", "demo": True,
                                           "created_at": now} for i in range(3)])
        await s.execute(insert(Product), [{"id": f"prd_b{i}", "insurer_id": f"ins_b{i}", "name": "基准条款",
                                           "term_months": 12, "limit_options_fen": [40_000_000],
                                           "base_rates_ppm": {"LOW": 500}, "factor_bounds": {}, "min_premium_fen": 0,
                                           "prevention_share_bp": 2000, "commission_bp": 0, "active": True,
                                           "created_at": now} for i in range(3)])
    for start in range(0, firms, 5000):
        rows = []
        for n in range(start, min(firms, start + 5000)):
            staff = max(1, int(rng.lognormvariate(2.3, 0.8)))
            rows.append({"id": f"ent_b{n:08d}", "uscc": uscc.make(f"91330282B{n:08d}"), "name": f"基准企业{n}",
                         "town_code": rng.choice(towns), "sector": "INDUSTRY", "industry_code": "C33",
                         "employees": staff, "annual_revenue_fen": staff * 30_000_000, "size_class": "MICRO",
                         "high_risk_tags": [], "compulsory": False, "blacklisted": False, "principal_name": "x",
                         "contact_phone": "1", "operating_status": "OPERATING", "demo": True, "created_at": now,
                         "updated_at": now})
        async with database.transaction() as s:
            await s.execute(insert(Enterprise), rows)
    for start in range(0, policies, 5000):
        rows = []
        for n in range(start, min(policies, start + 5000)):
            begin = today() - timedelta(days=rng.randint(0, 700))
            firm = rng.randrange(firms)
            rows.append({"id": f"pol_b{n:08d}", "number": f"B-{n:08d}", "status": "ACTIVE",
                         "enterprise_id": f"ent_b{firm:08d}", "insurer_id": f"ins_b{n % 3}",
                         "product_id": f"prd_b{n % 3}", "quote_id": f"quo_b{n:08d}", "headcount": 5,
                         "limit_per_person_fen": 40_000_000, "premium_fen": 100_000, "prevention_share_bp": 2000,
                         "prevention_budget_fen": 20_000, "commission_fen": 0, "factors": [], "start_date": begin,
                         "end_date": term_end(begin, 12), "activated_at": now, "created_at": now,
                         "updated_at": now,
                         "cancelled_on": begin + timedelta(days=100) if n % 25 == 0 else None})
        async with database.transaction() as s:
            await s.execute(insert(Policy), rows)


async def median_ms(runs: int, call) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def write_registry(path: Path, rows: int) -> None:
    towns = [r.name for r in cixi() if r.level == "TOWN"]
    rng = random.Random(11)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["uscc", "name", "town", "sector", "industry_code", "employees", "annual_revenue_wan",
                      "principal_name", "contact_phone"])
        for n in range(rows):
            out.writerow([uscc.make(f"91330282C{n:08d}"), f"导入基准企业{n}", rng.choice(towns), "INDUSTRY", "C33",
                          rng.randint(1, 80), rng.randint(10, 3000), "负责人", "13900000000"])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--policies", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg", default=os.environ.get("ANZE_TEST_PG_URL"), help="PostgreSQL admin URL")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.pg:
        testing.PG_ADMIN_URL = args.pg
    url = await testing.create_pg_database("anze_bench")
    database = Database(url)
    try:
        await upgrade(database, MIGRATIONS)
        await seed_regions(database)
        began = time.perf_counter()
        await generate(database, args.firms, args.policies)
        print(f"generated {args.firms:,} firms and {args.policies:,} policies in {time.perf_counter() - began:.1f} s")
        async with database.transaction() as s:
            await s.execute(text("ANALYZE"))
        as_of = today() - timedelta(days=30)

        async def live() -> None:
            async with database.transaction() as s:
                await coverage.coverage(s, principal=BUREAU, region_code="330282", as_of=as_of, group_by="TOWN",
                                        insurer_id=None)

        async def snapshot() -> None:
            async with database.transaction() as s:
                await coverage.coverage(s, principal=BUREAU, region_code="330282", as_of=as_of, group_by="TOWN",
                                        insurer_id=None, source="snapshot")

        await live()  # warm caches once
        live_ms = await median_ms(args.runs, live)
        began = time.perf_counter()
        await coverage.take_snapshots(database, on=as_of)
        snap_write = time.perf_counter() - began
        snap_ms = await median_ms(args.runs, snapshot)
        print(f"coverage by town at {as_of} (raw rows, GROUP BY): median {live_ms:.1f} ms over {args.runs} runs")
        print(f"coverage by town at {as_of} (snapshot table):     median {snap_ms:.1f} ms over {args.runs} runs")
        print(f"taking the snapshot of two days: {snap_write * 1000:.0f} ms")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "registry.csv"
            write_registry(path, args.import_rows)
            began = time.perf_counter()
            report = await import_firms(database, path)
            took = time.perf_counter() - began
        assert report.ok, report.errors[:5]
        print(f"import of a {args.import_rows:,}-row CSV: {took:.1f} s, {report.created / took:,.0f} rows/s "
              f"({report.created:,} created, one event each)")
    finally:
        await database.dispose()
        await testing.drop_pg_database(url)


if __name__ == "__main__":
    asyncio.run(main())
