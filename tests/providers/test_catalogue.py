"""Offerings and experts: public reads of approved agencies only, batch reads, and the experts offered
for a visit checked on the visit date."""

from __future__ import annotations

import pytest

from tests.providers.conftest import GUANHAIWEI

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _expert(kit, agency_id, name, scope, *, start=-100, end=365, towns=None):
    response = await kit.client.post(f"/v1/agencies/{agency_id}/experts", headers=kit.agency(agency_id), json={
        "name": name, "specialties": ["机械"], "town_codes": towns or [],
        "certificates": [{"name": "注册安全工程师", "number": f"ZA-{name}", "scope": scope,
                          "valid_from": kit.day(start), "valid_until": kit.day(end)}]})
    assert response.status_code == 201, response.text
    return response.json()


async def test_anyone_reads_an_approved_agencys_offerings_without_logging_in(kit):
    agency = await kit.approved_agency()
    offering = await kit.offering(agency["id"], price_fen=88_800)
    public = await kit.client.get("/v1/offerings", params={"agency_id": agency["id"]})
    assert public.status_code == 200
    [item] = public.json()["items"]
    assert item["id"] == offering["id"] and item["price_fen"] == 88_800 and item["bookable"] is True
    assert item["town_codes"] == [GUANHAIWEI] and item["travel_buffer_minutes"] == 30
    assert (await kit.client.get(f"/v1/offerings/{offering['id']}")).json()["agency_name"] == agency["name"]


async def test_a_pending_agencys_offerings_are_not_public(kit):
    applicant = kit.applicant()
    agency_id = (await kit.client.post("/v1/agencies", json=kit.application(), headers=applicant)).json()["id"]
    response = await kit.client.post(f"/v1/agencies/{agency_id}/offerings", headers=applicant, json={
        "service_type": "TRAINING", "title": "培训", "price_fen": 1000, "duration_minutes": 60,
        "town_codes": [GUANHAIWEI]})
    assert response.status_code == 201
    assert (await kit.client.get(f"/v1/offerings/{response.json()['id']}")).status_code == 404
    listed = (await kit.client.get("/v1/offerings", params={"agency_id": agency_id})).json()
    assert listed["items"] == [] and listed["total"] == 0


async def test_experts_need_a_login_to_read(kit):
    assert (await kit.client.get("/v1/experts")).status_code == 401


async def test_an_offering_for_a_service_the_agency_does_not_provide_is_refused(kit):
    agency = await kit.approved_agency(service_types=["TRAINING"])
    response = await kit.client.post(f"/v1/agencies/{agency['id']}/offerings", headers=kit.agency(agency["id"]),
                                     json={"service_type": "RISK_ASSESSMENT", "title": "评估", "price_fen": 1,
                                           "duration_minutes": 60, "town_codes": [GUANHAIWEI]})
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


async def test_an_offering_whose_service_type_no_valid_qualification_covers_is_not_bookable(kit):
    agency = await kit.approved_agency(qualifications=[kit.qualification(["TRAINING"])])
    offering = await kit.offering(agency["id"], service_type="HAZARD_INSPECTION")
    assert agency["bookable"] is True
    assert offering["bookable"] is False


async def test_an_agency_may_not_add_offerings_or_experts_to_another_agency(kit):
    mine, theirs = await kit.approved_agency(), await kit.approved_agency()
    offering = await kit.client.post(f"/v1/agencies/{theirs['id']}/offerings", headers=kit.agency(mine["id"]),
                                     json={"service_type": "TRAINING", "title": "x", "price_fen": 1,
                                           "duration_minutes": 60, "town_codes": [GUANHAIWEI]})
    assert offering.status_code == 403 and offering.json()["code"] == "FORBIDDEN"
    expert = await kit.client.post(f"/v1/agencies/{theirs['id']}/experts", headers=kit.agency(mine["id"]),
                                   json={"name": "冒名"})
    assert expert.status_code == 403


async def test_batch_reads_return_the_rows_asked_for(kit):
    agency = await kit.approved_agency()
    first, second = await kit.offering(agency["id"]), await kit.offering(agency["id"], "TRAINING")
    page = (await kit.client.get("/v1/offerings", params={"ids": f"{first['id']},{second['id']},off_missing"},
                                 headers=kit.enterprise())).json()
    assert sorted(o["id"] for o in page["items"]) == sorted([first["id"], second["id"]])
    agencies = (await kit.client.get("/v1/agencies", params={"ids": agency["id"]}, headers=kit.enterprise())).json()
    assert [a["id"] for a in agencies["items"]] == [agency["id"]]
    expert = await _expert(kit, agency["id"], "批量", ["TRAINING"])
    experts = (await kit.client.get("/v1/experts", params={"ids": expert["id"]}, headers=kit.enterprise())).json()
    assert [e["id"] for e in experts["items"]] == [expert["id"]]
    # The parameter repeated (what httpx sends for a list) works as well as commas.
    repeated = (await kit.client.get("/v1/offerings", params={"ids": [first["id"], second["id"]]})).json()
    assert repeated["total"] == 2
    by_agency = (await kit.client.get("/v1/experts", params={"agency_ids": [agency["id"], "agy_none"]},
                                      headers=kit.enterprise())).json()
    assert [e["id"] for e in by_agency["items"]] == [expert["id"]]
    offerings = (await kit.client.get("/v1/offerings", params={"agency_ids": agency["id"]})).json()
    assert offerings["total"] == 2


