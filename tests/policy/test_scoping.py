"""Who sees what: a firm its own, an insurer its own book, the bureau its region."""

from __future__ import annotations

import pytest
import pytest_asyncio

from services.kernel.auth import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def book(world):
    insurer = await world.insurer()
    other_insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    other_firm = await world.firm(town_code="330282114")  # 周巷镇
    policy = await world.active_policy(firm, product, insurer)
    return {"insurer": insurer, "other_insurer": other_insurer, "product": product, "firm": firm,
            "other_firm": other_firm, "policy": policy}


async def test_an_enterprise_reading_another_firms_policy_is_forbidden(world, book):
    r = await world.client.get(f"/v1/policies/{book['policy']['id']}",
                               headers=world.as_(Role.ENTERPRISE, book["other_firm"]["id"]))
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"


async def test_an_enterprise_reading_another_firm_is_forbidden(world, book):
    r = await world.client.get(f"/v1/enterprises/{book['firm']['id']}",
                               headers=world.as_(Role.ENTERPRISE, book["other_firm"]["id"]))
    assert r.status_code == 403


async def test_an_enterprise_cannot_quote_for_another_firm(world, book):
    r = await world.client.post("/v1/quotes", headers=world.as_(Role.ENTERPRISE, book["other_firm"]["id"]), json={
        "enterprise_id": book["firm"]["id"], "product_id": book["product"], "headcount": 8,
        "limit_per_person_fen": 40_000_000, "start_date": book["policy"]["start_date"]})
    assert r.status_code == 403


async def test_an_enterprise_lists_only_its_own_policies(world, book):
    r = await world.client.get("/v1/policies", headers=world.as_(Role.ENTERPRISE, book["other_firm"]["id"]))
    assert r.json()["items"] == []
    r = await world.client.get("/v1/policies", headers=world.as_(Role.ENTERPRISE, book["firm"]["id"]))
    assert [p["id"] for p in r.json()["items"]] == [book["policy"]["id"]]


async def test_an_insurer_sees_its_own_book_only(world, book):
    own = await world.client.get("/v1/policies", headers=world.as_(Role.INSURER, book["insurer"]))
    assert [p["id"] for p in own.json()["items"]] == [book["policy"]["id"]]
    other = await world.client.get(f"/v1/policies/{book['policy']['id']}",
                                   headers=world.as_(Role.INSURER, book["other_insurer"]))
    assert other.status_code == 403
    listed = await world.client.get("/v1/policies", headers=world.as_(Role.INSURER, book["other_insurer"]))
    assert listed.json()["items"] == []


async def test_another_insurer_cannot_confirm_a_transfer(world, book):
    me = world.as_(Role.ENTERPRISE, book["firm"]["id"])
    payments = (await world.client.get(f"/v1/policies/{book['policy']['id']}/payments", headers=me)).json()
    r = await world.client.post(f"/v1/payments/{payments[0]['id']}/confirm-offline",
                                headers=world.as_(Role.INSURER, book["other_insurer"]), json={"reference": "x"})
    assert r.status_code == 403


async def test_the_bureau_sees_its_region_and_nothing_outside(world, book):
    town = world.as_(Role.BUREAU, region="330282107")
    assert (await world.client.get(f"/v1/policies/{book['policy']['id']}", headers=town)).status_code == 200
    assert (await world.client.get(f"/v1/enterprises/{book['other_firm']['id']}", headers=town)).status_code == 403
    listed = (await world.client.get("/v1/enterprises", headers=town, params={"limit": 500})).json()
    assert all(e["town_code"] == "330282107" for e in listed["items"])
    assert book["firm"]["id"] in {e["id"] for e in listed["items"]}
    r = await world.client.get("/v1/coverage", headers=town, params={"region_code": "330282"})
    assert r.status_code == 403


async def test_the_bureau_edits_firms_of_its_region_and_the_size_class_follows(world, book):
    town = world.as_(Role.BUREAU, region="330282107")
    r = await world.client.patch(f"/v1/enterprises/{book['firm']['id']}", headers=town,
                                 json={"employees": 8, "annual_revenue_fen": 3000 * 1_000_000})
    assert r.status_code == 200 and r.json()["size_class"] == "MICRO"  # still under 20 staff
    r = await world.client.patch(f"/v1/enterprises/{book['other_firm']['id']}", headers=town, json={"name": "x"})
    assert r.status_code == 403


async def test_size_class_cannot_be_typed_in(world, book):
    before = (await world.client.get(f"/v1/enterprises/{book['firm']['id']}", headers=world.admin)).json()
    assert before["size_class"] in ("MICRO", "SMALL")  # derived from its staff and revenue
    r = await world.client.patch(f"/v1/enterprises/{book['firm']['id']}", headers=world.admin,
                                 json={"size_class": "LARGE"})
    assert r.status_code == 200 and r.json()["size_class"] == before["size_class"]
    stored = (await world.client.get(f"/v1/enterprises/{book['firm']['id']}", headers=world.admin)).json()
    assert stored["size_class"] == before["size_class"]
