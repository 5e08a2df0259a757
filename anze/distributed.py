"""The distributed topology on one machine: every part its own process, each service on its own
PostgreSQL database, events on NATS JetStream, real HTTP between them. ``anze up --distributed`` and
the distributed tests both use this; containers run the same ``anze serve PART`` command."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from anze.composition import DEFAULT_PORTS, PARTS
from services.kernel.auth import ensure_dev_keys

DB_PARTS = ("policy", "providers", "bookings", "gateway")


@dataclass
class DistributedConfig:
    pg_admin_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    nats_url: str = "nats://127.0.0.1:4222"
    var_dir: Path = Path("var")
    db_prefix: str = "anze"
    stream: str = "ANZE"
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    env_name: str = "dev"

    def database_url(self, part: str) -> str:
        base = self.pg_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        return f"{base}/{self.db_prefix}_{part}"

    def url(self, part: str) -> str:
        return f"http://{self.host}:{self.ports[part]}"

    def environment(self) -> dict[str, str]:
        """Every setting each process needs; only wiring differs from the embedded mode."""
        private_key, public_key = ensure_dev_keys(self.var_dir)
        env = {
            "ANZE_ENV": self.env_name, "ANZE_VAR_DIR": str(self.var_dir.resolve()),
            "ANZE_BUS_URL": self.nats_url, "ANZE_BUS_STREAM": self.stream,
            "ANZE_JWT_PUBLIC_KEY_FILE": str(public_key.resolve()),
            "ANZE_GATEWAY_JWT_PRIVATE_KEY_FILE": str(private_key.resolve()),
            "ANZE_GATEWAY_POLICY_URL": self.url("policy"),
            "ANZE_GATEWAY_PROVIDERS_URL": self.url("providers"),
            "ANZE_GATEWAY_BOOKINGS_URL": self.url("bookings"),
            "ANZE_BOOKINGS_PROVIDERS_URL": self.url("providers"),
            "ANZE_BOOKINGS_POLICY_URL": self.url("policy"),
            "ANZE_WEB_GATEWAY_URL": self.url("gateway"),
        }
        for part in DB_PARTS:
            env[f"ANZE_{part.upper()}_DATABASE_URL"] = self.database_url(part)
        for part in PARTS:
            env[f"ANZE_{part.upper()}_PORT"] = str(self.ports[part])
        return env


async def ensure_databases(config: DistributedConfig) -> None:
    """Create each part's database when it does not exist yet."""
    import asyncpg

    conn = await asyncpg.connect(config.pg_admin_url)
    try:
        for part in DB_PARTS:
            name = f"{config.db_prefix}_{part}"
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_databases(config: DistributedConfig) -> None:
    import asyncpg

    conn = await asyncpg.connect(config.pg_admin_url)
    try:
        for part in DB_PARTS:
            await conn.execute(f'DROP DATABASE IF EXISTS "{config.db_prefix}_{part}" WITH (FORCE)')
    finally:
        await conn.close()


class Supervisor:
    """Starts, stops and waits for the parts' processes."""

    def __init__(self, config: DistributedConfig, log_dir: Path | None = None) -> None:
        self.config = config
        self.env = {**os.environ, **config.environment()}
        self.log_dir = log_dir or config.var_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def command(self, part: str) -> list[str]:
        return [sys.executable, "-m", "anze.cli", "serve", part, "--host", self.config.host,
                "--port", str(self.config.ports[part])]

    def start(self, part: str) -> None:
        log_file = (self.log_dir / f"{part}.log").open("ab")
        self.processes[part] = subprocess.Popen(self.command(part), env=self.env, stdout=log_file,
                                                stderr=subprocess.STDOUT)

    def stop(self, part: str, timeout: float = 10) -> None:
        process = self.processes.pop(part, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for part in reversed(list(self.processes)):
            self.stop(part)

    def wait_ready(self, part: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        url = self.config.url(part) + "/readyz"
        while time.monotonic() < deadline:
            process = self.processes.get(part)
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{part} exited with {process.returncode}; see {self.log_dir / part}.log")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{part} was not ready within {timeout}s; see {self.log_dir / part}.log")

    def start_all(self, parts: tuple[str, ...] = PARTS) -> None:
        for part in parts:
            self.start(part)
        for part in parts:
            self.wait_ready(part)

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes.values())


def run_forever(supervisor: Supervisor) -> int:
    """Keep the parts running until interrupted; stop them all on the way out."""
    stop = asyncio.Event()

    async def _wait() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        while not stop.is_set() and supervisor.alive():
            try:
                await asyncio.wait_for(stop.wait(), timeout=1)
            except TimeoutError:
                pass

    try:
        asyncio.run(_wait())
    finally:
        supervisor.stop_all()
    return 0
