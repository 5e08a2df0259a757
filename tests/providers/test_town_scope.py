"""A town bureau (330282107 观海卫镇) sees the private side of the agencies serving its town only: scans, notices,
decision history, the firm and visit behind reviews, complaints. A bureau without a region sees none of it, and
a firm does not choose which town's bureau follows its complaint."""

from __future__ import annotations

import uuid

import pytest

from tests.providers.conftest import GUANHAIWEI, deliver, visit_payload

pytestmark = pytest.mark.asyncio(loop_scope="module")

ZHOUXIANG = "330282114"  # another town of Cixi
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _agency_with_scan(kit, town: str) -> tuple[dict, str]:
    agency = await kit.approved_agency(town_codes=[town])
    qid = agency["qualifications"][0]["id"]
    uploaded = await kit.client.post(f"/v1/agencies/{agency['id']}/qualifications/{qid}/scan",
                                     files={"file": ("资质.pdf", PDF, "application/pdf")},
                                     headers=kit.agency(agency["id"]))
    assert uploaded.status_code == 201, uploaded.text
    return agency, qid


async def test_a_town_bureau_reads_scans_notices_and_decisions_of_its_towns_agencies_only(kit):
    ours, our_q = await _agency_with_scan(kit, GUANHAIWEI)
    theirs, their_q = await _agency_with_scan(kit, ZHOUXIANG)
    town = kit.bureau(GUANHAIWEI)

    decisions = await kit.client.get(f"/v1/agencies/{ours['id']}/decisions", headers=town)
    assert decisions.status_code == 200 and decisions.json()
    for path in (f"/v1/agencies/{theirs['id']}/decisions", f"/v1/agencies/{theirs['id']}/notices",
                 f"/v1/agencies/{theirs['id']}/qualifications/{their_q}/scan"):
        refused = await kit.client.get(path, headers=town)
        assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN", path
    assert (await kit.client.get(f"/v1/agencies/{ours['id']}/notices", headers=town)).status_code == 200
    assert (await kit.client.get(f"/v1/agencies/{ours['id']}/qualifications/{our_q}/scan",
                                 headers=town)).status_code == 200

    one = (await kit.client.get(f"/v1/agencies/{theirs['id']}", headers=town)).json()
    assert one["qualifications"] and all(q["scan_id"] is None for q in one["qualifications"])
    batch = (await kit.client.get("/v1/qualifications", params={"agency_ids": f"{ours['id']},{theirs['id']}"},
                                  headers=town)).json()
    scans = {q["agency_id"]: q["scan_id"] for q in batch}
    assert scans[ours["id"]] and scans[theirs["id"]] is None
    city = (await kit.client.get(f"/v1/agencies/{theirs['id']}", headers=kit.bureau())).json()
    assert city["qualifications"][0]["scan_id"]  # the city bureau covers both towns


async def test_a_bureau_without_a_region_sees_no_private_agency_data(kit):
    ours, our_q = await _agency_with_scan(kit, GUANHAIWEI)
    for headers in (kit.keys.headers("bureau"), kit.bureau(""), kit.bureau("33")):
        for path in (f"/v1/agencies/{ours['id']}/decisions", f"/v1/agencies/{ours['id']}/notices",
                     f"/v1/agencies/{ours['id']}/qualifications/{our_q}/scan"):
            refused = await kit.client.get(path, headers=headers)
            assert refused.status_code == 403, (path, refused.text)
        complaints = await kit.client.get("/v1/complaints", headers=headers)
        assert complaints.status_code == 200 and complaints.json()["items"] == []
        decided = await kit.client.post(f"/v1/agencies/{ours['id']}/decisions", headers=headers,
                                        json={"decision": "SUSPEND", "note": "x"})
        assert decided.status_code == 403


async def test_a_town_bureau_sees_the_firm_and_visit_behind_reviews_of_its_towns_agencies_only(kit):
    ours = await kit.approved_agency(town_codes=[GUANHAIWEI])
    theirs = await kit.approved_agency(town_codes=[ZHOUXIANG])
    firm = f"ent_{uuid.uuid4().hex[:8]}"
    for agency in (ours, theirs):
        booking = f"bkg_{uuid.uuid4().hex[:12]}"
        await deliver(kit, "bookings.visit.acknowledged", visit_payload(booking, agency["id"], firm))
        posted = await kit.client.post("/v1/reviews", json={"booking_id": booking, "stars": 4, "text": "好"},
                                       headers=kit.enterprise(firm))
        assert posted.status_code == 201, posted.text
    town = kit.bureau(GUANHAIWEI)

    by_firm = (await kit.client.get("/v1/reviews", params={"enterprise_id": firm}, headers=town)).json()["items"]
    assert by_firm and {r["agency_id"] for r in by_firm} == {ours["id"]}
    assert all(r["enterprise_id"] == firm and r["booking_id"] for r in by_firm)
    listed = (await kit.client.get("/v1/reviews", headers=town, params={"limit": 500})).json()["items"]
    assert listed and theirs["id"] not in {r["agency_id"] for r in listed}
    public = (await kit.client.get("/v1/reviews", params={"agency_id": theirs["id"]}, headers=town)).json()["items"]
    assert public and all(r["enterprise_id"] is None and r["booking_id"] is None for r in public)
    refused = await kit.client.get("/v1/reviews", params={"agency_id": theirs["id"], "enterprise_id": firm},
                                   headers=town)
    assert refused.status_code == 403
    city = (await kit.client.get("/v1/reviews", params={"enterprise_id": firm}, headers=kit.bureau())).json()
    assert {r["agency_id"] for r in city["items"]} == {ours["id"], theirs["id"]}


async def test_the_complaint_goes_to_the_firms_registered_town_not_one_the_firm_names(kit):
    agency = await kit.approved_agency(town_codes=[GUANHAIWEI])
    firm = f"ent_{uuid.uuid4().hex[:8]}"
    await deliver(kit, "policy.enterprise.registered", {"enterprise_id": firm, "name": "某厂", "town_code": ZHOUXIANG})
    body = {"agency_id": agency["id"], "subject": "专家迟到", "description": "约定9点,实际9点40到场"}
    chosen = await kit.client.post("/v1/complaints", json={**body, "town_code": GUANHAIWEI},
                                   headers=kit.enterprise(firm))
    assert chosen.status_code == 422 and chosen.json()["code"] == "VALIDATION", chosen.text
    filed = await kit.client.post("/v1/complaints", json=body, headers=kit.enterprise(firm))
    assert filed.status_code == 201 and filed.json()["town_code"] == ZHOUXIANG
    town = (await kit.client.get("/v1/complaints", params={"limit": 500}, headers=kit.bureau(GUANHAIWEI))).json()
    assert filed.json()["id"] not in {c["id"] for c in town["items"]}
    theirs = (await kit.client.get("/v1/complaints", params={"limit": 500}, headers=kit.bureau(ZHOUXIANG))).json()
    assert theirs["items"] and all(c["town_code"].startswith(ZHOUXIANG) for c in theirs["items"])
    assert filed.json()["id"] in {c["id"] for c in theirs["items"]}
    seen = await kit.client.get(f"/v1/complaints/{filed.json()['id']}", headers=kit.bureau(GUANHAIWEI))
    assert seen.status_code == 403
    # a firm the providers service has not learnt yet: the agency's own town, still not the firm's choice
    unknown = await kit.client.post("/v1/complaints", json=body, headers=kit.enterprise("ent_not_yet_known"))
    assert unknown.status_code == 201 and unknown.json()["town_code"] == GUANHAIWEI
