"""An agency's experts through the gateway: adding one with certificates (validity and days to expiry), changing
and deactivating one, a certificate added later, weekly hours and time off (bookings service), and the expert's
login; another agency, a firm and bad input are refused with the service's codes.

The certificates cover STANDARDIZATION, which the demo agency does not offer, or start in the future, so the
experts added here are never offered for the demo visits other tests book."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.kernel import clock

pytestmark = pytest.mark.asyncio(loop_scope="package")

EXPERT_FIELDS = """id name active phone specialties townCodes serviceTypes
  certificates { id name number serviceTypes validFrom validUntil daysToExpiry status expiringSoon }"""
ADD = f"""mutation($a: ID!, $in: ExpertInput!, $key: String) {{ addExpert(agencyId: $a, input: $in,
  idempotencyKey: $key) {{ __typename ... on Expert {{ {EXPERT_FIELDS} }} ... on OperationError {{ code field }} }} }}"""
UPDATE = f"""mutation($e: ID!, $in: ExpertUpdateInput!) {{ updateExpert(expertId: $e, input: $in) {{ __typename
  ... on Expert {{ {EXPERT_FIELDS} }} ... on OperationError {{ code field }} }} }}"""
CERTIFY = """mutation($e: ID!, $in: CertificateInput!) { addExpertCertificate(expertId: $e, input: $in) {
  __typename ... on ExpertCertificate { number status daysToExpiry } ... on OperationError { code field } } }"""
HOURS = """mutation($e: ID!, $h: [WorkingHoursInput!]!) { setExpertHours(expertId: $e, hours: $h) { __typename
  ... on Expert { workingHours { weekday starts ends } } ... on OperationError { code field } } }"""
TIME_OFF = """mutation($e: ID!, $in: TimeOffInput!) { addExpertTimeOff(expertId: $e, input: $in) { __typename
  ... on ExpertTimeOff { id startsAt endsAt reason } ... on OperationError { code field } } }"""
ONE = f"query($id: ID!) {{ expert(id: $id) {{ {EXPERT_FIELDS} }} }}"
CREATE = """mutation($i: AccountInput!) { createAccount(input: $i) { __typename ... on User { email expertId orgId }
  ... on OperationError { code field } } }"""
SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return clock.today()


def certificate(number: str, start: int, end: int, types: tuple[str, ...] = ("STANDARDIZATION",)) -> dict:
    return {"name": "注册安全工程师(测试)", "number": number, "serviceTypes": list(types),
            "validFrom": (today() + timedelta(days=start)).isoformat(),
            "validUntil": (today() + timedelta(days=end)).isoformat()}


async def add_expert(platform, name: str, *certificates: dict, as_: str = "agency", **extra) -> dict:
    data = await platform.data(ADD, {"a": platform.ctx["demo_agency_id"], "in": {
        "name": name, "certificates": list(certificates), **extra}}, as_=as_)
    return data["addExpert"]


async def other_agency_token(platform) -> str:
    """An account of another approved demo agency, made by the admin."""
    agencies = await platform.data("{ agencies(first: 20) { nodes { id } } }")
    other = next(a["id"] for a in agencies["agencies"]["nodes"] if a["id"] != platform.ctx["demo_agency_id"])
    email = f"agency-{uuid.uuid4().hex[:8]}@test.anze.cn"
    made = await platform.data(CREATE, {"i": {"email": email, "password": "other-agency-1", "role": "AGENCY",
                                              "orgId": other}}, as_="admin")
    assert made["createAccount"]["__typename"] == "User", made
    return await login(platform, email, "other-agency-1")


async def login(platform, email: str, password: str) -> str:
    body = await platform.data("""mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
        __typename ... on AuthPayload { token } } }""", {"e": email, "p": password})
    assert body["login"]["__typename"] == "AuthPayload", body
    return str(body["login"]["token"])


async def test_an_agency_adds_an_expert_whose_certificates_show_their_validity(platform):
    expert = await add_expert(platform, "郑标准(测试)", certificate("GW-EX-1", -300, 20),
                              certificate("GW-EX-2", -800, -10), certificate("GW-EX-3", 200, 900),
                              phone="13800000001", specialties=["标准化"], townCodes=["330282107"])
    assert expert["__typename"] == "Expert", expert
    assert expert["active"] and expert["phone"] == "13800000001" and expert["townCodes"] == ["330282107"]
    by_number = {c["number"]: c for c in expert["certificates"]}
    assert (by_number["GW-EX-1"]["status"], by_number["GW-EX-1"]["daysToExpiry"]) == ("EXPIRING", 20)
    assert by_number["GW-EX-1"]["expiringSoon"]
    assert (by_number["GW-EX-2"]["status"], by_number["GW-EX-2"]["daysToExpiry"]) == ("EXPIRED", -10)
    assert by_number["GW-EX-3"]["status"] == "NOT_YET_VALID"
    assert [c["number"] for c in expert["certificates"]] == ["GW-EX-2", "GW-EX-1", "GW-EX-3"]  # ending first first
    assert expert["serviceTypes"] == ["STANDARDIZATION"]  # what is valid today
    as_firm = (await platform.data(ONE, {"id": expert["id"]}, as_="enterprise"))["expert"]
    assert as_firm["name"] == "郑标准(测试)" and as_firm["phone"] is None  # the phone stays with the agency


async def test_the_same_idempotency_key_adds_the_expert_once(platform):
    key = uuid.uuid4().hex
    first = (await platform.data(ADD, {"a": platform.ctx["demo_agency_id"], "key": key,
                                       "in": {"name": "冯一次(测试)"}}, as_="agency"))["addExpert"]
    again = (await platform.data(ADD, {"a": platform.ctx["demo_agency_id"], "key": key,
                                       "in": {"name": "冯一次(测试)"}}, as_="agency"))["addExpert"]
    assert first["id"] == again["id"]


async def test_a_certificate_ending_before_it_starts_is_refused_at_its_end_date(platform):
    refused = await add_expert(platform, "卫日期(测试)", certificate("GW-EX-BAD", 10, 5))
    assert refused == {"__typename": "OperationError", "code": "VALIDATION", "field": "certificates.0.validUntil"}
    expert = await add_expert(platform, "卫日期(测试)")
    later = (await platform.data(CERTIFY, {"e": expert["id"], "in": certificate("GW-EX-BAD", 10, 5)},
                                 as_="agency"))["addExpertCertificate"]
    assert later == {"__typename": "OperationError", "code": "VALIDATION", "field": "validUntil"}
    ok = (await platform.data(CERTIFY, {"e": expert["id"], "in": certificate("GW-EX-4", 0, 400)},
                              as_="agency"))["addExpertCertificate"]
    assert ok == {"__typename": "ExpertCertificate", "number": "GW-EX-4", "status": "VALID", "daysToExpiry": 400}
    bad_phone = await add_expert(platform, "卫电话(测试)", phone="call me")
    assert bad_phone == {"__typename": "OperationError", "code": "VALIDATION", "field": "phone"}


async def test_the_agency_deactivates_an_expert_and_pages_through_its_experts(platform):
    expert = await add_expert(platform, "蒋离职(测试)", phone="13800000002")
    changed = (await platform.data(UPDATE, {"e": expert["id"], "in": {"active": False, "townCodes": ["330282107"]}},
                                   as_="agency"))["updateExpert"]
    assert not changed["active"] and changed["townCodes"] == ["330282107"] and changed["phone"] == "13800000002"
    listing = """query($a: ID!, $n: Int, $after: String) { experts(agencyId: $a, includeInactive: true, first: $n,
        after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id active } } }"""
    first = (await platform.data(listing, {"a": platform.ctx["demo_agency_id"], "n": 2}, as_="agency"))["experts"]
    assert len(first["nodes"]) == 2 and first["pageInfo"]["hasNextPage"] and first["totalCount"] >= 3
    seen, after = [n["id"] for n in first["nodes"]], first["pageInfo"]["endCursor"]
    while after:
        page = (await platform.data(listing, {"a": platform.ctx["demo_agency_id"], "n": 2, "after": after},
                                    as_="agency"))["experts"]
        seen += [n["id"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert len(seen) == len(set(seen)) == first["totalCount"] and expert["id"] in seen
    active_only = (await platform.data("""query($a: ID!) { experts(agencyId: $a, first: 500) { nodes { id } } }""",
                                       {"a": platform.ctx["demo_agency_id"]}, as_="agency"))["experts"]["nodes"]
    assert expert["id"] not in {n["id"] for n in active_only}
    other = await platform.gql(listing,
                               {"a": platform.ctx["demo_agency_id"], "n": 500}, token=await other_agency_token(platform))
    assert expert["id"] not in {n["id"] for n in other["data"]["experts"]["nodes"]}  # only the agency sees who left
    nothing = (await platform.data(UPDATE, {"e": expert["id"], "in": {}}, as_="agency"))["updateExpert"]
    assert nothing["code"] == "VALIDATION"


async def test_another_agency_and_a_firm_cannot_touch_the_agencys_experts(platform):
    expert = await add_expert(platform, "韩他人(测试)")
    other = await other_agency_token(platform)
    attempts = [
        (ADD, {"a": platform.ctx["demo_agency_id"], "in": {"name": "冒名(测试)"}}, "addExpert"),
        (UPDATE, {"e": expert["id"], "in": {"active": False}}, "updateExpert"),
        (CERTIFY, {"e": expert["id"], "in": certificate("GW-EX-X", 0, 10)}, "addExpertCertificate"),
        (HOURS, {"e": expert["id"], "h": []}, "setExpertHours"),
        (TIME_OFF, {"e": expert["id"], "in": {"startsAt": "2030-01-01T09:00:00", "endsAt": "2030-01-01T12:00:00"}},
         "addExpertTimeOff"),
    ]
    for document, variables, name in attempts:
        for token in (other, platform.tokens["enterprise"]):
            body = await platform.gql(document, variables, token=token)
            assert body["data"][name]["code"] == "FORBIDDEN", (name, body)
    still = (await platform.data(ONE, {"id": expert["id"]}, as_="agency"))["expert"]
    assert still["active"] and still["certificates"] == []
    hours = await platform.gql("query($id: ID!) { expert(id: $id) { workingHours { weekday } } }",
                               {"id": expert["id"]}, token=other)
    assert hours["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_agency_sets_weekly_hours_and_time_off(platform):
    expert = await add_expert(platform, "杨排班(测试)")
    hours = [{"weekday": 0, "starts": "08:30:00", "ends": "12:00:00"},
             {"weekday": 0, "starts": "13:00:00", "ends": "17:30:00"}, {"weekday": 5, "starts": "09:00:00",
                                                                         "ends": "11:00:00"}]
    set_ = (await platform.data(HOURS, {"e": expert["id"], "h": hours}, as_="agency"))["setExpertHours"]
    assert set_["workingHours"] == hours
    overlap = (await platform.data(HOURS, {"e": expert["id"], "h": [
        {"weekday": 2, "starts": "09:00:00", "ends": "12:00:00"}, {"weekday": 2, "starts": "11:00:00",
                                                                   "ends": "15:00:00"}]}, as_="agency"))
    assert overlap["setExpertHours"] == {"__typename": "OperationError", "code": "VALIDATION",
                                         "field": "hours.1.starts"}
    backwards = (await platform.data(HOURS, {"e": expert["id"], "h": [
        {"weekday": 1, "starts": "12:00:00", "ends": "09:00:00"}]}, as_="agency"))["setExpertHours"]
    assert backwards["field"] == "hours.0.ends"
    day = today() + timedelta(days=30)
    off = (await platform.data(TIME_OFF, {"e": expert["id"], "in": {
        "startsAt": f"{day}T00:00:00", "endsAt": f"{day + timedelta(days=1)}T00:00:00", "reason": "年假"}},
        as_="agency"))["addExpertTimeOff"]
    assert off["reason"] == "年假"
    assert datetime.fromisoformat(off["startsAt"]) == datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    wrong = (await platform.data(TIME_OFF, {"e": expert["id"], "in": {
        "startsAt": f"{day}T12:00:00+08:00", "endsAt": f"{day}T09:00:00+08:00"}}, as_="agency"))
    assert wrong["addExpertTimeOff"] == {"__typename": "OperationError", "code": "VALIDATION", "field": "endsAt"}
    kept = (await platform.data("query($id: ID!) { expert(id: $id) { workingHours { weekday starts } "
                                "timeOff { id reason } } }", {"id": expert["id"]}, as_="agency"))["expert"]
    assert len(kept["workingHours"]) == 3 and kept["timeOff"] == [{"id": off["id"], "reason": "年假"}]


async def test_the_agency_makes_a_login_for_its_own_expert_only(platform):
    expert = await add_expert(platform, "秦登录(测试)", certificate("GW-EX-5", 300, 900, ("HAZARD_INSPECTION",)))
    email = f"expert-{uuid.uuid4().hex[:8]}@test.anze.cn"
    made = (await platform.data(CREATE, {"i": {"email": email, "password": "expert-login-1", "role": "EXPERT",
                                               "expertId": expert["id"]}}, as_="agency"))["createAccount"]
    assert made == {"__typename": "User", "email": email, "expertId": expert["id"],
                    "orgId": platform.ctx["demo_agency_id"]}
    token = await login(platform, email, "expert-login-1")
    mine = await platform.gql("query($id: ID!) { expert(id: $id) { name phone workingHours { weekday } } }",
                              {"id": expert["id"]}, token=token)
    assert mine["data"]["expert"] == {"name": "秦登录(测试)", "phone": None, "workingHours": []}

    other = await other_agency_token(platform)
    stolen = await platform.gql(CREATE, {"i": {"email": f"x-{email}", "password": "expert-login-1", "role": "EXPERT",
                                               "expertId": expert["id"]}}, token=other)
    assert stolen["data"]["createAccount"] == {"__typename": "OperationError", "code": "FORBIDDEN",
                                               "field": "expertId"}
    nobody = await platform.gql(CREATE, {"i": {"email": f"y-{email}", "password": "expert-login-1",
                                               "role": "EXPERT", "expertId": "exp_nobody"}}, as_="agency")
    assert nobody["data"]["createAccount"]["code"] == "NOT_FOUND"


async def test_an_id_that_is_not_an_id_is_simply_not_found(platform):
    assert (await platform.data(ONE, {"id": "../agencies/x"}, as_="agency"))["expert"] is None
    refused = (await platform.data(UPDATE, {"e": "../agencies/x", "in": {"active": False}}, as_="agency"))
    assert refused["updateExpert"] == {"__typename": "OperationError", "code": "NOT_FOUND", "field": "expertId"}
