"""Alembic per part, run programmatically (``anze migrate``) or from its ``env.py`` (the alembic CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from services.kernel.db import Database


def alembic_config(migrations_dir: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(database: Database, migrations_dir: Path, revision: str = "head") -> None:
    """Bring one part's database to ``revision`` on a connection of its own engine."""

    def _run(connection: Connection) -> None:
        cfg = alembic_config(migrations_dir, database.url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with database.engine.begin() as conn:
        await conn.run_sync(_run)


def _configure(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                      user_module_prefix="kernel_types.")
    with context.begin_transaction():
        context.run_migrations()


def run_env(metadata: MetaData) -> None:
    """The whole body of each part's ``migrations/env.py``."""
    config = context.config
    connection: Any = config.attributes.get("connection")
    if connection is not None:
        _configure(connection, metadata)
        return

    import asyncio

    async def _online() -> None:
        engine = async_engine_from_config(config.get_section(config.config_ini_section) or {},
                                          prefix="sqlalchemy.", poolclass=pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(_configure, metadata)
        await engine.dispose()

    asyncio.run(_online())


def regenerate_initial(migrations_dir: Path, message: str = "initial schema") -> None:
    """Before the first release, a part keeps one migration: rewrite it from the models (dev command
    ``anze makemigrations PART``). After release, new revisions are added instead."""
    import tempfile

    versions = migrations_dir / "versions"
    versions.mkdir(exist_ok=True)
    for old in versions.glob("*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = alembic_config(migrations_dir, f"sqlite+aiosqlite:///{tmp}/gen.db")
        command.revision(cfg, message=message, autogenerate=True, rev_id="0001")
