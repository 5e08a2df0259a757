"""An agency's qualifications through the gateway: adding one, its scan uploaded and read back through the
``/scans`` proxy (the caller's token passed on, the service's problem codes passed back), its days to expiry and
warning, the notices of the daily check, and the experts an offering's visit may be given to."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.kernel import clock

pytestmark = pytest.mark.asyncio(loop_scope="package")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%demo scan\n"

ADD = """
mutation Add($agency: ID!, $input: QualificationInput!) {
  addQualification(agencyId: $agency, input: $input) {
    __typename
    ... on Qualification { id number validUntil daysToExpiry status expiringSoon hasScan }
    ... on OperationError { code message field }
  }
}"""

QUALIFICATIONS = "query($id: ID!) { agency(id: $id) { qualifications { id number status hasScan daysToExpiry } } }"


def today():
    return clock.today()


def qualification_input(number: str, days_left: int) -> dict:
    return {"kind": "安全评价机构资质(测试)", "number": number, "issuer": "浙江省应急管理厅",
            "serviceTypes": ["HAZARD_INSPECTION"], "validFrom": (today() - timedelta(days=300)).isoformat(),
            "validUntil": (today() + timedelta(days=days_left)).isoformat()}


async def add(platform, number: str, days_left: int, as_: str = "agency", agency: str | None = None) -> dict:
    data = await platform.data(ADD, {"agency": agency or platform.ctx["demo_agency_id"],
                                     "input": qualification_input(number, days_left)}, as_=as_)
    return data["addQualification"]


def scan_url(agency_id: str, qualification_id: str) -> str:
    return f"/scans/agencies/{agency_id}/qualifications/{qualification_id}"


async def upload(platform, agency_id: str, qualification_id: str, content: bytes, name: str, who: str | None):
    headers = {"Authorization": f"Bearer {platform.tokens[who]}"} if who else {}
    return await platform.client.post(scan_url(agency_id, qualification_id), headers=headers,
                                      files={"file": (name, content, "application/octet-stream")})


async def read(platform, agency_id: str, qualification_id: str, who: str | None):
    headers = {"Authorization": f"Bearer {platform.tokens[who]}"} if who else {}
    return await platform.client.get(scan_url(agency_id, qualification_id), headers=headers)


async def test_an_agency_adds_a_qualification_expiring_soon_and_its_scan(platform):
    agency = platform.ctx["demo_agency_id"]
    added = await add(platform, "GW-Q-0001", days_left=20)
    assert added["__typename"] == "Qualification"
    assert (added["daysToExpiry"], added["status"], added["expiringSoon"], added["hasScan"]) == (
        20, "EXPIRING", True, False)

    uploaded = await upload(platform, agency, added["id"], PNG, "scan.png", "agency")
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["scan_id"]

    listed = (await platform.data(QUALIFICATIONS, {"id": agency}, as_="agency"))["agency"]["qualifications"]
    mine = next(q for q in listed if q["id"] == added["id"])
    assert mine == {"id": added["id"], "number": "GW-Q-0001", "status": "EXPIRING", "hasScan": True,
                    "daysToExpiry": 20}
    seeded = next(q for q in listed if q["number"] == "DEMO-ZZ-0001")
    assert seeded["status"] == "VALID" and not seeded["hasScan"]

    back = await read(platform, agency, added["id"], "agency")
    assert back.status_code == 200 and back.content == PNG
    assert back.headers["content-type"] == "image/png"
    assert (await read(platform, agency, added["id"], "bureau")).content == PNG


async def test_a_file_that_is_not_pdf_png_or_jpeg_is_refused_with_its_code(platform):
    agency = platform.ctx["demo_agency_id"]
    added = await add(platform, "GW-Q-0002", days_left=400)
    refused = await upload(platform, agency, added["id"], b"MZ\x90\x00 not a scan", "scan.pdf", "agency")
    assert refused.status_code == 415
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    listed = (await platform.data(QUALIFICATIONS, {"id": agency}, as_="agency"))["agency"]["qualifications"]
    assert next(q for q in listed if q["id"] == added["id"])["hasScan"] is False
    assert (await read(platform, agency, added["id"], "agency")).json()["code"] == "NOT_FOUND"


async def test_only_the_agency_itself_adds_qualifications_and_uploads_scans(platform):
    other = platform.ctx["agency_ids"][1]
    assert (await add(platform, "GW-Q-0003", 100, agency=other))["code"] == "FORBIDDEN"
    assert (await add(platform, "GW-Q-0004", 100, as_="enterprise"))["code"] == "FORBIDDEN"
    mine = await add(platform, "GW-Q-0005", 100)
    agency = platform.ctx["demo_agency_id"]

    not_logged_in = await upload(platform, agency, mine["id"], PDF, "scan.pdf", None)
    assert (not_logged_in.status_code, not_logged_in.json()["code"]) == (401, "UNAUTHENTICATED")
    for who in ("enterprise", "expert"):
        refused = await upload(platform, agency, mine["id"], PDF, "scan.pdf", who)
        assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN"), who
    # the demo agency's token on another agency's path: providers refuses, whatever the id
    assert (await upload(platform, other, mine["id"], PDF, "scan.pdf", "agency")).status_code == 403

    assert (await upload(platform, agency, mine["id"], PDF, "scan.pdf", "agency")).status_code == 201
    assert (await read(platform, agency, mine["id"], "enterprise")).status_code == 403
    assert (await read(platform, agency, mine["id"], None)).status_code == 401
    public = (await platform.data(QUALIFICATIONS, {"id": agency}))["agency"]["qualifications"]
    assert any(q["id"] == mine["id"] for q in public) and not any(q["hasScan"] for q in public)


async def test_the_daily_check_leaves_a_notice_the_agency_and_the_bureau_read(platform):
    from services.providers import expiry

    added = await add(platform, "GW-Q-0006", days_left=10)
    await expiry.run_daily(platform.app.state.platform.apps["providers"].state.runtime.database)
    query = "query($id: ID!) { agency(id: $id) { notices { kind ref message createdAt } } }"
    variables = {"id": platform.ctx["demo_agency_id"]}
    for who in ("agency", "bureau"):
        notices = (await platform.data(query, variables, as_=who))["agency"]["notices"]
        notice = next(n for n in notices if n["ref"] == added["id"])
        assert notice["kind"] == "qualification_expiring" and "GW-Q-0006" in notice["message"], who
    firm = await platform.gql(query, variables, as_="enterprise")
    assert firm["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await platform.data(query, variables))["agency"]["notices"] == []


async def test_an_offerings_qualified_experts_are_those_certified_for_its_service(platform):
    query = "query($id: ID!) { offering(id: $id) { serviceType qualifiedExperts { id name serviceTypes } } }"
    offering = (await platform.data(query, {"id": platform.ctx["demo_offering_id"]}, as_="agency"))["offering"]
    assert offering["serviceType"] == "HAZARD_INSPECTION"
    assert [e["id"] for e in offering["qualifiedExperts"]] == [platform.ctx["demo_expert_id"]]
    assert all("HAZARD_INSPECTION" in e["serviceTypes"] for e in offering["qualifiedExperts"])


async def test_the_agency_confirms_a_visit_giving_it_to_another_qualified_expert(platform):
    """A second inspector, certified only from day 90, is offered for a visit on day 91 and takes it when chosen."""
    agency, agency_token = platform.ctx["demo_agency_id"], platform.tokens["agency"]
    created = await platform.client.post(
        f"/api/providers/v1/agencies/{agency}/experts", headers={"Authorization": f"Bearer {agency_token}"},
        json={"name": "郑选派(测试)", "specialties": ["HAZARD_INSPECTION"], "certificates": [{
            "name": "注册安全工程师(测试)", "number": "GW-ZA-0001", "scope": ["HAZARD_INSPECTION"],
            "valid_from": (today() + timedelta(days=90)).isoformat(),
            "valid_until": (today() + timedelta(days=1000)).isoformat()}]})
    assert created.status_code == 201, created.text
    chosen = created.json()["id"]
    start = today() + timedelta(days=91)
    slots = (await platform.data("""query($o: ID!, $f: Date!, $t: Date!, $e: ID) { availableSlots(offeringId: $o,
        from: $f, to: $t, expertId: $e) { start expertId } }""", {
        "o": platform.ctx["demo_offering_id"], "f": start.isoformat(), "t": (start + timedelta(days=14)).isoformat(),
        "e": platform.ctx["demo_expert_id"]}, as_="enterprise"))["availableSlots"]
    booking = None
    for slot in slots[::9]:
        booked = (await platform.data("""mutation($in: BookVisitInput!) { bookVisit(input: $in) { __typename
            ... on Booking { id } ... on OperationError { code } } }""", {"in": {
            "offeringId": platform.ctx["demo_offering_id"], "enterpriseId": platform.ctx["demo_enterprise_id"],
            "start": slot["start"], "expertId": slot["expertId"], "funding": "SELF"}}, as_="enterprise"))["bookVisit"]
        if booked["__typename"] == "Booking":
            booking = booked["id"]
            break
    assert booking is not None

    offered = (await platform.data("query($id: ID!) { booking(id: $id) { expert { id } qualifiedExperts { id } } }",
                                   {"id": booking}, as_="agency"))["booking"]
    assert offered["expert"]["id"] == platform.ctx["demo_expert_id"]
    assert {e["id"] for e in offered["qualifiedExperts"]} == {platform.ctx["demo_expert_id"], chosen}

    confirm = """mutation($b: ID!, $e: ID) { confirmBooking(bookingId: $b, expertId: $e) { __typename
        ... on Booking { status expert { id name } } ... on OperationError { code } } }"""
    trained_only = next(e for e in platform.ctx["expert_ids_by_agency"][agency]
                        if e not in (platform.ctx["demo_expert_id"], chosen))
    refused = (await platform.data(confirm, {"b": booking, "e": trained_only}, as_="agency"))["confirmBooking"]
    assert refused["__typename"] == "OperationError"  # not certified for inspections: not given the visit
    done = (await platform.data(confirm, {"b": booking, "e": chosen}, as_="agency"))["confirmBooking"]
    assert done == {"__typename": "Booking", "status": "CONFIRMED", "expert": {"id": chosen, "name": "郑选派(测试)"}}