async def test_the_experts_offered_are_those_certified_for_the_service_on_the_visit_date(kit):
    agency = await kit.approved_agency()
    offering = await kit.offering(agency["id"], "HAZARD_INSPECTION")
    lapsing = await _expert(kit, agency["id"], "将到期", ["HAZARD_INSPECTION"], end=10)
    lasting = await _expert(kit, agency["id"], "长期", ["HAZARD_INSPECTION", "TRAINING"], end=400)
    await _expert(kit, agency["id"], "只会培训", ["TRAINING"], end=400)
    await _expert(kit, agency["id"], "尚未生效", ["HAZARD_INSPECTION"], start=20, end=400)

    async def offered(day_offset):
        response = await kit.client.get(f"/v1/offerings/{offering['id']}/experts",
                                        params={"on": kit.day(day_offset)}, headers=kit.enterprise())
        assert response.status_code == 200
        return {e["name"] for e in response.json()["items"]}

    assert await offered(10) == {lapsing["name"], lasting["name"]}
    assert await offered(11) == {lasting["name"]}
    assert await offered(25) == {lasting["name"], "尚未生效"}
    # What an expert is qualified for today shows on the expert.
    assert lasting["service_types"] == ["HAZARD_INSPECTION", "TRAINING"]


async def test_an_expert_certificate_ending_before_it_starts_is_a_validation_error(kit):
    agency = await kit.approved_agency()
    response = await kit.client.post(f"/v1/agencies/{agency['id']}/experts", headers=kit.agency(agency["id"]),
                                     json={"name": "错误", "certificates": [{
                                         "name": "注册安全工程师", "number": "1", "scope": ["TRAINING"],
                                         "valid_from": kit.day(5), "valid_until": kit.day(1)}]})
    assert response.status_code == 422 and response.json()["code"] == "VALIDATION"


async def test_an_agency_changes_its_price_and_withdraws_an_offering(kit):
    agency = await kit.approved_agency()
    offering = await kit.offering(agency["id"], price_fen=80_000)
    changed = await kit.client.patch(f"/v1/offerings/{offering['id']}", json={"price_fen": 95_000},
                                     headers=kit.agency(agency["id"]))
    assert changed.status_code == 200 and changed.json()["price_fen"] == 95_000
    other = await kit.approved_agency()
    assert (await kit.client.patch(f"/v1/offerings/{offering['id']}", json={"price_fen": 1},
                                   headers=kit.agency(other["id"]))).status_code == 403
    withdrawn = await kit.client.patch(f"/v1/offerings/{offering['id']}", json={"active": False},
                                       headers=kit.agency(agency["id"]))
    assert withdrawn.json()["bookable"] is False
    public = (await kit.client.get("/v1/offerings", params={"agency_id": agency["id"]})).json()
    assert public["items"] == []


async def test_bookable_can_be_judged_on_the_visit_date(kit):
    agency = await kit.approved_agency(qualifications=[kit.qualification(["HAZARD_INSPECTION"], end=20)])
    offering = await kit.offering(agency["id"])
    on_day = await kit.client.get(f"/v1/offerings/{offering['id']}", params={"on": kit.day(20)})
    after = await kit.client.get(f"/v1/offerings/{offering['id']}", params={"on": kit.day(21)})
    assert on_day.json()["bookable"] is True and after.json()["bookable"] is False


async def test_an_expert_who_left_is_no_longer_offered_but_still_readable(kit):
    agency = await kit.approved_agency()
    offering = await kit.offering(agency["id"])
    expert = await _expert(kit, agency["id"], "离职", ["HAZARD_INSPECTION"])
    gone = await kit.client.patch(f"/v1/experts/{expert['id']}", json={"active": False},
                                  headers=kit.agency(agency["id"]))
    assert gone.status_code == 200 and gone.json()["active"] is False
    offered = (await kit.client.get(f"/v1/offerings/{offering['id']}/experts", headers=kit.enterprise())).json()
    assert offered["items"] == []
    batch = (await kit.client.get("/v1/experts", params={"ids": expert["id"]}, headers=kit.enterprise())).json()
    assert [e["id"] for e in batch["items"]] == [expert["id"]]
    other = await kit.approved_agency()
    assert (await kit.client.patch(f"/v1/experts/{expert['id']}", json={"active": True},
                                   headers=kit.agency(other["id"]))).status_code == 403


async def test_the_agency_alone_lists_its_experts_who_left_with_their_phone(kit):
    agency = await kit.approved_agency()
    staying = await _expert(kit, agency["id"], "在职", ["HAZARD_INSPECTION"])
    leaving = await _expert(kit, agency["id"], "离开", ["HAZARD_INSPECTION"])
    await kit.client.patch(f"/v1/experts/{leaving['id']}", json={"active": False, "phone": "13800000009"},
                           headers=kit.agency(agency["id"]))
    params = {"agency_id": agency["id"], "include_inactive": True}
    own = (await kit.client.get("/v1/experts", params=params, headers=kit.agency(agency["id"]))).json()
    assert {e["id"]: e["active"] for e in own["items"]} == {staying["id"]: True, leaving["id"]: False}
    assert next(e for e in own["items"] if e["id"] == leaving["id"])["phone"] == "13800000009"
    other = await kit.approved_agency()
    theirs = (await kit.client.get("/v1/experts", params=params, headers=kit.agency(other["id"]))).json()
    assert [e["id"] for e in theirs["items"]] == [staying["id"]]
    default = (await kit.client.get("/v1/experts", params={"agency_id": agency["id"]},
                                    headers=kit.agency(agency["id"]))).json()
    assert [e["id"] for e in default["items"]] == [staying["id"]]
