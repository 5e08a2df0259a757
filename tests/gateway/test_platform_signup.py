"""Issue 19 items 1 and 2 as GraphQL shows them: sign-up makes the login and the firm together or not at all;
the industry list; the same cover bought twice is refused (COVER_OVERLAPS), cover starting later is said."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.gateway.test_platform_journey import ALPHABET, GUANHAIWEI, buy_policy, china_today, register_firm, uscc

pytestmark = pytest.mark.asyncio(loop_scope="package")

SIGN_UP = """mutation($e: String!, $p: String!, $f: EnterpriseInput) {
  signUp(email: $e, password: $p, role: ENTERPRISE, enterprise: $f) {
    __typename ... on AuthPayload { token user { role orgId } } ... on OperationError { code message field } } }"""
LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename
    ... on AuthPayload { token } ... on OperationError { code } } }"""


def firm_input(**overrides) -> dict:
    code = uscc("91330282MA2" + "".join(ALPHABET[b % 31] for b in uuid.uuid4().bytes[:6]))
    return {"uscc": code, "name": f"注册测试五金厂{code[-4:]}(演示)", "townCode": GUANHAIWEI, "sector": "INDUSTRY",
            "industryCode": "C33", "employees": 8, "annualRevenueFen": 2_000_000_000, "principalName": "测试",
            "contactPhone": "13800000000", **overrides}


@pytest.mark.parametrize(("bad", "code"), [
    ({"uscc": "91330282MA2CX0001X"}, "INVALID_USCC"),
    ({"employees": 0}, "NO_EMPLOYEES"),
    ({"industryCode": "五金"}, "UNKNOWN_INDUSTRY_CODE"),
    ({"contactPhone": "1390000"}, "INVALID_PHONE"),
])
async def test_a_sign_up_refused_for_its_firm_leaves_no_login_and_the_retry_succeeds(platform, bad, code):
    email = f"signup-{uuid.uuid4().hex[:8]}@example.com"
    variables = {"e": email, "p": "signup-password-1"}
    refused = (await platform.data(SIGN_UP, {**variables, "f": firm_input(**bad)}))["signUp"]
    assert refused["__typename"] == "OperationError" and refused["code"] == code, refused
    login = (await platform.data(LOGIN, variables))["login"]
    assert login == {"__typename": "OperationError", "code": "UNAUTHENTICATED"}  # no orphan login

    made = (await platform.data(SIGN_UP, {**variables, "f": firm_input()}))["signUp"]
    assert made["__typename"] == "AuthPayload", made  # not 该邮箱已注册
    assert made["user"]["role"] == "ENTERPRISE" and made["user"]["orgId"]  # the token carries the firm
    me = await platform.gql("{ me { orgId } }", token=made["token"])
    assert me["data"]["me"]["orgId"] == made["user"]["orgId"]


async def test_the_industry_codes_come_with_their_chinese_names(platform):
    rows = (await platform.data("{ industries { code name sectionName } }"))["industries"]
    assert {"code": "C33", "name": "金属制品业", "sectionName": "制造业"} in rows and len(rows) == 97


async def test_the_same_cover_twice_is_cover_overlaps_and_cover_from_tomorrow_is_covered_from(platform):
    firm = await register_firm(platform, employees=12)
    tomorrow = china_today() + timedelta(days=1)
    policy = await buy_policy(platform, firm, as_="admin", start=tomorrow)
    assert policy
    data = await platform.data("query($id: ID!) { enterprise(id: $id) { insured coveredFrom } }", {"id": firm},
                               as_="bureau")
    assert data["enterprise"] == {"insured": False, "coveredFrom": tomorrow.isoformat()}
    product = (await platform.data("query($i: ID) { products(insurerId: $i) { id limitOptionsFen } }",
                                   {"i": platform.ctx["insurer_ids"][0]}))["products"][0]
    again = (await platform.data("""mutation($in: QuoteInput!) { requestQuote(input: $in) { __typename
        ... on OperationError { code message field } } }""", {"in": {
        "enterpriseId": firm, "productId": product["id"], "headcount": 12,
        "limitPerPersonFen": product["limitOptionsFen"][0], "startDate": tomorrow.isoformat()}}, as_="admin"))
    assert again["requestQuote"]["code"] == "COVER_OVERLAPS", again
