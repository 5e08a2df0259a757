"""Coverage counts at a date, grouped in SQL: who is insured when."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.kernel.auth import Role
from services.policy.dates import today

pytestmark = pytest.mark.asyncio(loop_scope="module")

CITY = "330282"


async def coverage(world, headers=None, **params):
    r = await world.client.get("/v1/coverage", headers=headers or world.as_(Role.BUREAU, region=CITY),
                               params={"region_code": CITY, **params})
    assert r.status_code == 200, r.text
    return r.json()


def row(report, key):
    return next(r for r in report["rows"] if r["key"] == key)


async def test_activation_adds_exactly_one_insured_firm_to_its_town(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm(town_code="330282105", employees=7)  # 匡堰镇
    before = row(await coverage(world), "330282105")
    await world.active_policy(firm, product, insurer)
    after = row(await coverage(world), "330282105")
    assert after["label"] == "匡堰镇"
    assert after["enterprises"] == before["enterprises"]
    assert after["insured"] == before["insured"] + 1
    assert after["insured_employees"] == before["insured_employees"] + 7
    assert after["rate"] == round(after["insured"] / after["enterprises"], 4)


async def test_every_town_of_the_city_is_listed_even_without_firms(world):
    report = await coverage(world)
    assert len(report["rows"]) == 20 and report["total"]["key"] == CITY
    assert {"330282107", "330282001", "330282400"} <= {r["key"] for r in report["rows"]}
    assert report["total"]["enterprises"] == sum(r["enterprises"] for r in report["rows"])


async def test_a_firm_is_not_insured_before_its_policy_starts(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm(town_code="330282111")
    before = row(await coverage(world, as_of=(today() - timedelta(days=1)).isoformat()), "330282111")
    await world.active_policy(firm, product, insurer)
    yesterday = row(await coverage(world, as_of=(today() - timedelta(days=1)).isoformat()), "330282111")
    assert yesterday["insured"] == before["insured"]


async def test_a_pending_policy_does_not_count_as_insured(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm(town_code="330282112")
    before = row(await coverage(world), "330282112")
    quote = (await world.quote(firm, product)).json()
    await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=world.as_(Role.ENTERPRISE, firm["id"]))
    after = row(await coverage(world), "330282112")
    assert after["insured"] == before["insured"] and after["enterprises"] == before["enterprises"] + 0


@pytest.mark.parametrize("dimension", ["VILLAGE", "PARK", "SIZE_CLASS", "INDUSTRY", "HIGH_RISK_TAG", "INSURER"])
async def test_every_dimension_groups_the_same_firms(world, dimension):
    await world.firm(village_code="330282107201", park_code="330282107P01", high_risk_tags=["SPRAY_PAINTING"])
    report = await coverage(world, group_by=dimension)
    assert report["group_by"] == dimension and report["rows"]
    if dimension != "HIGH_RISK_TAG":  # a firm may carry several tags
        assert sum(r["enterprises"] for r in report["rows"]) == report["total"]["enterprises"]


async def test_an_insurer_counts_only_its_own_book(world):
    mine, theirs = await world.insurer(), await world.insurer()
    product = await world.product(mine)
    firm = await world.firm(town_code="330282113")
    await world.active_policy(firm, product, mine)
    own = row(await coverage(world, headers=world.as_(Role.INSURER, mine)), "330282113")
    other = row(await coverage(world, headers=world.as_(Role.INSURER, theirs)), "330282113")
    assert own["insured"] >= 1 and other["insured"] == 0
    r = await world.client.get("/v1/coverage", headers=world.as_(Role.INSURER, theirs),
                               params={"region_code": CITY, "insurer_id": mine})
    assert r.status_code == 403


async def test_the_coverage_of_one_town_has_that_town_only(world):
    report = await coverage(world, headers=world.as_(Role.BUREAU, region="330282107"), region_code="330282107")
    assert [r["key"] for r in report["rows"]] == ["330282107"]
    assert report["total"]["label"] == "观海卫镇"


async def test_the_snapshot_gives_the_same_counts_as_the_live_query(world):
    from services.policy.coverage import take_snapshots

    insurer = await world.insurer()
    product = await world.product(insurer)
    await world.active_policy(await world.firm(town_code="330282110"), product, insurer)
    await take_snapshots(world.app.state.runtime.database)
    live = await coverage(world)
    snap = await coverage(world, source="snapshot")
    assert snap["source"] == "snapshot" and live["source"] == "live"
    assert snap["total"] == live["total"]
    assert {r["key"]: r["insured"] for r in snap["rows"]} == {r["key"]: r["insured"] for r in live["rows"]}


async def test_a_day_without_a_snapshot_is_not_found(world):
    r = await world.client.get("/v1/coverage", headers=world.as_(Role.BUREAU, region=CITY),
                               params={"region_code": CITY, "source": "snapshot", "as_of": "2001-01-01"})
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"


async def test_the_trend_has_a_point_per_month_end_and_the_last_day(world):
    from services.policy.coverage import take_snapshots

    await take_snapshots(world.app.state.runtime.database)
    start = today() - timedelta(days=70)
    r = await world.client.get("/v1/coverage/trend", headers=world.as_(Role.BUREAU, region=CITY),
                               params={"region_code": CITY, "from": start.isoformat(), "to": today().isoformat()})
    assert r.status_code == 200, r.text
    points = r.json()
    assert points[-1]["date"] == today().isoformat() and 2 <= len(points) <= 4
    live_total = (await coverage(world))["total"]
    assert points[-1]["insured"] == live_total["insured"]
    assert all(p["insured"] <= p["enterprises"] for p in points)
    assert [p["date"] for p in points] == sorted(p["date"] for p in points)


async def test_a_village_drills_down_to_its_parks_and_the_same_firms_are_listed(world):
    """The bureau's drill-down town → village → park → firm: each park row of a village counts exactly the
    firms its firm list shows, and the firms outside any park have a row and a list of their own."""
    village = "330282107201"
    in_park = await world.firm(village_code=village, park_code="330282107P01")
    outside = await world.firm(village_code=village)
    bureau = world.as_(Role.BUREAU, region="330282107")
    report = await coverage(world, headers=bureau, region_code=village, group_by="PARK")
    rows = {r["key"]: r for r in report["rows"]}
    assert set(rows) <= {"330282107P01", "330282107P02", "NONE"} and "NONE" in rows

    async def listed(**params) -> set[str]:
        body = (await world.client.get("/v1/enterprises", headers=bureau,
                                       params={"village_code": village, "limit": 500, **params})).json()
        return {e["id"] for e in body["items"]}

    parked, unparked = await listed(park="330282107P01"), await listed(in_park=False)
    assert in_park["id"] in parked and outside["id"] in unparked and not parked & unparked
    assert len(parked) == rows["330282107P01"]["enterprises"] and len(unparked) == rows["NONE"]["enterprises"]
    assert await listed(in_park=True) >= parked
