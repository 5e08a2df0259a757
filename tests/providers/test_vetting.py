"""Applying as an agency and the bureau's vetting decisions: who may make them, what they change, what
is recorded and published."""

from __future__ import annotations

import pytest

from services.kernel.auth import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_an_application_with_a_bad_credit_code_is_refused_with_invalid_uscc(kit):
    body = kit.application(uscc="91330282MA2CX00018")
    response = await kit.client.post("/v1/agencies", json=body, headers=kit.applicant())
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_USCC"
    assert response.json()["fields"][0]["field"] == "uscc"


async def test_a_lower_case_credit_code_is_stored_upper_case(kit):
    agency = await kit.apply(uscc="91330282ma2cx00019")
    assert agency["uscc"] == "91330282MA2CX00019"
    assert agency["status"] == "PENDING"


async def test_the_same_credit_code_cannot_apply_twice(kit):
    agency = await kit.apply()
    response = await kit.client.post("/v1/agencies", json=kit.application(uscc=agency["uscc"]),
                                     headers=kit.applicant())
    assert response.status_code == 409


async def test_a_qualification_ending_before_it_starts_is_a_validation_error(kit):
    bad = kit.qualification(["HAZARD_INSPECTION"], start=10, end=5)
    response = await kit.client.post("/v1/agencies", json=kit.application(qualifications=[bad]),
                                     headers=kit.applicant())
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION"


async def test_a_pending_application_is_private_to_the_agency_and_the_bureau(kit):
    applicant = kit.applicant()
    response = await kit.client.post("/v1/agencies", json=kit.application(), headers=applicant)
    agency_id = response.json()["id"]
    assert (await kit.client.get(f"/v1/agencies/{agency_id}")).status_code == 404
    assert (await kit.client.get(f"/v1/agencies/{agency_id}", headers=kit.enterprise())).status_code == 404
    assert (await kit.client.get(f"/v1/agencies/{agency_id}", headers=applicant)).status_code == 200
    assert (await kit.client.get(f"/v1/agencies/{agency_id}", headers=kit.bureau())).status_code == 200
    public = (await kit.client.get("/v1/agencies", params={"limit": 500})).json()
    assert agency_id not in [a["id"] for a in public["items"]]
    queue = (await kit.client.get("/v1/agencies", params={"status": "PENDING", "limit": 500},
                                  headers=kit.bureau())).json()
    assert agency_id in [a["id"] for a in queue["items"]]


async def test_the_bureau_approves_and_the_decision_is_recorded_and_published(kit):
    agency = await kit.apply()
    response = await kit.decide(agency["id"], "APPROVE", "资质齐全")
    assert response.status_code == 200
    assert response.json()["status"] == "APPROVED"
    assert response.json()["bookable"] is True
    history = (await kit.client.get(f"/v1/agencies/{agency['id']}/decisions", headers=kit.bureau())).json()
    assert [(d["decision"], d["from_status"], d["to_status"], d["note"], d["decided_role"]) for d in history] == [
        ("APPROVE", "PENDING", "APPROVED", "资质齐全", "bureau")]
    assert history[0]["decided_by"] and history[0]["decided_at"]
    events = [e for e in await kit.events("providers.agency.approved") if e["agency_id"] == agency["id"]]
    assert len(events) == 1 and events[0]["status"] == "APPROVED"
    assert events[0]["note"] == "资质齐全"
    # Once approved, anyone may read it without logging in.
    assert (await kit.client.get(f"/v1/agencies/{agency['id']}")).status_code == 200


