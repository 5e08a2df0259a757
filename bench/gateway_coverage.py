"""The gateway's overhead and its nested reads, on PostgreSQL with 100,000 firms.

Generates 100,000 firms and 100,000 policies in the policy service's database (the generator of
``bench/policy_coverage.py``), the demo agencies in providers, and 100 bookings in bookings; runs policy,
providers, bookings and the gateway each as its own process (real HTTP, as in the distributed mode), then
prints the median over ``--runs`` of:

- ``coverage(regionCode: "330282", groupBy: TOWN)`` through the gateway (GraphQL over HTTP);
- the same aggregate called on the policy service directly (``GET /v1/coverage``); the ratio of the two
  is the gateway's overhead;
- a nested list query of 100 bookings with their firm, policy and agency (three services).

    .venv/bin/python bench/gateway_coverage.py [--firms 100000] [--runs 30] [--pg postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, text

from anze.composition import part_app_module
from services.kernel import testing
from services.kernel.auth import Role, TokenSigner, ensure_dev_keys
from services.kernel.db import Database, utcnow
from services.kernel.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("policy", "providers", "bookings", "gateway")
SHANGHAI = ZoneInfo("Asia/Shanghai")

COVERAGE = '{ coverage(regionCode: "330282", groupBy: TOWN) { total { enterprises insured rate } ' \
           "rows { key label enterprises insured rate } } }"
NESTED = """{ bookings(first: 100) { totalCount nodes { id number status start
  enterprise { id name townCode } policy { id number status } agency { id name } } } }"""


def _policy_bench():
    spec = importlib.util.spec_from_file_location("policy_coverage_bench", ROOT / "bench" / "policy_coverage.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(part: str, port: int, env: dict[str, str]) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "anze.cli", "serve", part, "--host", "127.0.0.1",
                             "--port", str(port)], env={**os.environ, **env}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def wait_ready(url: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url + "/readyz", timeout=1)).status_code == 200:
                    return
            await asyncio.sleep(0.3)
    raise TimeoutError(f"{url} was not ready in {within}s")


async def prepare(urls: dict[str, str], firms: int) -> None:
    bench = _policy_bench()
    databases = {part: Database(urls[part]) for part in PARTS}
    try:
        for part, database in databases.items():
            await upgrade(database, part_app_module(part).MIGRATIONS)
        from services.policy.service import seed_regions

        await seed_regions(databases["policy"])
        began = time.perf_counter()
        await bench.generate(databases["policy"], firms, firms)
        print(f"generated {firms:,} firms and {firms:,} policies in {time.perf_counter() - began:.1f} s")
        from services.policy.regions import cixi
        from services.providers.seed import seed_demo as seed_providers

        ctx = {"region_code": "330282", "town_codes": [r.code for r in cixi() if r.level == "TOWN"],
               "insurer_ids": ["ins_b0", "ins_b1", "ins_b2"]}
        await seed_providers(databases["providers"], ctx)
        await insert_bookings(databases["bookings"], ctx, count=100, firms=firms)
        for database in databases.values():
            async with database.transaction() as s:
                await s.execute(text("ANALYZE"))
    finally:
        for database in databases.values():
            await database.dispose()


async def insert_bookings(database: Database, ctx: dict, *, count: int, firms: int) -> None:
    from services.bookings.models import Booking

    rng = random.Random(3)
    now = utcnow()
    agency, offering = ctx["demo_agency_id"], ctx["demo_offering_id"]
    expert = ctx["demo_expert_id"]
    rows = []
    for n in range(count):
        start = datetime.now(SHANGHAI).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=n + 1)
        policy = rng.randrange(firms)
        rows.append({"id": f"bkg_b{n:06d}", "number": f"BK-B{n:06d}", "status": "CONFIRMED", "funding": "SELF",
                     "offering_id": offering, "service_type": "HAZARD_INSPECTION", "agency_id": agency,
                     "enterprise_id": f"ent_b{rng.randrange(firms):08d}", "policy_id": f"pol_b{policy:08d}",
                     "insurer_id": None, "expert_id": expert, "town_code": "330282107", "start": start,
                     "end": start + timedelta(hours=2), "price_fen": 80_000, "late_cancellation": False,
                     "reschedule_count": 0, "created_at": now, "updated_at": now, "version": 1})
    async with database.transaction() as s:
        await s.execute(insert(Booking), rows)


async def median_ms(runs: int, call) -> float:
    await call()  # warm up once
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


async def paired_medians(runs: int, first, second) -> tuple[float, float]:
    await first()
    await second()
    a, b = [], []
    for n in range(runs):
        for call, out in ((first, a), (second, b)) if n % 2 == 0 else ((second, b), (first, a)):
            began = time.perf_counter()
            await call()
            out.append((time.perf_counter() - began) * 1000)
    return statistics.median(a), statistics.median(b)


async def nested_parts(http: httpx.AsyncClient, base: dict[str, str], headers: dict[str, str],
                       runs: int) -> dict[str, float]:
    """What the nested query costs in the services: the list, then one batch read per kind of row."""
    page = (await http.get(base["bookings"] + "/v1/bookings", params={"limit": 100}, headers=headers)).json()
    items = page["items"]
    reads = {
        "bookings: GET /v1/bookings?limit=100": ("bookings", "/v1/bookings", {"limit": 100}),
        "policy: GET /v1/enterprises?ids=(100)": ("policy", "/v1/enterprises",
                                                  {"ids": ",".join({b["enterprise_id"] for b in items}),
                                                   "limit": 500}),
        "policy: GET /v1/policies?ids=(100)": ("policy", "/v1/policies",
                                               {"ids": ",".join({b["policy_id"] for b in items}), "limit": 500}),
        "providers: GET /v1/agencies?ids=": ("providers", "/v1/agencies",
                                             {"ids": ",".join({b["agency_id"] for b in items}),
                                              "approved_only": "false", "limit": 500}),
    }
    out = {}
    for name, (part, path, params) in reads.items():
        async def read(part=part, path=path, params=params) -> None:
            r = await http.get(base[part] + path, params=params, headers=headers)
            assert r.status_code == 200, r.text
        out[name] = await median_ms(runs, read)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pg", default=os.environ.get("ANZE_TEST_PG_URL"), help="PostgreSQL admin URL")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.pg:
        testing.PG_ADMIN_URL = args.pg
    tmp = Path(tempfile.mkdtemp(prefix="anze-gw-bench-"))
    private_key, public_key = ensure_dev_keys(tmp)
    urls = {part: await testing.create_pg_database(f"anze_gwb_{part}") for part in PARTS}
    ports = {part: free_port() for part in PARTS}
    base = {part: f"http://127.0.0.1:{ports[part]}" for part in PARTS}
    env = {"ANZE_ENV": "test", "ANZE_VAR_DIR": str(tmp), "ANZE_BUS_URL": "memory://", "ANZE_LOG_LEVEL": "WARNING",
           "ANZE_JWT_PUBLIC_KEY_FILE": str(public_key), "ANZE_GATEWAY_JWT_PRIVATE_KEY_FILE": str(private_key),
           "ANZE_GATEWAY_POLICY_URL": base["policy"], "ANZE_GATEWAY_PROVIDERS_URL": base["providers"],
           "ANZE_GATEWAY_BOOKINGS_URL": base["bookings"], "ANZE_BOOKINGS_POLICY_URL": base["policy"],
           "ANZE_BOOKINGS_PROVIDERS_URL": base["providers"]}
    for part in PARTS:
        env[f"ANZE_{part.upper()}_DATABASE_URL"] = urls[part]
    try:
        await prepare(urls, args.firms)
        signer = TokenSigner(private_key.read_bytes(), issuer="anze-gateway")
        bureau = {"Authorization": "Bearer " + signer.issue(sub="bench", role=Role.BUREAU, region="330282",
                                                            lifetime=timedelta(hours=2))}
        admin = {"Authorization": "Bearer " + signer.issue(sub="bench-admin", role=Role.ADMIN,
                                                           lifetime=timedelta(hours=2))}
        with contextlib.ExitStack() as stack:
            for part in PARTS:
                stack.enter_context(serve(part, ports[part], env))
            for part in PARTS:
                await wait_ready(base[part])
            async with httpx.AsyncClient(timeout=60) as http:
                async def through_gateway() -> None:
                    r = await http.post(base["gateway"] + "/graphql", json={"query": COVERAGE}, headers=bureau)
                    assert r.status_code == 200 and "errors" not in r.json(), r.text

                async def direct() -> None:
                    r = await http.get(base["policy"] + "/v1/coverage", headers=bureau,
                                       params={"region_code": "330282", "group_by": "TOWN"})
                    assert r.status_code == 200, r.text

                async def nested() -> None:
                    r = await http.post(base["gateway"] + "/graphql", json={"query": NESTED}, headers=admin)
                    body = r.json()
                    assert "errors" not in body and len(body["data"]["bookings"]["nodes"]) == 100, r.text[:500]

                # Interleaved, so that both see the same load on a shared machine.
                gateway_ms, direct_ms = await paired_medians(args.runs, through_gateway, direct)
                nested_ms = await median_ms(args.runs, nested)
                parts = await nested_parts(http, base, admin, args.runs)
        print(f"coverage(groupBy: TOWN) over {args.firms:,} firms, median of {args.runs}:")
        print(f"  through the gateway (GraphQL)      {gateway_ms:8.1f} ms")
        print(f"  on the policy service directly     {direct_ms:8.1f} ms")
        extra = gateway_ms - direct_ms
        print(f"  ratio (gateway overhead)           {gateway_ms / direct_ms:8.2f} x  (+{extra:.1f} ms)")
        print(f"nested list of 100 bookings with firm, policy and agency (3 services): {nested_ms:.1f} ms")
        print("  the same four reads called on the services directly, median each:")
        for name, ms in parts.items():
            print(f"    {name:<44} {ms:8.1f} ms")
        print(f"    {'sum':<44} {sum(parts.values()):8.1f} ms")
    finally:
        for url in urls.values():
            await testing.drop_pg_database(url)


if __name__ == "__main__":
    asyncio.run(main())
