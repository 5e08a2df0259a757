"""Each role sees only its own rows on every query that returns rows: the gateway passes the caller's token
on and the services scope; queries a role may not make answer FORBIDDEN (or UNAUTHENTICATED)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from .test_platform_batching import book_visits
from .test_platform_exposure import SIX, reported_hazards
from .test_platform_journey import wait_for

pytestmark = pytest.mark.asyncio(loop_scope="package")

ROLES = ("enterprise", "insurer", "agency", "expert", "bureau", "admin")


async def other_firm_token(platform) -> str:
    """The login of a firm other than the demo firm (the admin makes it, as it would for a firm's owner)."""
    if "other-firm" not in platform.tokens:
        firms = await platform.data("{ enterprises(first: 50) { nodes { id } } }", as_="admin")
        other = next(n["id"] for n in firms["enterprises"]["nodes"] if n["id"] != platform.ctx["demo_enterprise_id"])
        email = "other-firm@scoping.anze.cn"
        made = await platform.gql("""mutation($i: AccountInput!) { createAccount(input: $i) { __typename } }""",
                                  {"i": {"email": email, "password": "other-firm-pass-1", "role": "ENTERPRISE",
                                         "orgId": other}}, as_="admin")
        assert made["data"]["createAccount"]["__typename"] == "User", made
        body = await platform.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { '
                                  "... on AuthPayload { token } } }", {"e": email, "p": "other-firm-pass-1"})
        platform.tokens["other-firm"] = body["data"]["login"]["token"]
    return platform.tokens["other-firm"]


async def run_job(platform, part: str, name: str) -> None:
    """Run one of a part's periodic jobs now, as its scheduler would."""
    runtime = platform.app.state.platform.apps[part].state.runtime
    [job] = [j for j in runtime.jobs if j.name == name]
    await job.run(runtime)


async def codes(platform, query: str, variables: dict | None = None) -> dict[str | None, str | None]:
    out: dict[str | None, str | None] = {}
    for who in (None, *ROLES):
        body = await platform.gql(query, variables, as_=who)
        out[who] = body["errors"][0]["extensions"]["code"] if body.get("errors") else None
    return out


GUANHAIWEI = "330282107"


async def town_bureau(platform, town: str = GUANHAIWEI) -> str:
    """A token of a town bureau (the admin creates its account, as in production), made once per platform."""
    key = f"bureau:{town}"
    if key not in platform.tokens:
        email = f"town-{town}@scoping.anze.cn"
        made = await platform.gql("""mutation($i: AccountInput!) { createAccount(input: $i) { __typename
            ... on OperationError { code message } } }""", {"i": {"email": email, "password": "town-bureau-pass-1",
                                                                   "role": "BUREAU", "regionCode": town}}, as_="admin")
        assert made["data"]["createAccount"]["__typename"] == "User", made
        body = await platform.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { '
                                  "... on AuthPayload { token } ... on OperationError { code message } } }",
                                  {"e": email, "p": "town-bureau-pass-1"})
        platform.tokens[key] = body["data"]["login"]["token"]
    return key


async def test_firms_are_visible_to_the_firm_itself_insurers_and_the_bureau_only(platform):
    got = await codes(platform, "{ enterprises(first: 5) { totalCount } }")
    assert got == {None: "UNAUTHENTICATED", "enterprise": None, "insurer": None, "agency": "FORBIDDEN",
                   "expert": "FORBIDDEN", "bureau": None, "admin": None}
    city = (await platform.data("{ enterprises(first: 500) { totalCount nodes { townCode } } }",
                                as_="bureau"))["enterprises"]
    town = (await platform.data("{ enterprises(first: 500) { totalCount nodes { townCode } } }",
                                as_=await town_bureau(platform)))["enterprises"]
    assert town["nodes"], "the demo town has firms"
    assert {n["townCode"] for n in town["nodes"]} == {GUANHAIWEI}  # nothing of another town
    assert {n["townCode"] for n in city["nodes"]} > {GUANHAIWEI}  # the city sees several towns
    assert town["totalCount"] == sum(n["townCode"] == GUANHAIWEI for n in city["nodes"])


async def test_policies_are_a_firms_own_an_insurers_book_and_the_bureaus_region(platform):
    got = await codes(platform, "{ policies(first: 5) { totalCount } }")
    assert got[None] == "UNAUTHENTICATED" and got["agency"] == "FORBIDDEN" and got["expert"] == "FORBIDDEN"
    insurer = platform.ctx["insurer_ids"][0]
    book = await platform.data("{ policies(first: 500) { totalCount nodes { insurer { id } } } }", as_="insurer")
    region = await platform.data("{ policies(first: 500) { totalCount } }", as_="bureau")
    assert {n["insurer"]["id"] for n in book["policies"]["nodes"]} == {insurer}
    assert book["policies"]["totalCount"] < region["policies"]["totalCount"]
    assert book["policies"]["nodes"], "the demo insurer has a book"
    town = await platform.data("{ policies(first: 500) { nodes { enterprise { townCode } } } }",
                               as_=await town_bureau(platform))
    assert town["policies"]["nodes"] and {n["enterprise"]["townCode"] for n in town["policies"]["nodes"]} == {GUANHAIWEI}
    others = await platform.data("{ policies(first: 500) { nodes { enterprise { id } } } }", as_="admin")
    other_firm = next(n["enterprise"]["id"] for n in others["policies"]["nodes"]
                      if n["enterprise"]["id"] != platform.ctx["demo_enterprise_id"])
    own = await platform.data("{ policies(first: 500) { nodes { enterprise { id } } } }", as_="enterprise")
    assert other_firm not in {n["enterprise"]["id"] for n in own["policies"]["nodes"]}


async def test_bookings_and_hazards_are_scoped_to_firm_agency_and_assigned_expert(platform):
    ctx = platform.ctx
    await book_visits(platform, 1)
    query = "{ bookings(first: 500) { totalCount nodes { id agency { id } expert { id } enterprise { id } } } }"
    firm = (await platform.data(query, as_="enterprise"))["bookings"]
    assert firm["totalCount"] >= 1 and all(n["enterprise"]["id"] == ctx["demo_enterprise_id"] for n in firm["nodes"])
    agency = (await platform.gql(query, as_="agency"))["data"]["bookings"]
    assert agency["totalCount"] >= 1 and all(n["agency"]["id"] == ctx["demo_agency_id"] for n in agency["nodes"])
    expert = (await platform.gql(query, as_="expert"))["data"]["bookings"]
    assert expert["nodes"] and all(n["expert"]["id"] == ctx["demo_expert_id"] for n in expert["nodes"])
    assert (await codes(platform, "{ bookings { totalCount } hazards { totalCount } }"))[None] == "UNAUTHENTICATED"
    [found] = await reported_hazards(platform, [{"grade": "GENERAL", "description": "配电箱未上锁(演示)"}])
    hazards = await platform.data("{ hazards(first: 500) { nodes { id enterprise { id } } } }", as_="enterprise")
    assert found["id"] in {n["id"] for n in hazards["hazards"]["nodes"]}
    assert {n["enterprise"]["id"] for n in hazards["hazards"]["nodes"]} == {ctx["demo_enterprise_id"]}
    other = await other_firm_token(platform)
    seen_by_other = await platform.gql("{ hazards(first: 500) { nodes { id } } }", token=other)
    assert found["id"] not in {n["id"] for n in seen_by_other["data"]["hazards"]["nodes"]}


async def test_the_agency_and_its_expert_see_the_firm_behind_their_booking(platform):
    [booking] = await book_visits(platform, 1)
    query = "query($id: ID!) { booking(id: $id) { expert { id } enterprise { name principalName contactPhone } } }"

    async def seen(as_: str):  # once the policy service has learnt the booking from its event
        body = await platform.gql(query, {"id": booking}, as_=as_)
        return None if body.get("errors") else body["data"]["booking"]

    agency = await wait_for(lambda: seen("agency"))
    expert = await wait_for(lambda: seen("expert"))
    assert expert["expert"]["id"] == platform.ctx["demo_expert_id"]
    assert agency["enterprise"] == expert["enterprise"] == {"name": "演示-观海卫小微五金厂",
                                                             "principalName": "演示负责人",
                                                             "contactPhone": "13900000000"}
    assert (await codes(platform, "{ enterprises(first: 5) { totalCount } }"))["expert"] == "FORBIDDEN"


async def test_metrics_and_action_lists_are_for_the_bureau_and_insurers(platform):
    coverage = await codes(platform, '{ coverage(regionCode: "330282") { partial } }')
    assert coverage == {None: "UNAUTHENTICATED", "enterprise": "FORBIDDEN", "insurer": None,
                        "agency": "FORBIDDEN", "expert": "FORBIDDEN", "bureau": None, "admin": None}
    prevention = await codes(platform, "{ preventionMetrics { budgetFen spentFen closureRate } }")
    assert prevention["enterprise"] == "FORBIDDEN" and prevention["bureau"] is None and prevention["insurer"] is None
    at_risk = await codes(platform, "{ uninsuredAtRisk { truncated } }")
    assert at_risk == {None: "UNAUTHENTICATED", "enterprise": "FORBIDDEN", "insurer": "FORBIDDEN",
                       "agency": "FORBIDDEN", "expert": "FORBIDDEN", "bureau": None, "admin": None}
    performance = await codes(platform, "{ agencyPerformance { agencyName closureRate } }")
    assert performance["bureau"] is None and performance["agency"] == "FORBIDDEN"


async def test_the_bureaus_lists_hold_only_firms_to_act_on(platform):
    [major] = await reported_hazards(platform, [{"grade": "MAJOR", "description": "喷漆房未设置防爆电气(演示)",
                                                 "sixInPlace": SIX}])
    with time_machine.travel(date.fromisoformat(major["deadline"]) + timedelta(days=2)):  # past its deadline
        await run_job(platform, "bookings", "hazards-overdue")
    data = await platform.data("{ uninsuredAtRisk { truncated enterprises { insured compulsory highRiskTags } } "
                               "overdueMajorHazards { id grade status } "
                               "agencyPerformance { agencyName closureRate agency { id } } }", as_="bureau")
    firms = data["uninsuredAtRisk"]["enterprises"]
    assert firms and all(not f["insured"] and (f["compulsory"] or f["highRiskTags"]) for f in firms)
    assert data["overdueMajorHazards"] and all(h["grade"] == "MAJOR" and h["status"] == "OVERDUE"
                                               for h in data["overdueMajorHazards"])
    assert data["agencyPerformance"] and all(p["agency"]["id"] for p in data["agencyPerformance"])


async def test_accounts_are_listed_to_the_organisation_that_manages_them(platform):
    experts = await platform.data("{ accounts { email role orgId } }", as_="agency")
    assert experts["accounts"] and all(a["orgId"] == platform.ctx["demo_agency_id"] for a in experts["accounts"])
    firm = await platform.gql("{ accounts { email } }", as_="enterprise")
    assert firm["errors"][0]["extensions"]["code"] == "FORBIDDEN"
