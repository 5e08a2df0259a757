"""``anze backup`` and ``anze restore``: after the whole thin journey has run on the platform, every part's
databases, backed up and restored into empty ones, come back row for row (policies, ledger lines,
records, hazards, accounts...), on SQLite with the online backup API and on PostgreSQL with
pg_dump/pg_restore; a damaged backup or a restore over live data is refused."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import inspect, text

from anze.backup import BackupError, backup, database_parts, restore
from anze.composition import PACKAGES, migrate_all, part_app_module
from services.kernel import testing
from services.kernel.db import Database
from services.kernel.settings import KernelSettings

ANZE = Path(sys.executable).with_name("anze")
# The tables a restored platform must not lose, where the part has them.
KEY_TABLES = {"policy": ["enterprises", "policies", "booking_records", "hazard_records"],
              "bookings": ["prevention_ledgers", "ledger_entries", "hazards"],
              "providers": ["agencies", "experts", "offerings"], "gateway": ["accounts"]}


async def _seed(kernel: KernelSettings, overrides: dict[str, Any] | None) -> None:
    """The parts' own demo seeds, in their order, with a small number of firms."""
    from anze.composition import part_settings

    ctx: dict[str, Any] = {"firms": 40}
    for part in ("policy", "providers", "bookings", "gateway"):
        try:
            seed = importlib.import_module(f"{PACKAGES[part]}.seed")
        except ModuleNotFoundError:
            continue  # a part without a demo seed yet: its tables are still backed up, empty
        database = Database(part_settings(part, kernel, overrides).resolved_database_url(part))
        try:
            await seed.seed_demo(database, ctx)
        except Exception as exc:  # another part's seed being built: back up what the others wrote
            if part == "policy":
                raise
            warnings.warn(f"the {part} demo seed failed ({exc!r}); its tables are compared empty", stacklevel=1)
        finally:
            await database.dispose()


