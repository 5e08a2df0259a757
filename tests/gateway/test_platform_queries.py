"""The gateway over the real services (embedded platform, demo data): the contract's reads as each role,
nested fields across services, and business failures as OperationError with the service's code."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="package")

GUANHAIWEI = "330282107"


async def test_demo_accounts_are_bound_to_the_seeded_rows(platform):
    ctx = platform.ctx
    expected = {"bureau": ("BUREAU", None, "330282"), "insurer": ("INSURER", ctx["insurer_ids"][0], None),
                "agency": ("AGENCY", ctx["demo_agency_id"], None), "expert": ("EXPERT", ctx["demo_agency_id"], None),
                "enterprise": ("ENTERPRISE", ctx["demo_enterprise_id"], None), "admin": ("ADMIN", None, None)}
    for who, (role, org, region) in expected.items():
        me = (await platform.data("{ me { email role orgId regionCode expertId } }", as_=who))["me"]
        assert (me["role"], me["orgId"], me["regionCode"]) == (role, org, region), who
    expert = (await platform.data("{ me { expertId } }", as_="expert"))["me"]
    assert expert["expertId"] == ctx["demo_expert_id"]


async def test_regions_list_cixi_towns_with_guanhaiwei(platform):
    regions = (await platform.data('{ regions(parentCode: "330282") { code name level parentCode } }'))["regions"]
    assert {"code": GUANHAIWEI, "name": "观海卫镇", "level": "TOWN", "parentCode": "330282"} in regions
    assert len([r for r in regions if r["level"] == "TOWN"]) >= 19


async def test_the_bureau_sees_coverage_by_town_summing_to_the_total(platform):
    report = (await platform.data('{ coverage(regionCode: "330282", groupBy: TOWN) { regionCode asOf partial '
                                  "generatedAt total { enterprises insured rate } rows { key label enterprises "
                                  "insured rate employees insuredEmployees } } }", as_="bureau"))["coverage"]
    assert report["partial"] is False and report["total"]["enterprises"] >= 80
    assert sum(r["enterprises"] for r in report["rows"]) == report["total"]["enterprises"]
    assert sum(r["insured"] for r in report["rows"]) == report["total"]["insured"]
    town = next(r for r in report["rows"] if r["key"] == GUANHAIWEI)
    assert town["label"] == "观海卫镇"


async def test_a_firm_sees_itself_with_its_policies_and_no_other_firm(platform):
    data = await platform.data("{ enterprises { totalCount nodes { id townCode sizeClass insured policies { id } } } }",
                               as_="enterprise")
    assert data["enterprises"]["totalCount"] == 1
    firm = data["enterprises"]["nodes"][0]
    assert firm["id"] == platform.ctx["demo_enterprise_id"] and firm["townCode"] == GUANHAIWEI
    assert firm["sizeClass"] == "MICRO" and firm["insured"] is False and firm["policies"] == []


async def test_products_show_their_insurer_and_long_money(platform):
    products = (await platform.data("{ products { id name termMonths limitOptionsFen preventionShare "
                                    "insurer { id name } } }"))["products"]
    assert products and all(p["preventionShare"] <= 0.21 for p in products)
    assert all(min(p["limitOptionsFen"]) >= 40_000_000 for p in products)
    assert {p["insurer"]["id"] for p in products} >= {platform.ctx["insurer_ids"][0]}


async def test_agencies_show_offerings_and_experts_to_a_logged_in_caller(platform):
    query = "{ agencies(filter: {serviceType: HAZARD_INSPECTION, townCode: \"330282107\"}) { totalCount nodes { " \
            "id name status offerings { id serviceType priceFen agency { id } } experts { id name agency { id } } } } }"
    data = await platform.data(query, as_="enterprise")
    agency = next(a for a in data["agencies"]["nodes"] if a["id"] == platform.ctx["demo_agency_id"])
    assert agency["status"] == "APPROVED" and agency["experts"]
    assert any(o["serviceType"] == "HAZARD_INSPECTION" for o in agency["offerings"])
    assert all(o["agency"]["id"] == agency["id"] for o in agency["offerings"])
    anonymous = await platform.data(query)
    assert all(a["experts"] == [] for a in anonymous["agencies"]["nodes"])


async def test_an_insurer_sees_its_own_book_with_firms_products_and_spend(platform):
    data = await platform.data("{ policies(first: 100) { totalCount nodes { id number status insurer { id } "
                               "enterprise { id name } product { id } preventionBudgetFen preventionSpentFen } } }",
                               as_="insurer")
    nodes = data["policies"]["nodes"]
    assert nodes and {p["insurer"]["id"] for p in nodes} == {platform.ctx["insurer_ids"][0]}
    assert all(0 <= p["preventionSpentFen"] <= p["preventionBudgetFen"] for p in nodes)


async def test_an_invalid_credit_code_is_refused_with_invalid_uscc(platform):
    body = await platform.gql("""mutation { registerEnterprise(input: {uscc: "91330282MA2CX0001X", name: "测试(演示)",
      townCode: "330282107", sector: INDUSTRY, industryCode: "C33", employees: 5, annualRevenueFen: 100000000,
      principalName: "张三", contactPhone: "13800000000"}) { __typename ... on OperationError { code field } } }""",
                              as_="bureau")
    assert body["data"]["registerEnterprise"]["code"] == "INVALID_USCC"


async def test_a_quote_under_the_legal_limit_is_a_validation_error_on_its_field(platform):
    product = (await platform.data("{ products { id } }"))["products"][0]["id"]
    body = await platform.gql("""mutation($e: ID!, $p: ID!) { requestQuote(input: {enterpriseId: $e, productId: $p,
      headcount: 8, limitPerPersonFen: 30000000, startDate: "2030-01-01"}) {
      __typename ... on OperationError { code field } } }""",
                              {"e": platform.ctx["demo_enterprise_id"], "p": product}, as_="enterprise")
    assert body["data"]["requestQuote"]["code"] == "VALIDATION"
    assert body["data"]["requestQuote"]["field"]


async def test_a_firm_reading_another_firms_policy_is_forbidden(platform):
    other = (await platform.data("{ policies(first: 1) { nodes { id } } }", as_="insurer"))["policies"]["nodes"][0]
    body = await platform.gql("query($id: ID!) { policy(id: $id) { id } }", {"id": other["id"]}, as_="enterprise")
    assert body["data"]["policy"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_unknown_policy_is_null_without_an_error(platform):
    body = await platform.gql('{ policy(id: "pol_nope") { id } }', as_="insurer")
    assert body == {"data": {"policy": None}}
