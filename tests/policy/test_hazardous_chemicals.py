"""Hazardous chemicals split by activity: production, operation (trade) and storage make insurance compulsory;
use does not (2025 Measures). Firms tagged before the split are migrated to production (docs/decisions.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from services.kernel.db import Database
from services.kernel.migrations import upgrade
from services.policy.app import MIGRATIONS
from services.policy.models import Enterprise, EnterpriseTag, Region


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("tag", "compulsory"), [
    ("HAZARDOUS_CHEMICALS_PRODUCTION", True), ("HAZARDOUS_CHEMICALS_OPERATION", True),
    ("HAZARDOUS_CHEMICALS_STORAGE", True), ("HAZARDOUS_CHEMICALS_USE", False)])
async def test_production_operation_and_storage_are_compulsory_and_use_is_not(world, tag, compulsory):
    firm = await world.firm(high_risk_tags=[tag])
    assert firm["high_risk_tags"] == [tag] and firm["compulsory"] is compulsory


@pytest.mark.asyncio(loop_scope="module")
async def test_the_old_single_tag_from_an_old_client_is_read_as_production(world):
    firm = await world.firm(high_risk_tags=["HAZARDOUS_CHEMICALS"])
    assert firm["high_risk_tags"] == ["HAZARDOUS_CHEMICALS_PRODUCTION"] and firm["compulsory"] is True


def test_a_firm_that_uses_chemicals_is_priced_medium_not_high():
    from services.policy.pricing import risk_class

    assert risk_class(["HAZARDOUS_CHEMICALS_USE"]) == "MEDIUM"
    assert risk_class(["HAZARDOUS_CHEMICALS_STORAGE"]) == "HIGH"


async def test_migration_0004_moves_tagged_firms_to_the_compulsory_production_tag(db_url):
    database = Database(db_url)
    try:
        await upgrade(database, MIGRATIONS, "0003")
        now = datetime(2026, 1, 5, tzinfo=UTC)
        firm = {"uscc": "91330282MA2CX00019", "name": "演示-迁移化工厂", "town_code": "330282107", "sector": "INDUSTRY",
                "industry_code": "C26", "employees": 12, "annual_revenue_fen": 100_000_000, "size_class": "MICRO",
                "compulsory": True, "blacklisted": False, "principal_name": "测试", "contact_phone": "1",
                "operating_status": "OPERATING", "demo": True, "created_at": now, "updated_at": now}
        async with database.transaction() as s:
            await s.execute(insert(Region), [{"code": "330282107", "name": "观海卫镇", "level": "TOWN",
                                              "parent_code": None, "kind": "TOWN", "verified": True}])
            await s.execute(insert(Enterprise), [
                {**firm, "id": "ent_old", "high_risk_tags": ["HAZARDOUS_CHEMICALS", "SPRAY_PAINTING"]},
                {**firm, "id": "ent_plain", "uscc": "92330282MA2CX00029", "high_risk_tags": ["SPRAY_PAINTING"],
                 "compulsory": False}])
            await s.execute(insert(EnterpriseTag), [
                {"enterprise_id": "ent_old", "tag": "HAZARDOUS_CHEMICALS"},
                {"enterprise_id": "ent_old", "tag": "SPRAY_PAINTING"},
                {"enterprise_id": "ent_plain", "tag": "SPRAY_PAINTING"}])
        await upgrade(database, MIGRATIONS)
        async with database.transaction() as s:
            tags = {e.id: (e.high_risk_tags, e.compulsory) for e in (await s.scalars(select(Enterprise))).all()}
            rows = sorted((t.enterprise_id, t.tag) for t in (await s.scalars(select(EnterpriseTag))).all())
        assert tags == {"ent_old": (["HAZARDOUS_CHEMICALS_PRODUCTION", "SPRAY_PAINTING"], True),
                        "ent_plain": (["SPRAY_PAINTING"], False)}
        assert rows == [("ent_old", "HAZARDOUS_CHEMICALS_PRODUCTION"), ("ent_old", "SPRAY_PAINTING"),
                        ("ent_plain", "SPRAY_PAINTING")]
    finally:
        await database.dispose()
