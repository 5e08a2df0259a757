"""The rest of the contract's mutations through the gateway: endorsement, renewal, cancellation of a
booking, an agency's sign-up, application and review; and the coverage trend."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from .test_platform_batching import book_visits
from .test_platform_journey import buy_policy, china_today, register_firm, uscc

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_a_headcount_endorsement_changes_the_policy_and_a_renewal_answers_in_the_union(platform):
    firm = await register_firm(platform, employees=30)
    policy = await buy_policy(platform, firm, as_="admin")
    endorsed = (await platform.data("""mutation($p: ID!, $d: Date!) { endorseHeadcount(policyId: $p, headcount: 35,
        effectiveDate: $d) { __typename ... on Policy { headcount premiumFen } ... on OperationError { code message } }
        }""", {"p": policy["id"], "d": (china_today() + timedelta(days=1)).isoformat()}, as_="insurer"))
    result = endorsed["endorseHeadcount"]
    assert result["__typename"] == "Policy" and result["headcount"] == 35, result
    assert result["premiumFen"] > policy["premiumFen"]
    renewed = (await platform.data("""mutation($p: ID!) { renewPolicy(policyId: $p) { __typename
        ... on Policy { id status predecessor startDate } ... on OperationError { code message } } }""",
                                   {"p": policy["id"]}, as_="insurer"))["renewPolicy"]
    if renewed["__typename"] == "Policy":
        assert renewed["predecessor"] == policy["id"] and renewed["status"] == "PENDING_PAYMENT"
    else:
        assert renewed["code"] in ("INVALID_STATE", "VALIDATION"), renewed
    bad = (await platform.data("""mutation($p: ID!) { endorseHeadcount(policyId: $p, headcount: 0,
        effectiveDate: "2020-01-01") { ... on OperationError { code field } } }""",
                               {"p": policy["id"]}, as_="insurer"))["endorseHeadcount"]
    assert bad["code"] == "VALIDATION"


async def test_a_firm_cancels_its_booking(platform):
    [booking] = await book_visits(platform, 1)
    cancelled = (await platform.data("""mutation($b: ID!) { cancelBooking(bookingId: $b, reason: "改期(测试)") {
        __typename ... on Booking { status } ... on OperationError { code message } } }""", {"b": booking},
                                     as_="enterprise"))["cancelBooking"]
    assert cancelled == {"__typename": "Booking", "status": "CANCELLED"}
    again = (await platform.data("""mutation($b: ID!) { cancelBooking(bookingId: $b, reason: "x") {
        ... on OperationError { code } } }""", {"b": booking}, as_="enterprise"))["cancelBooking"]
    assert again["code"] == "INVALID_STATE"


async def test_an_agency_signs_up_applies_and_the_bureau_reviews_it(platform):
    email = f"agency-{uuid.uuid4().hex[:6]}@test.anze.cn"
    signed = (await platform.data("""mutation($e: String!) { signUp(email: $e, password: "agency-password-1",
        role: AGENCY) { ... on AuthPayload { token user { role orgId } } ... on OperationError { code message } } }""",
                                  {"e": email}))["signUp"]
    assert signed["user"] == {"role": "AGENCY", "orgId": None}
    code = uscc("91330282MA2" + uuid.uuid4().hex[:6].upper().replace("I", "J").replace("O", "P")
                .replace("S", "T").replace("V", "W").replace("Z", "Y"))
    applied = (await platform.gql("""mutation($in: AgencyApplicationInput!) { applyAgency(input: $in) { __typename
        ... on Agency { id status } ... on OperationError { code message field } } }""", {"in": {
        "name": f"测试安全技术服务{code[-4:]}(演示)", "uscc": code, "serviceTypes": ["HAZARD_INSPECTION"],
        "townCodes": ["330282107"], "contactName": "李四", "contactPhone": "13900000000"}},
        token=signed["token"]))["data"]["applyAgency"]
    assert applied["__typename"] == "Agency" and applied["status"] == "PENDING", applied
    relogin = (await platform.data("""mutation($e: String!) { login(email: $e, password: "agency-password-1") {
        ... on AuthPayload { user { orgId } } } }""", {"e": email}))["login"]
    assert relogin["user"]["orgId"] == applied["id"]
    refused = (await platform.data("""mutation($a: ID!) { reviewAgency(agencyId: $a, decision: APPROVE) {
        ... on OperationError { code } } }""", {"a": applied["id"]}, as_="insurer"))["reviewAgency"]
    assert refused["code"] == "FORBIDDEN"
    reviewed = (await platform.data("""mutation($a: ID!) { reviewAgency(agencyId: $a, decision: REQUEST_INFO,
        note: "请补充资质证书") { __typename ... on Agency { id status } ... on OperationError { code message } } }""",
                                    {"a": applied["id"]}, as_="bureau"))["reviewAgency"]
    assert reviewed == {"__typename": "Agency", "id": applied["id"], "status": "PENDING"}, reviewed


async def test_the_coverage_trend_has_monthly_points_in_the_range(platform):
    today = china_today()
    start = date(today.year, 1, 1)
    points = (await platform.data("""query($f: Date!, $t: Date!) { coverageTrend(regionCode: "330282", from: $f,
        to: $t) { date enterprises insured rate } }""", {"f": start.isoformat(), "t": today.isoformat()},
                                  as_="bureau"))["coverageTrend"]
    assert points and all(start <= date.fromisoformat(p["date"]) <= today for p in points)
    assert all(0 <= p["insured"] <= p["enterprises"] and 0 <= p["rate"] <= 1 for p in points)
    backwards = await platform.gql("""{ coverageTrend(regionCode: "330282", from: "2026-05-01", to: "2026-01-01") {
        date } }""", as_="bureau")
    assert backwards["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_a_major_hazard_needs_its_six_in_place_and_shows_them(platform):
    ctx = platform.ctx
    [booking] = await book_visits(platform, 1)
    confirmed = (await platform.data("""mutation($b: ID!, $x: ID) { confirmBooking(bookingId: $b, expertId: $x) {
        __typename ... on Booking { status expert { id } } ... on OperationError { code message } } }""",
                                     {"b": booking, "x": ctx["demo_expert_id"]}, as_="agency"))["confirmBooking"]
    assert confirmed == {"__typename": "Booking", "status": "CONFIRMED", "expert": {"id": ctx["demo_expert_id"]}}
    start = (await platform.data("query($b: ID!) { booking(id: $b) { start } }", {"b": booking}, as_="expert"))["booking"]["start"]
    async with platform.at_the_visit(start):  # check-in opens 2 hours before the start
        checked = (await platform.data("mutation($b: ID!) { checkIn(bookingId: $b) { ... on Booking { status } "
                                       "... on OperationError { code message } } }", {"b": booking}, as_="expert"))
    assert checked["checkIn"] == {"status": "CHECKED_IN"}, checked
    report = """mutation($b: ID!, $in: VisitReportInput!) { submitVisitReport(bookingId: $b, input: $in) {
        __typename ... on Booking { status hazards { grade sixInPlace { personnel contingencyPlan } } }
        ... on OperationError { code field } } }"""
    major = {"grade": "MAJOR", "description": "喷漆间无防爆电器(演示)", "location": "喷漆间",
             "deadline": (china_today() + timedelta(days=30)).isoformat()}
    refused = (await platform.data(report, {"b": booking, "in": {"summary": "检查(演示)", "items": ["电气"],
                                                                 "hazards": [major]}}, as_="expert"))
    assert refused["submitVisitReport"]["__typename"] == "OperationError"
    assert refused["submitVisitReport"]["code"] == "VALIDATION"
    six = {"personnel": "王五", "responsibility": "厂长负责", "measures": "更换防爆电器", "funds": "2万元",
           "deadline": "30天内", "contingencyPlan": "停用喷漆间"}
    accepted = (await platform.data(report, {"b": booking, "in": {
        "summary": "检查(演示)", "items": ["电气"], "findings": "喷漆间电器不防爆",
        "hazards": [{**major, "sixInPlace": six}]}}, as_="expert"))["submitVisitReport"]
    assert accepted == {"__typename": "Booking", "status": "REPORTED", "hazards": [
        {"grade": "MAJOR", "sixInPlace": {"personnel": "王五", "contingencyPlan": "停用喷漆间"}}]}