async def _snapshot(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as sorted tuples of text."""
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
            rows = {}
            for table in tables:
                result = await conn.execute(text(f'SELECT * FROM "{table}"'))
                rows[table] = sorted(tuple(str(v) for v in row) for row in result)
        return rows
    finally:
        await database.dispose()


def _settings(part: str, url: str, kernel: KernelSettings) -> Any:
    return part_app_module(part).SETTINGS(database_url=url, kernel=kernel)


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=testing.backends())
async def live(request, tmp_path_factory, keys):
    """Every part's database, migrated and holding the demo data (made once per backend)."""
    tmp_path = tmp_path_factory.mktemp("live")
    kernel = keys.kernel_settings(tmp_path)
    if request.param == "postgres":
        source = {part: await testing.create_pg_database("anze_bk") for part in database_parts()}
    else:
        source = {part: f"sqlite+aiosqlite:///{tmp_path / f'{part}.db'}" for part in database_parts()}
    overrides = {part: _settings(part, url, kernel) for part, url in source.items()}
    try:
        await migrate_all(kernel, overrides, parts=database_parts())
        await _seed(kernel, overrides)
        yield request.param, source
    finally:
        if request.param == "postgres":
            for url in source.values():
                await testing.drop_pg_database(url)


@pytest_asyncio.fixture(loop_scope="module")
async def databases(live, tmp_path):
    """The live databases, and empty databases of the same kind to restore into."""
    backend, source = live
    if backend == "postgres":
        target = {part: await testing.create_pg_database("anze_rs") for part in source}
    else:
        target = {part: f"sqlite+aiosqlite:///{tmp_path / 'restored' / f'{part}.db'}" for part in source}
    try:
        yield source, target
    finally:
        if backend == "postgres":
            for url in target.values():
                await testing.drop_pg_database(url)


async def test_restore_refuses_to_overwrite_a_database_that_holds_data(databases, tmp_path):
    source, _ = databases
    await backup(tmp_path / "backup", source)
    with pytest.raises(BackupError, match="already holds"):
        await restore(tmp_path / "backup", {"policy": source["policy"]})


async def test_a_damaged_backup_is_refused_before_anything_is_written(databases, tmp_path):
    source, target = databases
    manifest = await backup(tmp_path / "backup", source)
    damaged = tmp_path / "backup" / manifest["parts"]["providers"]["file"]
    damaged.write_bytes(damaged.read_bytes()[:-16] + b"0" * 16)
    with pytest.raises(BackupError, match="checksum"):
        await restore(tmp_path / "backup", {"providers": target["providers"]})


async def test_the_command_line_backs_up_the_embedded_databases_and_restores_them_into_a_new_var(tmp_path):
    env = {**os.environ, "ANZE_ENV": "test", "ANZE_VAR_DIR": str(tmp_path / "var"), "ANZE_LOG_JSON": "false"}
    for name in list(env):
        if name.endswith("_DATABASE_URL") and name.startswith("ANZE_"):
            del env[name]
    kernel = KernelSettings(var_dir=tmp_path / "var", env="test")
    await migrate_all(kernel, parts=database_parts())
    await _seed(kernel, None)
    before = {part: await _snapshot(f"sqlite+aiosqlite:///{tmp_path / 'var' / f'{part}.db'}")
              for part in database_parts()}

    made = await asyncio.to_thread(subprocess.run, [str(ANZE), "backup", str(tmp_path / "bk")], env=env,
                                   capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert {entry["kind"] for entry in manifest["parts"].values()} == {"sqlite"}

    env["ANZE_VAR_DIR"] = str(tmp_path / "var2")
    restored = await asyncio.to_thread(subprocess.run, [str(ANZE), "restore", str(tmp_path / "bk")], env=env,
                                       capture_output=True, text=True, timeout=300)
    assert restored.returncode == 0, restored.stderr
    for part in database_parts():
        after = await _snapshot(f"sqlite+aiosqlite:///{tmp_path / 'var2' / f'{part}.db'}")
        assert after == before[part], part


@pytest.fixture(params=testing.backends())
async def journeyed(request, tmp_path, monkeypatch):
    """The embedded platform on databases of the backend, seeded, after the whole thin journey (cover
    bought, visit booked and reported, hazard rectified and closed): every part's tables hold rows."""
    from anze.composition import create_embedded_app, seed_all
    from tests.e2e.conftest import E2E_FIRMS, Gql, Steps
    from tests.e2e.test_journey import _journey

    monkeypatch.setenv("ANZE_GATEWAY_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("ANZE_GATEWAY_ARGON2_MEMORY_KIB", "8192")
    kernel = KernelSettings(env="test", var_dir=tmp_path, bus_url="memory://", relay_poll_seconds=0.2,
                            log_json=False)
    parts = database_parts()
    if request.param == "postgres":
        source = {part: await testing.create_pg_database("anze_bj") for part in parts}
        target = {part: await testing.create_pg_database("anze_rj") for part in parts}
    else:
        source = {part: f"sqlite+aiosqlite:///{tmp_path / 'live' / f'{part}.db'}" for part in parts}
        target = {part: f"sqlite+aiosqlite:///{tmp_path / 'restored' / f'{part}.db'}" for part in parts}
        (tmp_path / "live").mkdir()
    overrides = {part: _settings(part, url, kernel) for part, url in source.items()}
    try:
        await migrate_all(kernel, overrides, parts=parts)
        await seed_all(kernel, overrides, firms=E2E_FIRMS)
        async with testing.running(create_embedded_app(kernel, overrides)) as client:
            await _journey(Gql(client), Steps)
        yield source, target
    finally:
        if request.param == "postgres":
            for url in [*source.values(), *target.values()]:
                await testing.drop_pg_database(url)


@pytest.mark.asyncio(loop_scope="function")
async def test_after_the_whole_journey_a_restore_finds_every_policy_ledger_line_record_and_hazard(
        journeyed, tmp_path):
    source, target = journeyed
    before = {part: await _snapshot(url) for part, url in source.items()}
    for part, tables in KEY_TABLES.items():
        for table in tables:
            assert before[part].get(table), f"the journey left no rows in {part}.{table}"

    await backup(tmp_path / "backup", source)
    await restore(tmp_path / "backup", target)

    for part, url in target.items():
        assert await _snapshot(url) == before[part], f"{part} lost or changed rows"
