"""Panels, service plans and prevention ledgers through the gateway, as the right and the wrong accounts: the
insurer keeps its panel (audited) and proposes plans, the firm agrees, both read the same ledger figures."""

from __future__ import annotations

import pytest

from gateway.accounts import service as accounts
from services.kernel.auth import Role

from .conftest import PASSWORD
from .test_platform_journey import buy_policy, register_firm, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="package")

PANEL = """query($i: ID) { panel(insurerId: $i) { insurer { id } entries { agencyId agencyName agency { name }
  criteria } changes { action agencyId reason criteria changedAt } } }"""
ADD = """mutation($in: PanelEntryInput!) { addToPanel(input: $in) { __typename
  ... on PanelEntry { agencyId agencyName criteria startDate removedAt } ... on OperationError { code field } } }"""
REMOVE = """mutation($a: ID!, $r: String!) { removeFromPanel(agencyId: $a, reason: $r) { __typename
  ... on Panel { entries { agencyId } } ... on OperationError { code field } } }"""
LEDGER = """query($p: ID!) { preventionLedger(policyId: $p) { policyId budgetFen reservedFen spentFen availableFen
  policy { id } entries { kind amountFen bookingId } summary { visitsPlannedPerYear visitsDone }
  plan { status visitsPerYear } } }"""
PLAN = """query($p: ID!) { servicePlan(policyId: $p) { status visitsPerYear serviceTypes items targets agency { id }
  proposed { visitsPerYear serviceTypes agency { id } } } }"""
PROPOSE = """mutation($p: ID!, $in: ServicePlanInput!) { proposeServicePlan(policyId: $p, input: $in) { __typename
  ... on ServicePlan { status visitsPerYear proposed { visitsPerYear } } ... on OperationError { code field } } }"""
AGREE = """mutation($p: ID!, $a: Boolean!) { agreeServicePlan(policyId: $p, accept: $a) { __typename
  ... on ServicePlan { status visitsPerYear serviceTypes agency { id } proposed { visitsPerYear } }
  ... on OperationError { code } } }"""


async def as_token(platform, query: str, variables: dict, token: str) -> dict:
    body = await platform.gql(query, variables, token=token)
    assert not body.get("errors"), body["errors"]
    return body["data"]


def error_code(body: dict) -> str | None:
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else None


async def test_the_insurer_adds_and_removes_an_agency_and_the_trail_shows_why(platform):
    other = platform.ctx["agency_ids"][1]  # approved, on the second insurer's panel, not on the demo insurer's
    panel = (await platform.data(PANEL, as_="insurer"))["panel"]
    assert panel["insurer"]["id"] == platform.ctx["insurer_ids"][0]
    assert platform.ctx["demo_agency_id"] in {e["agencyId"] for e in panel["entries"]}
    assert other not in {e["agencyId"] for e in panel["entries"]}

    added = (await platform.data(ADD, {"in": {"agencyId": other, "criteria": "评价良好"}}, as_="insurer"))["addToPanel"]
    assert added["__typename"] == "PanelEntry" and added["agencyId"] == other and added["removedAt"] is None
    again = (await platform.data(ADD, {"in": {"agencyId": other}}, as_="insurer"))["addToPanel"]
    assert again == {"__typename": "OperationError", "code": "CONFLICT", "field": "startDate"}
    listed = (await platform.data(PANEL, as_="insurer"))["panel"]["entries"]
    [entry] = [e for e in listed if e["agencyId"] == other]
    assert entry["agency"]["name"] == entry["agencyName"] and entry["criteria"] == "评价良好"

    blank = (await platform.data(REMOVE, {"a": other, "r": " "}, as_="insurer"))["removeFromPanel"]
    assert blank["__typename"] == "OperationError" and blank["field"] == "reason"
    removed = (await platform.data(REMOVE, {"a": other, "r": "服务投诉较多"}, as_="insurer"))["removeFromPanel"]
    assert removed["__typename"] == "Panel" and other not in {e["agencyId"] for e in removed["entries"]}
    changes = (await platform.data(PANEL, as_="insurer"))["panel"]["changes"]
    assert [(c["action"], c["agencyId"], c["reason"]) for c in changes[:2]] == [
        ("REMOVED", other, "服务投诉较多"), ("ADDED", other, None)]
    assert changes[1]["criteria"] == "评价良好"
    gone = (await platform.data(REMOVE, {"a": other, "r": "再次移除"}, as_="insurer"))["removeFromPanel"]
    assert gone["__typename"] == "OperationError" and gone["code"] == "NOT_FOUND"


