"""The ``anze`` command as an operator uses it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from anze.composition import PARTS


def _anze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anze.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("part", PARTS)
def test_serve_help_runs_for_every_part(part):
    result = _anze("serve", part, "--help")
    assert result.returncode == 0
    assert "--port" in result.stdout


def test_an_unknown_part_is_refused_with_the_list_of_parts():
    result = _anze("serve", "billing")
    assert result.returncode == 2
    assert "policy" in result.stderr and "invalid choice" in result.stderr


def test_seed_refuses_without_demo_flag(tmp_path):
    result = subprocess.run([sys.executable, "-m", "anze.cli", "seed"], capture_output=True, text=True,
                            timeout=60, env={"ANZE_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "--demo" in result.stderr


def test_up_in_production_seeds_no_demo_accounts_and_seed_all_refuses(tmp_path, monkeypatch):
    """The demo accounts have a published password: with ANZE_ENV=prod, ``anze up`` migrates and serves but
    seeds nothing, and seeding (``anze seed --demo`` or any caller of seed_all) is refused."""
    import argparse
    import asyncio

    import uvicorn

    from anze import cli
    from anze.composition import seed_all
    from gateway.accounts import repository
    from services.kernel.db import Database
    from services.kernel.settings import KernelSettings

    monkeypatch.setenv("ANZE_ENV", "prod")
    monkeypatch.setenv("ANZE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ANZE_WEB_SESSION_SECRET", "a-session-secret-for-this-test-only-0123456789")
    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    args = argparse.Namespace(distributed=False, no_seed=False, host="127.0.0.1", port=8000)
    assert cli.cmd_up(args) == 0
    assert served and not (tmp_path / ".demo-seeded").exists()

    async def accounts() -> int:
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
        try:
            async with database.transaction() as session:
                return await repository.count(session)
        finally:
            await database.dispose()

    assert asyncio.run(accounts()) == 0
    with pytest.raises(RuntimeError, match="ANZE_ENV=prod"):
        asyncio.run(seed_all(KernelSettings(env="prod", var_dir=tmp_path)))
    refused = subprocess.run([sys.executable, "-m", "anze.cli", "seed", "--demo"], capture_output=True, text=True,
                             timeout=60, env={"ANZE_VAR_DIR": str(tmp_path), "ANZE_ENV": "prod",
                                              "PATH": "/usr/bin:/bin"})
    assert refused.returncode != 0 and "prod" in refused.stderr
