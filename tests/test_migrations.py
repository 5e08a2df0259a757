"""Every part's migrations build exactly the schema its models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from anze.composition import PACKAGES, PARTS, part_app_module
from services.kernel.db import Database
from services.kernel.migrations import upgrade

DB_PARTS = [p for p in PARTS if getattr(part_app_module(p), "MIGRATIONS", None) is not None]


def _metadata(part: str):
    """The part's declarative metadata: ``<part>.models.Base`` (the gateway keeps it with its accounts)."""
    for name in (f"{PACKAGES[part]}.models", f"{PACKAGES[part]}.accounts.models"):
        try:
            return importlib.import_module(name).Base.metadata
        except ModuleNotFoundError:
            continue
    raise AssertionError(f"{part} has migrations but no models module")


@pytest.mark.parametrize("part", DB_PARTS)
async def test_migrations_match_the_models(part, db_url):
    database = Database(db_url)
    try:
        await upgrade(database, part_app_module(part).MIGRATIONS)
        metadata = _metadata(part)

        def diff(connection):
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            return compare_metadata(context, metadata)

        async with database.engine.connect() as conn:
            changes = await conn.run_sync(diff)
        assert changes == [], f"{part}: the models and the migrations differ: {changes}"
    finally:
        await database.dispose()
