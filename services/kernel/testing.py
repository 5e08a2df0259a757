"""Test helpers shared by every part's tests: real databases (SQLite, or PostgreSQL when present), a
NATS stream of the test's own, tokens signed with a test key, and apps run with their lifespan."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from services.kernel.auth import Role, TokenSigner, generate_keypair
from services.kernel.settings import KernelSettings

PG_ADMIN_URL = os.environ.get("ANZE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NATS_URL = os.environ.get("ANZE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _port_open(host: str, port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def _host_port(url: str, default: int) -> tuple[str, int]:
    netloc = url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = netloc.partition(":")
    return host or "127.0.0.1", int(port or default)


def postgres_available() -> bool:
    if os.environ.get("ANZE_TEST_NO_PG"):
        return False
    return _port_open(*_host_port(PG_ADMIN_URL, 5432))


def nats_available() -> bool:
    if os.environ.get("ANZE_TEST_NO_NATS"):
        return False
    return _port_open(*_host_port(NATS_URL, 4222))


CHROMIUM = Path("/usr/bin/chromium")


def chromium_available() -> bool:
    """Debian's Chromium, which the browser tests drive through Playwright (never a downloaded browser)."""
    return not os.environ.get("ANZE_TEST_NO_CHROMIUM") and CHROMIUM.exists()


def backends() -> list[str]:
    """The database backends this machine can test on: always SQLite, PostgreSQL when it runs."""
    return ["sqlite", "postgres"] if postgres_available() else ["sqlite"]


async def create_pg_database(prefix: str = "anze_t") -> str:
    """A fresh, empty PostgreSQL database; returns its asyncpg SQLAlchemy URL."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def drop_pg_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def database_url(backend: str, tmp_path: Path, name: str = "part") -> AsyncIterator[str]:
    """A fresh database URL of the given backend, removed afterwards."""
    if backend == "postgres":
        url = await create_pg_database()
        try:
            yield url
        finally:
            await drop_pg_database(url)
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}"


@dataclass
class TestKeys:
    """A key pair for the test run: tokens signed here verify in every part."""

    private_pem: bytes
    public_pem: bytes

    @classmethod
    def generate(cls) -> TestKeys:
        private_pem, public_pem = generate_keypair()
        return cls(private_pem, public_pem)

    @property
    def signer(self) -> TokenSigner:
        return TokenSigner(self.private_pem, issuer="anze-gateway")

    def token(self, role: Role | str, org: str | None = None, region: str | None = None,
              sub: str | None = None, expert: str | None = None) -> str:
        role = Role(role)
        return self.signer.issue(sub=sub or f"usr_test_{role.value}_{org or ''}_{expert or ''}", role=role,
                                 org=org, region=region, expert=expert)

    def headers(self, role: Role | str, org: str | None = None, region: str | None = None,
                expert: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, org, region, expert=expert)}"}

    def kernel_settings(self, tmp_path: Path, *, bus_url: str = "memory://",
                        bus_stream: str | None = None, **extra: Any) -> KernelSettings:
        return KernelSettings(
            env="test", var_dir=tmp_path, bus_url=bus_url,
            bus_stream=bus_stream or f"T{uuid.uuid4().hex[:10].upper()}",
            jwt_public_keys=SecretStr(self.public_pem.decode()), log_json=False, relay_poll_seconds=0.2, **extra,
        )


@contextlib.asynccontextmanager
async def running(app: FastAPI, base_url: str = "http://test") -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (engines, relay, consumers) and give a client that talks to it in-process.
    Like a real server, an unexpected exception becomes the app's 500 response rather than a raise."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


async def migrate_app(app: FastAPI, migrations_dir: Path) -> None:
    from services.kernel.migrations import upgrade

    await upgrade(app.state.runtime.database, migrations_dir)


# ---------------------------------------------------------------- a JetStream cluster of real servers

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [int(sock.getsockname()[1]) for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@contextlib.contextmanager
def nats_cluster(folder: Path, size: int = 3) -> Iterator[tuple[list[str], dict[str, subprocess.Popen[bytes]]]]:
    """``size`` servers routed to each other, each with JetStream on its own store; yields the client URLs
    and the processes by server name."""
    ports = _free_ports(2 * size)
    clients, routes = ports[:size], ports[size:]
    route_urls = ", ".join(f"nats://127.0.0.1:{port}" for port in routes)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for i in range(size):
            name = f"anze-nats-{i}"
            conf = folder / f"{name}.conf"
            conf.write_text(f"""server_name: {name}
