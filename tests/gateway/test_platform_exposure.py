"""The exposure board through the gateway: the bureau publishes a case for a MAJOR hazard whose rectification
the expert rejected (the firm's name and town read from the policy service), anyone reads it without logging
in, a second case for the same hazard and bad input come back as OperationErrors, and a withdrawn case leaves
the public board. (The overdue path, which needs the clock moved past a deadline, is in
tests/bookings/test_exposure.py.)"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.gateway.test_platform_batching import book_visits

pytestmark = pytest.mark.asyncio(loop_scope="package")

SIX = {"personnel": "车间主任", "responsibility": "主要负责人", "measures": "更换防爆电气", "funds": "2万元",
       "deadline": "30日内", "contingencyPlan": "停用喷漆房"}
CASE_FIELDS = "id number title summary enterpriseName townCode hazardId hazardGrade hazardStatus hazardDeadline " \
              "hazardDescription rejectionReason publishedAt withdrawnAt withdrawReason"
PUBLISH = ("mutation($in: ExposureCaseInput!) { publishExposureCase(input: $in) { __typename "
           f"... on ExposureCase {{ {CASE_FIELDS} }} ... on OperationError {{ code message field }} }} }}")
WITHDRAW = """mutation($id: ID!, $r: String!) { withdrawExposureCase(id: $id, reason: $r) { __typename
    ... on ExposureCase { id withdrawnAt withdrawReason } ... on OperationError { code message field } } }"""
BOARD = "query($t: String) { exposureCases(townCode: $t, first: 50) { totalCount nodes { id title hazardId } } }"
ONE = "query($id: ID!) { exposureCase(id: $id) { id title enterpriseName withdrawnAt } }"


async def reported_hazards(platform, hazards) -> list[dict]:
    [booking] = await book_visits(platform, 1)
    step = "mutation($b: ID!) {{ {op}(bookingId: $b) {{ __typename ... on OperationError {{ code message }} }} }}"
    assert (await platform.data(step.format(op="confirmBooking"), {"b": booking}, as_="agency"))
    visit = (await platform.data("query($b: ID!) { booking(id: $b) { start } }", {"b": booking}, as_="expert"))
    async with platform.at_the_visit(visit["booking"]["start"]):  # check-in opens 2 hours before the start
        checked = await platform.data(step.format(op="checkIn"), {"b": booking}, as_="expert")
    assert checked["checkIn"]["__typename"] == "Booking", checked
    day = date.fromisoformat(visit["booking"]["start"][:10])
    report = (await platform.data("""mutation($b: ID!, $in: VisitReportInput!) { submitVisitReport(bookingId: $b,
        input: $in) { __typename ... on Booking { hazards { id grade status deadline } }
        ... on OperationError { code message field } } }""", {"b": booking, "in": {
        "summary": "曝光台测试(演示)", "items": [], "hazards": [
            {**h, "deadline": (day + timedelta(days=30)).isoformat()} for h in hazards]}}, as_="expert"))
    return report["submitVisitReport"]["hazards"]


async def rejected_major(platform) -> dict:
    [hazard] = await reported_hazards(platform, [{"grade": "MAJOR", "description": "喷漆房未设置防爆电气(演示)",
                                                  "sixInPlace": SIX}])
    done = await platform.data("""mutation($h: ID!) { submitRectification(hazardId: $h, input: {description: "换了开关"})
        { __typename } }""", {"h": hazard["id"]}, as_="enterprise")
    assert done["submitRectification"]["__typename"] == "Hazard"
    rejected = await platform.data("""mutation($h: ID!) { verifyRectification(hazardId: $h, accepted: false,
        note: "未更换防爆电气") { ... on Hazard { status } } }""", {"h": hazard["id"]}, as_="expert")
    assert rejected["verifyRectification"]["status"] == "OPEN"
    return hazard


async def publish(platform, hazard_id: str, as_: str = "bureau", **fields) -> dict:
    body = {"hazardId": hazard_id, "title": "喷漆房重大事故隐患整改不到位", "summary": "经复核整改不合格。", **fields}
    return (await platform.data(PUBLISH, {"in": body}, as_=as_))["publishExposureCase"]


async def test_the_bureau_publishes_a_case_anyone_reads_it_and_a_withdrawn_case_leaves_the_board(platform):
    hazard = await rejected_major(platform)
    case = await publish(platform, hazard["id"])
    assert case["__typename"] == "ExposureCase", case
    assert (case["enterpriseName"], case["townCode"]) == ("演示-观海卫小微五金厂", "330282107")  # from policy
    assert (case["hazardGrade"], case["hazardStatus"], case["rejectionReason"]) == ("MAJOR", "OPEN", "未更换防爆电气")
    assert case["hazardDeadline"] == hazard["deadline"] and case["withdrawnAt"] is None

    board = (await platform.data(BOARD, {"t": "330282107"}))["exposureCases"]  # nobody logged in
    assert case["id"] in [c["id"] for c in board["nodes"]]
    assert (await platform.data(ONE, {"id": case["id"]}))["exposureCase"]["enterpriseName"] == "演示-观海卫小微五金厂"
    other_town = (await platform.data(BOARD, {"t": "330282101"}))["exposureCases"]["nodes"]
    assert case["id"] not in [c["id"] for c in other_town]

    again = await publish(platform, hazard["id"], title="再次发布")
    assert again["code"] == "EXPOSURE_CASE_EXISTS" and again["field"] == "hazardId"

    blank = await platform.data(WITHDRAW, {"id": case["id"], "r": " "}, as_="bureau")
    assert blank["withdrawExposureCase"]["code"] == "VALIDATION"
    assert blank["withdrawExposureCase"]["field"] == "reason"
    withdrawn = (await platform.data(WITHDRAW, {"id": case["id"], "r": "企业已停用喷漆房"}, as_="bureau"))
    assert withdrawn["withdrawExposureCase"]["withdrawReason"] == "企业已停用喷漆房"
    board = (await platform.data(BOARD, {"t": None}))["exposureCases"]
    assert case["id"] not in [c["id"] for c in board["nodes"]]
    assert (await platform.data(ONE, {"id": case["id"]}))["exposureCase"] is None
    kept = (await platform.data("{ exposureCases(withdrawn: true) { nodes { id withdrawReason } } }", as_="bureau"))
    assert {"id": case["id"], "withdrawReason": "企业已停用喷漆房"} in kept["exposureCases"]["nodes"]


async def test_only_the_bureau_publishes_and_withdraws(platform):
    hazard = await rejected_major(platform)
    for who in ("enterprise", "insurer", "agency", "expert"):
        assert (await publish(platform, hazard["id"], as_=who))["code"] == "FORBIDDEN"
    anonymous = await platform.gql(PUBLISH, {"in": {"hazardId": hazard["id"], "title": "x", "summary": "y"}})
    assert anonymous["data"]["publishExposureCase"]["code"] == "UNAUTHENTICATED"
    case = await publish(platform, hazard["id"])
    assert (await platform.data(WITHDRAW, {"id": case["id"], "r": "x"}, as_="enterprise")
            )["withdrawExposureCase"]["code"] == "FORBIDDEN"
    hidden = await platform.gql("{ exposureCases(withdrawn: true) { totalCount } }")
    assert hidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_hazard_that_is_not_publishable_and_bad_input_come_back_as_operation_errors(platform):
    [major, general] = await reported_hazards(platform, [
        {"grade": "MAJOR", "description": "有限空间未设警示(演示)", "sixInPlace": SIX},
        {"grade": "GENERAL", "description": "灭火器过期(演示)"}])
    for hazard in (major, general):  # open and on time: the firm still has its deadline
        refused = await publish(platform, hazard["id"])
        assert (refused["code"], refused["field"]) == ("NOT_PUBLISHABLE", "hazardId")
    unknown = await publish(platform, "hzd_nothing")
    assert (unknown["code"], unknown["field"]) == ("VALIDATION", "hazardId")
    hazard = await rejected_major(platform)
    blank = await publish(platform, hazard["id"], title="  ")
    assert (blank["code"], blank["field"]) == ("VALIDATION", "title")
    board = (await platform.data(BOARD, {"t": None}))["exposureCases"]["nodes"]
    assert not [c for c in board if c["hazardId"] in (major["id"], general["id"], hazard["id"])]
