"""Issue 13, findings 2 and 6: a firm's regulated facts are the bureau's, with history; a headcount change on
an insured firm goes through an endorsement; an insurer sees the firms of its book only."""

from __future__ import annotations

import pytest
import pytest_asyncio

from services.kernel.auth import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOWN = "330282107"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def book(world):
    insurer, other_insurer = await world.insurer(), await world.insurer()
    product = await world.product(insurer)
    insured = await world.firm(high_risk_tags=["HAZARDOUS_CHEMICALS_STORAGE"], employees=8)
    policy = await world.active_policy(insured, product, insurer)
    quoted = await world.firm()
    assert (await world.quote(quoted, product)).status_code == 201
    stranger = await world.firm()
    return {"insurer": insurer, "other_insurer": other_insurer, "product": product, "insured": insured,
            "policy": policy, "quoted": quoted, "stranger": stranger}


@pytest.mark.parametrize("facts", [{"risk_color": "BLUE"}, {"standardisation_grade": "1"},
                                   {"high_risk_tags": []}, {"sector": "RETAIL"}, {"blacklisted": False}])
async def test_a_firm_cannot_set_its_own_regulated_facts(world, book, facts):
    firm = book["insured"]
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.patch(f"/v1/enterprises/{firm['id']}", headers=me, json=facts)
    assert r.status_code == 403 and r.json()["code"] == "REGULATED_FACT", r.text
    r = await world.client.post(f"/v1/enterprises/{firm['id']}/regulated-facts", headers=me,
                                json={**facts, "reason": "自己改"})
    assert r.status_code == 403
    after = (await world.client.get(f"/v1/enterprises/{firm['id']}", headers=me)).json()
    assert after["high_risk_tags"] == ["HAZARDOUS_CHEMICALS_STORAGE"] and after["compulsory"] is True
    assert after["sector"] == "INDUSTRY" and after["risk_color"] is None


async def test_a_firm_does_not_declare_its_own_risk_colour_when_registering(world):
    r = await world.client.post("/v1/enterprises", headers=world.as_(Role.ENTERPRISE),
                                json=world.firm_body(risk_color="BLUE"))
    assert r.status_code == 403 and r.json()["code"] == "REGULATED_FACT"


async def test_an_insurer_cannot_set_regulated_facts(world, book):
    firm = book["insured"]
    r = await world.client.post(f"/v1/enterprises/{firm['id']}/regulated-facts",
                                headers=world.as_(Role.INSURER, book["insurer"]),
                                json={"risk_color": "BLUE", "reason": "x"})
    assert r.status_code == 403


async def test_the_firm_still_corrects_its_contact_details(world, book):
    firm = book["stranger"]
    r = await world.client.patch(f"/v1/enterprises/{firm['id']}", headers=world.as_(Role.ENTERPRISE, firm["id"]),
                                 json={"principal_name": "新负责人", "contact_phone": "13911112222",
                                       "tenure": "OWN_BUILDING_RENTED", "employees": 12})
    assert r.status_code == 200, r.text
    assert r.json()["principal_name"] == "新负责人" and r.json()["employees"] == 12  # uninsured: a plain edit


async def test_the_bureau_of_the_region_sets_the_facts_and_the_history_keeps_them(world, book):
    firm = book["insured"]
    town = world.as_(Role.BUREAU, region=TOWN)
    r = await world.client.post(f"/v1/enterprises/{firm['id']}/regulated-facts", headers=town,
                                json={"risk_color": "RED", "high_risk_tags": ["HAZARDOUS_CHEMICALS_STORAGE", "COMBUSTIBLE_DUST"],
                                      "reason": "2026年检查发现粉尘作业"})
    assert r.status_code == 200, r.text
    assert r.json()["risk_color"] == "RED" and r.json()["high_risk_tags"] == ["COMBUSTIBLE_DUST", "HAZARDOUS_CHEMICALS_STORAGE"]
    r = await world.client.post(f"/v1/enterprises/{firm['id']}/regulated-facts", headers=town,
                                json={"risk_color": "ORANGE"})
    assert r.status_code == 422  # no reason, no change
    other_town = world.as_(Role.BUREAU, region="330282114")
    r = await world.client.post(f"/v1/enterprises/{firm['id']}/regulated-facts", headers=other_town,
                                json={"risk_color": "BLUE", "reason": "x"})
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"  # another region, as for any of its rows

    for reader in (world.as_(Role.ENTERPRISE, firm["id"]), town, world.as_(Role.INSURER, book["insurer"])):
        r = await world.client.get(f"/v1/enterprises/{firm['id']}/regulated-fact-changes", headers=reader)
        assert r.status_code == 200, r.text
        rows = {c["field"]: c for c in r.json()}
        assert set(rows) == {"risk_color", "high_risk_tags"}
        assert rows["risk_color"]["old_value"] is None and rows["risk_color"]["new_value"] == "RED"
        assert rows["high_risk_tags"]["old_value"] == ["HAZARDOUS_CHEMICALS_STORAGE"]
        assert rows["risk_color"]["actor_role"] == "bureau" and rows["risk_color"]["reason"] == "2026年检查发现粉尘作业"
    for outsider in (world.as_(Role.ENTERPRISE, book["stranger"]["id"]), other_town,
                     world.as_(Role.INSURER, book["other_insurer"])):
        r = await world.client.get(f"/v1/enterprises/{firm['id']}/regulated-fact-changes", headers=outsider)
        assert r.status_code == 403


async def test_a_bureau_patch_of_a_regulated_fact_is_recorded_too(world, book):
    firm = book["quoted"]
    r = await world.client.patch(f"/v1/enterprises/{firm['id']}", headers=world.as_(Role.BUREAU, region=TOWN),
                                 json={"blacklisted": True, "reason": "拒不整改"})
    assert r.status_code == 200 and r.json()["blacklisted"] is True
    history = (await world.client.get(f"/v1/enterprises/{firm['id']}/regulated-fact-changes",
                                      headers=world.admin)).json()
    assert [(c["field"], c["old_value"], c["new_value"]) for c in history] == [("blacklisted", False, True)]


async def test_an_insured_firms_headcount_changes_only_by_endorsement(world, book):
    firm = book["insured"]
    for who in (world.as_(Role.ENTERPRISE, firm["id"]), world.as_(Role.BUREAU, region=TOWN)):
        r = await world.client.patch(f"/v1/enterprises/{firm['id']}", headers=who, json={"employees": 30})
        assert r.status_code == 409 and r.json()["code"] == "ENDORSEMENT_REQUIRED", r.text
        assert "endorsement" in r.json()["detail"]
    same = await world.client.patch(f"/v1/enterprises/{firm['id']}", headers=world.as_(Role.ENTERPRISE, firm["id"]),
                                    json={"employees": 8, "contact_phone": "13900001111"})
    assert same.status_code == 200 and same.json()["employees"] == 8


async def test_an_insurer_lists_and_reads_only_the_firms_of_its_book(world, book):
    own = world.as_(Role.INSURER, book["insurer"])
    listed = (await world.client.get("/v1/enterprises", headers=own, params={"limit": 500})).json()["items"]
    assert {e["id"] for e in listed} == {book["insured"]["id"], book["quoted"]["id"]}
    r = await world.client.get(f"/v1/enterprises/{book['stranger']['id']}", headers=own)
    assert r.status_code == 403
    assert (await world.client.get(f"/v1/enterprises/{book['quoted']['id']}", headers=own)).status_code == 200
    other = world.as_(Role.INSURER, book["other_insurer"])
    assert (await world.client.get("/v1/enterprises", headers=other)).json()["items"] == []
