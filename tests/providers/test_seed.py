"""The demo seed: the agency, expert and offering the demo accounts and the other parts rely on."""

from __future__ import annotations

import pytest

from services.providers.seed import seed_demo
from tests.providers.conftest import GUANHAIWEI

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOWNS = ["330282001", "330282002", "330282003", "330282100", "330282101", "330282102", "330282103",
         "330282104", GUANHAIWEI, "330282108", "330282109"]


async def test_the_demo_seed_gives_the_demo_agency_its_offering_panel_and_single_inspector(kit):
    ctx = {"insurer_ids": ["ins_demo1", "ins_demo2", "ins_demo3"], "town_codes": TOWNS}
    await seed_demo(kit.app.state.runtime.database, ctx)
    assert len(ctx["agency_ids"]) == 4 and ctx["demo_agency_id"] == ctx["agency_ids"][0]
    agency_id = ctx["demo_agency_id"]
    agency = (await kit.client.get(f"/v1/agencies/{agency_id}")).json()
    assert agency["status"] == "APPROVED" and agency["bookable"] and "(演示)" in agency["name"]
    offering = (await kit.client.get(f"/v1/offerings/{ctx['demo_offering_id']}")).json()
    assert offering["agency_id"] == agency_id and offering["service_type"] == "HAZARD_INSPECTION"
    assert GUANHAIWEI in offering["town_codes"] and offering["bookable"]
    inspectors = (await kit.client.get(f"/v1/offerings/{offering['id']}/experts",
                                       headers=kit.enterprise())).json()["items"]
    assert [e["id"] for e in inspectors] == [ctx["demo_expert_id"]]
    assert ctx["demo_expert_id"] in ctx["expert_ids_by_agency"][agency_id]
    on_panel = (await kit.client.get(f"/v1/panels/ins_demo1/agencies/{agency_id}", headers=kit.enterprise())).json()
    assert on_panel["on_panel"] is True
    for other in ctx["agency_ids"]:
        assert ctx["expert_ids_by_agency"][other]
    searched = (await kit.client.get("/v1/agencies", params={"service_type": "HAZARD_INSPECTION",
                                                             "town_code": GUANHAIWEI, "limit": 500})).json()
    assert agency_id in [a["id"] for a in searched["items"]]


async def test_seeding_again_finds_the_same_demo_rows(kit):
    first = {"insurer_ids": ["ins_demo1"], "town_codes": TOWNS}
    await seed_demo(kit.app.state.runtime.database, first)
    second = {"insurer_ids": ["ins_demo1"], "town_codes": TOWNS}
    await seed_demo(kit.app.state.runtime.database, second)
    for key in ("agency_ids", "demo_agency_id", "demo_expert_id", "demo_offering_id", "expert_ids_by_agency"):
        assert first[key] == second[key]
