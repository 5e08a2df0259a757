"""Demo data and reference data: what `anze seed --demo` and a first start leave in the policy service."""

from __future__ import annotations

from sqlalchemy import func, select

from services.kernel import testing
from services.kernel.auth import Role
from services.policy import uscc
from services.policy.app import MIGRATIONS, create_app
from services.policy.models import Enterprise, Outbox, Policy
from services.policy.seed import seed_demo
from services.policy.settings import PolicySettings


async def test_a_fresh_service_has_cixis_regions_without_any_seeding(db_url, keys, tmp_path):
    app = create_app(PolicySettings(database_url=db_url, kernel=keys.kernel_settings(tmp_path)))
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        city = (await client.get("/v1/regions")).json()
        assert [(r["code"], r["name"]) for r in city] == [("330282", "慈溪市")]
        towns = (await client.get("/v1/regions", params={"parent_code": "330282"})).json()
        names = {r["name"] for r in towns}
        assert len(towns) == 20 and {"浒山街道", "观海卫镇", "周巷镇", "杭州湾新区"} <= names
        verified = {r["code"] for r in towns if r["verified"]}
        assert verified == {"330282107"}
        villages = (await client.get("/v1/regions", params={"parent_code": "330282107"})).json()
        assert {"卫东村", "杜家桥村"} <= {r["name"] for r in villages}
        assert all(len(r["code"]) == 12 and r["code"].startswith("330282107") for r in villages
                   if r["level"] == "VILLAGE")


async def test_the_demo_seed_fills_the_context_and_insures_about_a_third(db_url, keys, tmp_path):
    app = create_app(PolicySettings(database_url=db_url, kernel=keys.kernel_settings(tmp_path)))
    await testing.migrate_app(app, MIGRATIONS)
    database = app.state.runtime.database
    ctx: dict = {}
    await seed_demo(database, ctx)
    assert ctx["region_code"] == "330282" and "330282107" in ctx["town_codes"]
    assert len(ctx["insurer_ids"]) == 3 and len(ctx["product_ids"]) == 3
    async with database.transaction() as s:
        firms = list((await s.scalars(select(Enterprise))).all())
        demo = await s.get(Enterprise, ctx["demo_enterprise_id"])
        insured = await s.scalar(select(func.count(func.distinct(Policy.enterprise_id))).where(
            Policy.status == "ACTIVE"))
        activated = await s.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.name == "policy.policy.activated"))
        demo_policies = await s.scalar(select(func.count()).select_from(Policy).where(
            Policy.enterprise_id == demo.id))
    assert len(firms) >= 500
    assert all(f.demo and f.name.startswith("演示") and uscc.is_valid(f.uscc) for f in firms)
    assert sum(f.sector == "INDUSTRY" and f.size_class in ("MICRO", "SMALL") for f in firms) > len(firms) * 0.6
    assert 0.2 * len(firms) < insured < 0.4 * len(firms)
    assert activated == insured
    assert demo.town_code == "330282107" and demo.size_class == "MICRO" and demo.sector == "INDUSTRY"
    assert demo_policies == 0

    again: dict = {}
    await seed_demo(database, again)  # a second run adds nothing and gives the same context
    assert again == ctx
    async with database.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Enterprise)) == len(firms)

    async with testing.running(app) as client:
        report = (await client.get("/v1/coverage", headers=keys.headers(Role.BUREAU, region="330282"),
                                   params={"region_code": "330282"})).json()
        assert report["total"]["enterprises"] == len(firms) and report["total"]["insured"] == insured
