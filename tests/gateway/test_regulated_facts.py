"""Issue 13, findings 2 and 6 through GraphQL: the bureau sets a firm's regulated facts (with history), a firm
cannot; an insurer lists and reads only the firms of its book."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="package")

SET = """mutation($input: RegulatedFactsInput!) { setEnterpriseRegulatedFacts(input: $input) {
  __typename ... on Enterprise { id riskColor blacklisted standardisationGrade }
  ... on OperationError { code field } } }"""
HISTORY = """query($id: ID!) { enterprise(id: $id) { regulatedFactChanges {
  field oldValue newValue reason actorRole } } }"""


async def a_firm_of_the_insurers_book(platform) -> dict:
    book = await platform.data("{ enterprises(first: 500) { nodes { id riskColor } } }", as_="insurer")
    others = [n for n in book["enterprises"]["nodes"] if n["id"] != platform.ctx["demo_enterprise_id"]]
    assert others
    return others[0]


async def test_a_firm_cannot_set_its_regulated_facts_and_the_bureau_can_with_history(platform):
    own = platform.ctx["demo_enterprise_id"]
    refused = await platform.data(SET, {"input": {"enterpriseId": own, "riskColor": "BLUE", "reason": "自评"}},
                                  as_="enterprise")
    assert refused["setEnterpriseRegulatedFacts"]["__typename"] == "OperationError"
    assert refused["setEnterpriseRegulatedFacts"]["code"] == "FORBIDDEN"

    firm = await a_firm_of_the_insurers_book(platform)
    before = firm["riskColor"]
    target = "ORANGE" if before != "ORANGE" else "YELLOW"
    try:
        done = await platform.data(SET, {"input": {"enterpriseId": firm["id"], "riskColor": target,
                                                   "reason": "检查后调整(测试)"}}, as_="bureau")
        assert done["setEnterpriseRegulatedFacts"] == {"__typename": "Enterprise", "id": firm["id"],
                                                       "riskColor": target, "blacklisted": False,
                                                       "standardisationGrade": done["setEnterpriseRegulatedFacts"][
                                                           "standardisationGrade"]}
        no_reason = await platform.data(SET, {"input": {"enterpriseId": firm["id"], "riskColor": "RED",
                                                        "reason": ""}}, as_="bureau")
        assert no_reason["setEnterpriseRegulatedFacts"]["code"] == "VALIDATION"
        for who in ("bureau", "insurer", "admin"):
            history = (await platform.data(HISTORY, {"id": firm["id"]}, as_=who))["enterprise"]
            assert history["regulatedFactChanges"][0] == {"field": "risk_color", "oldValue": before,
                                                          "newValue": target, "reason": "检查后调整(测试)",
                                                          "actorRole": "bureau"}
        body = await platform.gql(HISTORY, {"id": firm["id"]}, as_="agency")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        await platform.data(SET, {"input": {"enterpriseId": firm["id"], "riskColor": before,
                                            "reason": "恢复(测试)"}}, as_="bureau")


async def test_an_insurer_sees_only_the_firms_of_its_book(platform):
    query = "{ enterprises(first: 500) { totalCount nodes { id policies { insurer { id } } } } }"
    insurer = (await platform.data(query, as_="insurer"))["enterprises"]
    city = (await platform.data(query, as_="bureau"))["enterprises"]
    assert 0 < insurer["totalCount"] < city["totalCount"]
    mine = platform.ctx["insurer_ids"][0]
    outside = [n["id"] for n in city["nodes"]
               if n["policies"] and all(p["insurer"]["id"] != mine for p in n["policies"])]
    assert outside and not set(outside) & {n["id"] for n in insurer["nodes"]}
    body = await platform.gql("query($id: ID!) { enterprise(id: $id) { name contactPhone } }", {"id": outside[0]},
                              as_="insurer")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
