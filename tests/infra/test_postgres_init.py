"""The PostgreSQL init script of compose and the city overlay, run against a throwaway PostgreSQL 15
cluster: one database and one login role per part, each role able to reach its own database only."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import asyncpg
import pytest

from tests.infra.conftest import INFRA

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PARTS = ("policy", "providers", "bookings", "gateway")


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    if not (PG_BIN / "initdb").exists() or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("PostgreSQL 15's initdb is not installed here")
    folder = Path(tempfile.mkdtemp(prefix="anze-pginit-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port, pwfile = folder / "data", _free_port(), folder / "pw"
    pwfile.write_text("superpass\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    subprocess.run([*_as_postgres(), str(PG_BIN / "initdb"), "-A", "scram-sha-256", f"--pwfile={pwfile}",
                    "-U", "postgres", "-D", str(data)], check=True, capture_output=True, timeout=120)
    subprocess.run([*_as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"),
                    "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        yield port
    finally:
        subprocess.run([*_as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


def _init(port: int, **passwords: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(port), "PGPASSWORD": "superpass",
           "POSTGRES_USER": "postgres", **passwords}
    return subprocess.run(["bash", str(INFRA / "postgres" / "init-databases.sh")], env=env, capture_output=True,
                          text=True, timeout=120)


async def test_each_part_gets_its_own_database_and_role_and_cannot_enter_another(cluster):
    passwords = {f"{part.upper()}_DB_PASSWORD": f"{part}-secret-1" for part in PARTS}
    result = _init(cluster, **passwords)
    assert result.returncode == 0, result.stderr
    assert _init(cluster, **passwords).returncode == 0, "running it twice changes nothing"

    for part in PARTS:
        own = await asyncpg.connect(host="127.0.0.1", port=cluster, user=part, password=f"{part}-secret-1",
                                    database=part)
        try:
            await own.execute("CREATE TABLE proof (id int)")  # the role owns its database
        finally:
            await own.close()
        other = "bookings" if part != "bookings" else "policy"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(host="127.0.0.1", port=cluster, user=part, password=f"{part}-secret-1",
                                  database=other)
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(host="127.0.0.1", port=cluster, user=part, password="wrong", database=part)


def test_the_script_refuses_to_create_a_role_without_a_password(cluster):
    result = _init(cluster, POLICY_DB_PASSWORD="x", PROVIDERS_DB_PASSWORD="y", BOOKINGS_DB_PASSWORD="z")
    assert result.returncode == 1
    assert "GATEWAY_DB_PASSWORD is not set" in result.stderr