async def test_only_the_insurer_keeps_its_panel_and_the_bureau_reads_it(platform):
    own = platform.ctx["insurer_ids"][0]
    another = platform.ctx["insurer_ids"][1]
    for who in ("enterprise", "agency", "expert"):
        assert error_code(await platform.gql(PANEL, {"i": own}, as_=who)) == "FORBIDDEN", who
    assert error_code(await platform.gql(PANEL, {"i": own})) == "UNAUTHENTICATED"
    assert error_code(await platform.gql(PANEL, {"i": another}, as_="insurer")) == "FORBIDDEN"
    bureau = (await platform.data(PANEL, {"i": own}, as_="bureau"))["panel"]["entries"]
    assert platform.ctx["demo_agency_id"] in {e["agencyId"] for e in bureau}
    assert error_code(await platform.gql(PANEL, as_="bureau")) == "VALIDATION"  # the bureau names the insurer
    for who in ("bureau", "enterprise", "agency"):
        refused = (await platform.data(ADD, {"in": {"agencyId": platform.ctx["agency_ids"][3], "insurerId": own}},
                                       as_=who))["addToPanel"]
        assert refused["code"] == "FORBIDDEN", who
    foreign = (await platform.data(ADD, {"in": {"agencyId": platform.ctx["agency_ids"][3], "insurerId": another}},
                                   as_="insurer"))["addToPanel"]
    assert foreign["code"] == "FORBIDDEN"
    missing = (await platform.data(ADD, {"in": {"agencyId": "agy_nope"}}, as_="insurer"))["addToPanel"]
    assert missing == {"__typename": "OperationError", "code": "NOT_FOUND", "field": "agencyId"}


async def insured_firm(platform) -> tuple[str, str]:
    """A firm insured with the demo insurer (through the admin), with its own account's token."""
    firm = await register_firm(platform)
    policy = await buy_policy(platform, firm, as_="admin")
    email = f"prevention-{firm[-6:].lower()}@test.anze.cn"
    async with platform.gateway.database.transaction() as session:
        await accounts.add_account(session=session, email=email, password=PASSWORD, role=Role.ENTERPRISE,
                                   org_id=firm, hasher=platform.gateway.account_policy.hasher)
    body = await platform.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { '
                              '... on AuthPayload { token } } }', {"e": email, "p": PASSWORD})
    return policy["id"], body["data"]["login"]["token"]


async def test_the_firm_and_its_insurer_read_the_same_ledger_and_no_one_else_does(platform):
    policy, firm_token = await insured_firm(platform)

    async def ledger(**who):
        body = await platform.gql(LEDGER, {"p": policy}, **who)
        return (body.get("data") or {}).get("preventionLedger")

    insurer = await wait_for(lambda: ledger(as_="insurer"))  # once bookings has learnt the policy
    firm = await ledger(token=firm_token)
    assert firm == insurer
    assert insurer["budgetFen"] > 0 and insurer["availableFen"] == insurer["budgetFen"]
    assert insurer["entries"] == [{"kind": "BUDGET", "amountFen": insurer["budgetFen"], "bookingId": None}]
    assert insurer["policy"]["id"] == policy and insurer["summary"]["visitsDone"] == 0
    assert insurer["summary"]["visitsPlannedPerYear"] == insurer["plan"]["visitsPerYear"] > 0
    assert await ledger(as_="enterprise") is None  # the demo firm's token: another firm's ledger is not there
    for who in ("agency", "expert"):
        assert error_code(await platform.gql(LEDGER, {"p": policy}, as_=who)) == "FORBIDDEN"

    book = (await platform.data("""{ preventionLedgers(first: 2) { totalCount pageInfo { hasNextPage endCursor }
        nodes { policyId policy { insurer { id } } } } }""", as_="insurer"))["preventionLedgers"]
    assert book["totalCount"] > 2 and book["pageInfo"]["hasNextPage"] and len(book["nodes"]) == 2
    assert {n["policy"]["insurer"]["id"] for n in book["nodes"]} == {platform.ctx["insurer_ids"][0]}
    rest = (await platform.data("""query($a: String) { preventionLedgers(first: 500, after: $a) { nodes { policyId }
        } }""", {"a": book["pageInfo"]["endCursor"]}, as_="insurer"))["preventionLedgers"]["nodes"]
    ids = [n["policyId"] for n in book["nodes"] + rest]
    assert len(ids) == len(set(ids)) == book["totalCount"] and policy in ids
    own = (await platform.gql("{ preventionLedgers { totalCount nodes { policyId } } preventionLedgerTotals { "
                              "policies budgetFen availableFen } }", token=firm_token))
    assert own["data"]["preventionLedgers"] == {"totalCount": 1, "nodes": [{"policyId": policy}]}
    assert own["data"]["preventionLedgerTotals"] == {"policies": 1, "budgetFen": insurer["budgetFen"],
                                                     "availableFen": insurer["availableFen"]}
    totals = (await platform.data("{ preventionLedgerTotals { policies budgetFen } }", as_="insurer"))
    assert totals["preventionLedgerTotals"]["policies"] == book["totalCount"]
    assert error_code(await platform.gql("{ preventionLedgerTotals { policies } }", as_="agency")) == "FORBIDDEN"


