"""``anze backup DIR`` and ``anze restore DIR``: every part's database, with pg_dump/pg_restore on PostgreSQL
(the distributed mode) and a consistent copy through SQLite's online backup API (the embedded mode).
A ``manifest.json`` records each part's file, its checksum and its migration revision."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from services.kernel import clock

log = logging.getLogger("anze.backup")

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


# ---------------------------------------------------------------- where the databases are


def database_parts() -> tuple[str, ...]:
    """The parts that keep a database (the web keeps none)."""
    from anze.composition import PARTS, part_app_module

    return tuple(p for p in PARTS if getattr(part_app_module(p), "MIGRATIONS", None) is not None)


def configured_databases(parts: tuple[str, ...] | None = None) -> dict[str, str]:
    """Each part's database URL from its settings (the environment), as ``anze serve`` would use it."""
    from anze.composition import part_settings
    from services.kernel.settings import KernelSettings

    kernel = KernelSettings()
    return {part: part_settings(part, kernel).resolved_database_url(part) for part in parts or database_parts()}


def _sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


@dataclass
class _Postgres:
    """A PostgreSQL URL split into what libpq tools take: a URL without the password, and the password."""

    url: str
    password: str | None

    @classmethod
    def parse(cls, url: str) -> _Postgres:
        parts = urlsplit(url.replace("+asyncpg", "", 1).replace("+psycopg", "", 1))
        password = unquote(parts.password) if parts.password else None
        netloc = parts.hostname or ""
        if parts.username:
            netloc = f"{parts.username}@{netloc}"
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        return cls(urlunsplit(("postgresql", netloc, parts.path, parts.query, "")), password)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env

    @property
    def asyncpg_url(self) -> str:
        parts = urlsplit(self.url)
        if self.password is None:
            return self.url
        user, _, host = parts.netloc.rpartition("@")
        from urllib.parse import quote

        return urlunsplit((parts.scheme, f"{user}:{quote(self.password, safe='')}@{host}", parts.path,
                           parts.query, ""))


def pg_tool(name: str, pg_bin: Path | None = None) -> str:
    """``pg_dump`` or ``pg_restore``: from ``--pg-bin``, else PATH, else the newest /usr/lib/postgresql."""
    if pg_bin is not None:
        return str(pg_bin / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if not candidates:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (postgresql-client) "
                          "or give its folder with --pg-bin")
    return str(candidates[-1])


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- one database


def _sqlite_revision(path: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
    return row[0] if row else None


def _sqlite_tables(path: Path) -> list[str]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy while writers may be running: SQLite's online backup API, then a check."""
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"the copy of {source} failed its integrity check: {verdict}")


