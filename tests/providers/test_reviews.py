"""Reviews only after an acknowledged visit (learned from bookings events), one per booking, one reply;
and the performance figures built from the bookings events."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.kernel.db import utcnow
from tests.providers.conftest import deliver, hazard_payload, visit_payload

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _booking() -> str:
    return f"bkg_{uuid.uuid4().hex[:12]}"


async def _review(kit, booking_id, enterprise_id, stars=4, text="专家很专业"):
    return await kit.client.post("/v1/reviews", json={"booking_id": booking_id, "stars": stars, "text": text},
                                 headers=kit.enterprise(enterprise_id))


async def test_a_firm_reviews_only_after_acknowledging_the_visit_report(kit):
    agency = await kit.approved_agency()
    booking = _booking()
    await deliver(kit, "bookings.visit.reported", visit_payload(booking, agency["id"], "ent_r1"))
    early = await _review(kit, booking, "ent_r1")
    assert early.status_code == 409 and early.json()["code"] == "INVALID_STATE"
    await deliver(kit, "bookings.visit.acknowledged", visit_payload(booking, agency["id"], "ent_r1"))
    response = await _review(kit, booking, "ent_r1", stars=4)
    assert response.status_code == 201
    assert response.json()["agency_id"] == agency["id"]
    shown = (await kit.client.get(f"/v1/agencies/{agency['id']}")).json()
    assert shown["rating"] == 4.0 and shown["rating_count"] == 1


async def test_a_booking_is_reviewed_once_and_only_by_its_own_firm(kit):
    agency = await kit.approved_agency()
    booking = _booking()
    await deliver(kit, "bookings.visit.acknowledged", visit_payload(booking, agency["id"], "ent_r2"))
    other_firm = await _review(kit, booking, "ent_intruder")
    assert other_firm.status_code == 403 and other_firm.json()["code"] == "FORBIDDEN"
    assert (await _review(kit, booking, "ent_r2", stars=5)).status_code == 201
    again = await _review(kit, booking, "ent_r2", stars=1)
    assert again.status_code == 409 and again.json()["code"] == "CONFLICT"
    assert (await kit.client.get(f"/v1/agencies/{agency['id']}")).json()["rating_count"] == 1


async def test_a_review_for_an_unknown_booking_is_refused(kit):
    response = await _review(kit, "bkg_never_visited", "ent_r3")
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


async def test_stars_outside_one_to_five_are_a_validation_error(kit):
    response = await _review(kit, "bkg_any", "ent_r3", stars=6)
    assert response.status_code == 422 and response.json()["code"] == "VALIDATION"


async def test_the_agency_replies_once_and_no_other_agency_may(kit):
    agency, other = await kit.approved_agency(), await kit.approved_agency()
    booking = _booking()
    await deliver(kit, "bookings.visit.acknowledged", visit_payload(booking, agency["id"], "ent_r4"))
    review = (await _review(kit, booking, "ent_r4", stars=2, text="迟到了")).json()
    intruder = await kit.client.post(f"/v1/reviews/{review['id']}/reply", json={"text": "冒名回复"},
                                     headers=kit.agency(other["id"]))
    assert intruder.status_code == 403
    replied = await kit.client.post(f"/v1/reviews/{review['id']}/reply", json={"text": "已致歉并调整排班"},
                                    headers=kit.agency(agency["id"]))
    assert replied.status_code == 200 and replied.json()["reply"] == "已致歉并调整排班"
    again = await kit.client.post(f"/v1/reviews/{review['id']}/reply", json={"text": "再回复"},
                                  headers=kit.agency(agency["id"]))
    assert again.status_code == 409
    listed = (await kit.client.get("/v1/reviews", params={"agency_id": agency["id"]},
                                   headers=kit.enterprise())).json()
    assert [(r["stars"], r["reply"]) for r in listed["items"]] == [(2, "已致歉并调整排班")]


async def test_the_review_of_one_booking_is_found_by_its_booking(kit):
    agency = await kit.approved_agency()
    reviewed, other = _booking(), _booking()
    for booking in (reviewed, other):
        await deliver(kit, "bookings.visit.acknowledged", visit_payload(booking, agency["id"], "ent_r6"))
    await _review(kit, reviewed, "ent_r6", stars=3)
    found = (await kit.client.get("/v1/reviews", params={"booking_id": reviewed},
                                  headers=kit.enterprise("ent_r6"))).json()
    assert [r["booking_id"] for r in found["items"]] == [reviewed]
    none = (await kit.client.get("/v1/reviews", params={"booking_id": other}, headers=kit.enterprise("ent_r6"))).json()
    assert none["items"] == []


async def test_anyone_reads_an_approved_agencys_reviews_but_only_those_involved_see_the_firm_and_visit(kit):
    agency = await kit.approved_agency()
    booking = _booking()
    await deliver(kit, "bookings.visit.acknowledged", visit_payload(booking, agency["id"], "ent_r7"))
    await _review(kit, booking, "ent_r7", stars=5, text="整改建议很实用")

    async def listed(headers=None, **params):
        return await kit.client.get("/v1/reviews", params={"agency_id": agency["id"], **params},
                                    headers=headers or {})

    public = (await listed()).json()["items"]  # no token at all
    assert [(r["stars"], r["text"], r["enterprise_id"], r["booking_id"]) for r in public] == [
        (5, "整改建议很实用", None, None)]
    other_firm = (await listed(kit.enterprise("ent_other"))).json()["items"]
    assert other_firm[0]["enterprise_id"] is None and other_firm[0]["booking_id"] is None
    for involved in (kit.enterprise("ent_r7"), kit.agency(agency["id"])):
        row = (await listed(involved)).json()["items"][0]
        assert row["enterprise_id"] == "ent_r7" and row["booking_id"] == booking
    # which agencies a firm reviewed is the firm's own business
    snooping = await kit.client.get("/v1/reviews", params={"enterprise_id": "ent_r7"},
                                    headers=kit.enterprise("ent_other"))
    assert snooping.status_code == 403
    assert (await kit.client.get("/v1/reviews", params={"booking_id": booking})).status_code == 403
    assert (await kit.client.get("/v1/reviews")).status_code == 422  # the public names an agency
    # a suspended agency's reviews leave the public view with it
    assert (await kit.decide(agency["id"], "SUSPEND")).status_code == 200
    assert (await listed()).json()["items"] == []


async def test_the_same_event_delivered_twice_counts_once(kit):
    agency = await kit.approved_agency()
    booking = _booking()
    event = await deliver(kit, "bookings.visit.reported", visit_payload(booking, agency["id"], "ent_r5"))
    assert await kit.app.state.runtime.consumer.handle(event) is False
    shown = (await kit.client.get(f"/v1/agencies/{agency['id']}")).json()
    assert shown["visits_done"] == 1


async def test_performance_is_built_from_visits_hazards_complaints_and_reviews(kit):
    agency = await kit.approved_agency()
    found_at = utcnow() - timedelta(days=10)
    for n in range(2):
        await deliver(kit, "bookings.visit.reported", visit_payload(_booking(), agency["id"], f"ent_p{n}"))
    hazards = [f"haz_{uuid.uuid4().hex[:10]}" for _ in range(4)]
    for hazard in hazards:
        await deliver(kit, "bookings.hazard.found", hazard_payload(hazard, agency["id"]), occurred_at=found_at)
    await deliver(kit, "bookings.hazard.closed", hazard_payload(hazards[0], agency["id"]),
                  occurred_at=found_at + timedelta(days=2))
    await deliver(kit, "bookings.hazard.closed", hazard_payload(hazards[1], agency["id"]),
                  occurred_at=found_at + timedelta(days=4))
    await deliver(kit, "bookings.hazard.overdue", hazard_payload(hazards[2], agency["id"]))
    for headers in (kit.bureau(), kit.insurer("ins_perf"), kit.agency(agency["id"])):
        response = await kit.client.get(f"/v1/agencies/{agency['id']}/performance", headers=headers)
        assert response.status_code == 200
    figures = response.json()
    assert (figures["visits_done"], figures["hazards_found"], figures["hazards_closed"]) == (2, 4, 2)
    assert figures["closure_rate"] == 0.5 and figures["average_days_to_close"] == 3.0
    assert figures["overdue_hazards"] == 1 and figures["complaints"] == 0 and figures["rating"] is None
    listed = (await kit.client.get("/v1/performance", params={"agency_ids": agency["id"]},
                                   headers=kit.insurer("ins_perf"))).json()
    assert [p["hazards_found"] for p in listed["items"]] == [4]


async def test_firms_and_other_agencies_cannot_read_an_agencys_performance(kit):
    agency, other = await kit.approved_agency(), await kit.approved_agency()
    for headers in (kit.enterprise(), kit.agency(other["id"])):
        response = await kit.client.get(f"/v1/agencies/{agency['id']}/performance", headers=headers)
        assert response.status_code == 403


async def test_an_event_without_the_needed_ids_is_skipped_and_does_not_hold_up_the_next(kit):
    agency = await kit.approved_agency()
    await deliver(kit, "bookings.visit.reported", {"booking_id": _booking()})
    await deliver(kit, "bookings.visit.reported", visit_payload(_booking(), agency["id"], "ent_r6"))
    assert (await kit.client.get(f"/v1/agencies/{agency['id']}")).json()["visits_done"] == 1