listen: 127.0.0.1:{clients[i]}
jetstream {{ store_dir: "{folder / name}" }}
cluster {{ name: anze, listen: 127.0.0.1:{routes[i]}, routes: [{route_urls}] }}
""")
            processes[name] = subprocess.Popen([NATS_SERVER, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                               stderr=(folder / f"{name}.log").open("wb"))
        yield [f"nats://127.0.0.1:{port}" for port in clients], processes
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# ---------------------------------------------------------------- the clock of a test run

SUITE_INSTANT_ENV = "ANZE_TEST_INSTANT"
DEFAULT_SUITE_INSTANT = "2026-11-17T10:00:00+08:00"  # a Tuesday morning in Cixi, far from any holiday
LIBFAKETIME_PATHS = ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                     "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1")
_clock_offset_seconds: int | None = None  # pinned instant − the machine's real time, while a run is pinned


def suite_instant() -> datetime:
    """The instant a test run is pinned at: ``ANZE_TEST_INSTANT`` (ISO 8601 with an offset) or a fixed
    Tuesday morning. Every test sees the platform's clock start there and tick on, whatever the wall says."""
    text = os.environ.get(SUITE_INSTANT_ENV) or DEFAULT_SUITE_INSTANT
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError(f"{SUITE_INSTANT_ENV} needs an offset, e.g. 2026-12-03T23:45:00+08:00: {text!r}")
    return instant


def _outer_faketime_offset() -> int:
    """The offset libfaketime already applies to this process (a CI step runs pytest under it), in seconds."""
    outer = os.environ.get("FAKETIME", "")
    if not outer or not os.environ.get("LD_PRELOAD", "").count("faketime"):
        return 0
    try:
        return int(outer)
    except ValueError as exc:
        raise RuntimeError(f"run the tests under libfaketime with a relative offset in seconds, not {outer!r}") \
            from exc


def suite_clock_ticks() -> bool:
    """Whether the suite's pinned clock ticks on (the default) or stays frozen at the instant
    (``ANZE_TEST_CLOCK=frozen``: CI's runs at 23:59:30 must not cross midnight halfway through a test)."""
    return os.environ.get("ANZE_TEST_CLOCK", "ticking") != "frozen"


@contextlib.contextmanager
def pinned_clock(instant: datetime, *, tick: bool = True) -> Iterator[datetime]:
    """Pin this process's clock at ``instant`` (ticking on from there, or frozen) with time-machine, and remember
    the offset so that processes the tests start run at the same instant (``pinned_clock_env``)."""
    import time

    import time_machine

    global _clock_offset_seconds
    previous = _clock_offset_seconds
    _clock_offset_seconds = _outer_faketime_offset() + round(instant.timestamp() - time.time())
    try:
        with time_machine.travel(instant, tick=tick):
            yield instant
    finally:
        _clock_offset_seconds = previous


def libfaketime() -> str | None:
    return next((path for path in LIBFAKETIME_PATHS if Path(path).exists()), None)


def pinned_clock_env() -> dict[str, str]:
    """Environment for a process a test starts (a distributed part, the CLI) so that its clock reads what the
    test's pinned clock reads: libfaketime with the same offset from real time. Empty when nothing is pinned."""
    if _clock_offset_seconds is None:
        return {}
    if not suite_clock_ticks():
        raise RuntimeError("a process cannot share a frozen clock: run the tests that start processes "
                           "(the distributed ones) on the ticking clock")
    library = libfaketime()
    if library is None:
        raise RuntimeError("libfaketime is not installed (apt-get install faketime): a process started by a "
                           "test would run on the wall clock while the test runs on its pinned clock")
    preload = " ".join(p for p in (library, *os.environ.get("LD_PRELOAD", "").split()) if "faketime" not in p
                       or p == library)
    return {"LD_PRELOAD": preload, "FAKETIME": f"{_clock_offset_seconds:+d}"}