def _sqlite_restore(part: str, source: Path, target: Path, force: bool) -> None:
    if _sqlite_tables(target) and not force:
        raise BackupError(f"{part}: {target} already holds tables; stop the platform and pass --force "
                          "to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    _sqlite_copy(source, target)


def _new_backup_folder(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / MANIFEST).exists():
        raise BackupError(f"{directory} already holds a backup; choose a new folder")


async def _pg_query(pg: _Postgres, sql: str) -> list[Any]:
    import asyncpg

    try:
        conn = await asyncpg.connect(pg.asyncpg_url)
    except Exception as exc:
        raise BackupError(f"cannot connect to {pg.url}: {exc}") from exc
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def _pg_tables(pg: _Postgres) -> list[str]:
    rows = await _pg_query(pg, "SELECT tablename FROM pg_tables "
                               "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    return [r[0] for r in rows]


async def _pg_revision(pg: _Postgres) -> str | None:
    with contextlib.suppress(BackupError, Exception):
        rows = await _pg_query(pg, "SELECT version_num FROM alembic_version")
        return rows[0][0] if rows else None
    return None


async def backup_one(part: str, url: str, directory: Path, pg_bin: Path | None = None) -> dict[str, Any]:
    if url.startswith("sqlite"):
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"{part}: {source} does not exist (run `anze migrate` first?)")
        target = directory / f"{part}.sqlite"
        tmp = target.with_suffix(".partial")
        await asyncio.to_thread(_sqlite_copy, source, tmp)
        tmp.replace(target)
        revision = await asyncio.to_thread(_sqlite_revision, target)
        kind = "sqlite"
    elif url.startswith("postgresql"):
        pg = _Postgres.parse(url)
        target = directory / f"{part}.dump"
        tmp = target.with_suffix(".partial")
        # One snapshot of the whole database; no owners or grants, so any role can restore it as its own.
        await asyncio.to_thread(_run, [pg_tool("pg_dump", pg_bin), "--format=custom", "--no-owner",
                                       "--no-privileges", f"--file={tmp}", f"--dbname={pg.url}"], pg.env())
        tmp.replace(target)
        revision = await _pg_revision(pg)
        kind = "postgresql"
    else:
        raise BackupError(f"{part}: cannot back up a database at {url.split(':', 1)[0]}://")
    log.info("backed up %s (%s) to %s", part, kind, target)
    return {"kind": kind, "file": target.name, "sha256": _sha256(target), "size": target.stat().st_size,
            "revision": revision}


async def restore_one(part: str, entry: dict[str, Any], url: str, directory: Path, *, force: bool = False,
                      pg_bin: Path | None = None) -> None:
    source = directory / entry["file"]
    if not source.exists():
        raise BackupError(f"{part}: {source} is missing from the backup")
    if _sha256(source) != entry["sha256"]:
        raise BackupError(f"{part}: {source} does not match its checksum: the backup is damaged")
    if url.startswith("sqlite"):
        if entry["kind"] != "sqlite":
            raise BackupError(f"{part}: the backup is {entry['kind']} but the target is SQLite; "
                              "move data between the modes with a fresh seed or an export instead")
        await asyncio.to_thread(_sqlite_restore, part, source, _sqlite_path(url), force)
    elif url.startswith("postgresql"):
        if entry["kind"] != "postgresql":
            raise BackupError(f"{part}: the backup is {entry['kind']} but the target is PostgreSQL")
        pg = _Postgres.parse(url)
        existing = await _pg_tables(pg)
        if existing and not force:
            raise BackupError(f"{part}: the database already holds {len(existing)} tables; stop the part and "
                              "pass --force to replace them")
        args = [pg_tool("pg_restore", pg_bin), "--no-owner", "--no-privileges", "--exit-on-error",
                f"--dbname={pg.url}"]
        if existing:
            args += ["--clean", "--if-exists"]
        else:
            args.append("--single-transaction")
        await asyncio.to_thread(_run, [*args, str(source)], pg.env())
    else:
        raise BackupError(f"{part}: cannot restore into {url.split(':', 1)[0]}://")
    log.info("restored %s from %s", part, source)


# ---------------------------------------------------------------- every database


async def backup(directory: Path, databases: dict[str, str], pg_bin: Path | None = None) -> dict[str, Any]:
    """Back up each part's database into ``directory`` (created; must hold no earlier backup)."""
    _new_backup_folder(directory)
    manifest: dict[str, Any] = {"format": FORMAT_VERSION, "created_at": clock.now().isoformat(),
                                "parts": {}}
    for part, url in databases.items():
        manifest["parts"][part] = await backup_one(part, url, directory, pg_bin)
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.exists():
        raise BackupError(f"{directory} holds no backup ({MANIFEST} is missing)")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format')!r}")
    return manifest


async def restore(directory: Path, databases: dict[str, str], *, force: bool = False,
                  pg_bin: Path | None = None) -> list[str]:
    """Restore every part of the backup in ``directory`` into the given databases (which must exist)."""
    manifest = read_manifest(directory)
    missing = set(databases) - set(manifest["parts"])
    if missing:
        raise BackupError(f"the backup holds no database for {', '.join(sorted(missing))}")
    for part, url in databases.items():
        await restore_one(part, manifest["parts"][part], url, directory, force=force, pg_bin=pg_bin)
    return list(databases)


# ---------------------------------------------------------------- the command line


def _selected(args: argparse.Namespace) -> tuple[str, ...] | None:
    if not args.part:
        return None
    without = sorted(set(args.part) - set(database_parts()))
    if without:
        raise BackupError(f"{', '.join(without)} keeps no database")
    return tuple(args.part)


def _configure_logging() -> None:
    from services.kernel.logging import configure_logging
    from services.kernel.settings import KernelSettings

    kernel = KernelSettings()
    configure_logging(kernel.log_level, json_lines=kernel.log_json and kernel.env != "dev")


def cmd_backup(args: argparse.Namespace) -> int:
    _configure_logging()
    try:
        manifest = asyncio.run(backup(Path(args.directory), configured_databases(_selected(args)), args.pg_bin))
    except BackupError as exc:
        log.error("backup failed: %s", exc)
        return 1
    log.info("backup complete in %s: %s", args.directory, ", ".join(manifest["parts"]))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    _configure_logging()
    directory = Path(args.directory)
    try:
        parts = _selected(args) or tuple(read_manifest(directory)["parts"])
        done = asyncio.run(restore(directory, configured_databases(parts), force=args.force,
                                   pg_bin=args.pg_bin))
    except BackupError as exc:
        log.error("restore failed: %s", exc)
        return 1
    log.info("restored %s from %s; start the platform again", ", ".join(done), directory)
    return 0


def register(subparsers: Any) -> None:
    """Add ``anze backup`` and ``anze restore`` to the CLI."""
    from anze.composition import PARTS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("directory", help="the backup folder")
    common.add_argument("--part", action="append", choices=PARTS,
                        help="only this part (repeatable); default: every part with a database")
    common.add_argument("--pg-bin", type=Path, default=None,
                        help="folder of pg_dump/pg_restore (default: PATH, then /usr/lib/postgresql/*/bin)")
    b = subparsers.add_parser("backup", parents=[common],
                              help="back up every part's database into a new folder",
                              description="pg_dump per database (PostgreSQL) or a consistent SQLite copy, "
                                          "with a manifest of checksums and migration revisions.")
    b.set_defaults(func=cmd_backup)
    r = subparsers.add_parser("restore", parents=[common],
                              help="restore every part's database from a backup folder",
                              description="Into empty databases (created and not yet migrated, or new SQLite "
                                          "files). Stop the platform first.")
    r.add_argument("--force", action="store_true", help="replace databases that already hold tables")
    r.set_defaults(func=cmd_restore)