async def test_the_insurer_proposes_a_plan_and_it_applies_once_the_firm_agrees(platform):
    policy, firm_token = await insured_firm(platform)
    plan = await wait_for(lambda: _plan(platform, policy, as_="insurer"))
    assert plan["status"] == "AGREED" and plan["proposed"] is None
    on_panel, off_panel = platform.ctx["demo_agency_id"], platform.ctx["agency_ids"][1]

    refused = (await platform.data(PROPOSE, {"p": policy, "in": {"agencyId": off_panel}}, as_="insurer"))
    assert refused["proposeServicePlan"] == {"__typename": "OperationError", "code": "NOT_ON_PANEL",
                                             "field": "agencyId"}
    too_many = (await platform.data(PROPOSE, {"p": policy, "in": {"visitsPerYear": 99}}, as_="insurer"))
    assert too_many["proposeServicePlan"]["field"] == "visitsPerYear"
    firm_try = (await platform.gql(PROPOSE, {"p": policy, "in": {"visitsPerYear": 9}}, token=firm_token))
    assert firm_try["data"]["proposeServicePlan"]["code"] == "FORBIDDEN"
    nothing = (await as_token(platform, AGREE, {"p": policy, "a": True}, firm_token))["agreeServicePlan"]
    assert nothing["code"] == "INVALID_STATE"

    proposed = (await platform.data(PROPOSE, {"p": policy, "in": {
        "visitsPerYear": 9, "serviceTypes": ["HAZARD_INSPECTION", "TRAINING"], "agencyId": on_panel}},
        as_="insurer"))["proposeServicePlan"]
    assert proposed == {"__typename": "ServicePlan", "status": "PROPOSED", "visitsPerYear": plan["visitsPerYear"],
                        "proposed": {"visitsPerYear": 9}}
    insurer_agrees = (await platform.data(AGREE, {"p": policy, "a": True}, as_="insurer"))["agreeServicePlan"]
    assert insurer_agrees["code"] == "FORBIDDEN"
    agreed = (await as_token(platform, AGREE, {"p": policy, "a": True}, firm_token))["agreeServicePlan"]
    assert agreed == {"__typename": "ServicePlan", "status": "AGREED", "visitsPerYear": 9,
                      "serviceTypes": ["HAZARD_INSPECTION", "TRAINING"], "agency": {"id": on_panel},
                      "proposed": None}
    assert (await _plan(platform, policy, as_="bureau"))["visitsPerYear"] == 9
    assert error_code(await platform.gql(PLAN, {"p": policy}, as_="enterprise")) == "FORBIDDEN"


async def test_a_declined_proposal_leaves_the_plan_as_it_was(platform):
    policy, firm_token = await insured_firm(platform)
    plan = await wait_for(lambda: _plan(platform, policy, as_="insurer"))
    await platform.data(PROPOSE, {"p": policy, "in": {"visitsPerYear": 12}}, as_="insurer")
    declined = (await as_token(platform, AGREE, {"p": policy, "a": False}, firm_token))["agreeServicePlan"]
    assert declined["status"] == "AGREED" and declined["visitsPerYear"] == plan["visitsPerYear"]
    assert declined["proposed"] is None


async def _plan(platform, policy: str, **who) -> dict | None:
    body = await platform.gql(PLAN, {"p": policy}, **who)
    return None if body.get("errors") else body["data"]["servicePlan"]