@pytest.mark.parametrize("role", [Role.AGENCY, Role.INSURER, Role.ENTERPRISE, Role.EXPERT])
async def test_only_the_bureau_may_decide_on_an_agency(kit, role):
    agency = await kit.apply()
    headers = kit.keys.headers(role, org=agency["id"])
    response = await kit.client.post(f"/v1/agencies/{agency['id']}/decisions",
                                     json={"decision": "APPROVE"}, headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"


async def test_the_bureau_of_another_region_may_not_decide(kit):
    agency = await kit.apply()
    response = await kit.client.post(f"/v1/agencies/{agency['id']}/decisions", json={"decision": "APPROVE"},
                                     headers=kit.bureau(region="330281"))
    assert response.status_code == 403


async def test_rejecting_needs_a_reason(kit):
    agency = await kit.apply()
    response = await kit.decide(agency["id"], "REJECT", None)
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION"
    response = await kit.decide(agency["id"], "REJECT", "资质证书与申请的服务类型不符")
    assert response.json()["status"] == "REJECTED"
    rejected = [e for e in await kit.events("providers.agency.rejected") if e["agency_id"] == agency["id"]]
    assert rejected[0]["note"] == "资质证书与申请的服务类型不符"


async def test_asking_for_more_information_keeps_the_application_pending_until_the_agency_answers(kit):
    applicant = kit.applicant()
    agency_id = (await kit.client.post("/v1/agencies", json=kit.application(), headers=applicant)).json()["id"]
    asked = (await kit.decide(agency_id, "REQUEST_INFO", "请补充办公地址")).json()
    assert asked["status"] == "PENDING" and asked["info_requested"] is True
    assert asked["status_note"] == "请补充办公地址"
    answered = await kit.client.patch(f"/v1/agencies/{agency_id}", json={"address": "慈溪市观海卫镇卫前路1号"},
                                      headers=applicant)
    assert answered.status_code == 200
    assert answered.json()["info_requested"] is False and answered.json()["address"] == "慈溪市观海卫镇卫前路1号"
    assert (await kit.decide(agency_id, "APPROVE", None)).json()["status"] == "APPROVED"


async def test_suspension_hides_the_agency_from_search_and_makes_it_unbookable(kit):
    agency = await kit.approved_agency()
    offering = await kit.offering(agency["id"])
    assert offering["bookable"] is True
    suspended = await kit.decide(agency["id"], "SUSPEND", "服务记录造假")
    assert suspended.json()["status"] == "SUSPENDED" and suspended.json()["bookable"] is False
    search = (await kit.client.get("/v1/agencies", params={"limit": 500})).json()
    assert agency["id"] not in [a["id"] for a in search["items"]]
    offerings = (await kit.client.get("/v1/offerings", params={"limit": 500})).json()
    assert offering["id"] not in [o["id"] for o in offerings["items"]]
    # A firm holding a booking can still look the offering up, and sees it cannot be booked.
    seen = await kit.client.get(f"/v1/offerings/{offering['id']}", headers=kit.enterprise())
    assert seen.status_code == 200 and seen.json()["bookable"] is False
    assert (await kit.client.get(f"/v1/offerings/{offering['id']}")).status_code == 404
    published = [e for e in await kit.events("providers.agency.suspended") if e["agency_id"] == agency["id"]]
    assert published[0]["note"] == "服务记录造假"


async def test_a_suspended_agency_can_be_reinstated_and_a_revoked_one_cannot(kit):
    agency = await kit.approved_agency()
    await kit.decide(agency["id"], "SUSPEND", "整改期间暂停")
    assert (await kit.decide(agency["id"], "APPROVE", "整改完成")).json()["status"] == "APPROVED"
    revoked = await kit.decide(agency["id"], "REVOKE", "严重违规")
    assert revoked.json()["status"] == "REVOKED"
    again = await kit.decide(agency["id"], "APPROVE", None)
    assert again.status_code == 409
    assert again.json()["code"] == "INVALID_STATE"
    assert [e["agency_id"] for e in await kit.events("providers.agency.revoked")].count(agency["id"]) == 1


async def test_a_pending_agency_cannot_be_suspended(kit):
    agency = await kit.apply()
    response = await kit.decide(agency["id"], "SUSPEND", "原因")
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


async def test_an_approved_agency_without_a_valid_qualification_is_not_bookable(kit):
    expired = kit.qualification(["HAZARD_INSPECTION"], start=-400, end=-1)
    agency = await kit.approved_agency(qualifications=[expired])
    assert agency["status"] == "APPROVED" and agency["bookable"] is False
    assert agency["qualifications"][0]["valid_today"] is False


async def test_an_agency_may_not_change_another_agencys_data(kit):
    mine, theirs = await kit.approved_agency(), await kit.approved_agency()
    response = await kit.client.patch(f"/v1/agencies/{theirs['id']}", json={"name": "改名"},
                                      headers=kit.agency(mine["id"]))
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    response = await kit.client.post(f"/v1/agencies/{theirs['id']}/qualifications",
                                     json=kit.qualification(["TRAINING"]), headers=kit.agency(mine["id"]))
    assert response.status_code == 403


async def test_a_bureau_sees_the_applications_of_its_own_region_only(kit):
    agency = await kit.apply()
    elsewhere = kit.bureau(region="330281")
    assert (await kit.client.get(f"/v1/agencies/{agency['id']}", headers=elsewhere)).status_code == 404
    queue = (await kit.client.get("/v1/agencies", params={"status": "PENDING", "limit": 500},
                                  headers=elsewhere)).json()
    assert agency["id"] not in [a["id"] for a in queue["items"]]


async def test_an_application_sent_twice_with_the_same_idempotency_key_creates_one_agency(kit):
    headers = {**kit.applicant(), "Idempotency-Key": "apply-1"}
    body = kit.application()
    first = await kit.client.post("/v1/agencies", json=body, headers=headers)
    again = await kit.client.post("/v1/agencies", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    other_body = await kit.client.post("/v1/agencies", json=kit.application(), headers=headers)
    assert other_body.status_code == 409
