"""Who may bind a login to what, through GraphQL on the seeded platform: a bureau makes logins only for approved
agencies serving its region, the admin only for firms, insurers, agencies, experts and regions that exist, never a
bureau without a region; a town bureau (330282107 观海卫镇) lists only the accounts of its region and reads no other
town's agency notices; a bureau account without a region (made before this rule) sees no figures."""

from __future__ import annotations

import uuid

import pytest

from gateway.accounts import service as accounts
from services.kernel.auth import Role

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.asyncio(loop_scope="package")

GUANHAIWEI = "330282107"
CREATE = """mutation($i: AccountInput!) { createAccount(input: $i) { __typename
  ... on User { email role orgId regionCode expertId } ... on OperationError { code field message } } }"""
LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  ... on AuthPayload { token } ... on OperationError { code } } }"""


def email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@scope.test"


async def create(platform, as_: str | None = None, token: str | None = None, **fields) -> dict:
    body = await platform.gql(CREATE, {"i": {"password": DEMO_PASSWORD, **fields}}, as_=as_, token=token)
    assert not body.get("errors"), body
    return body["data"]["createAccount"]


async def login(platform, address: str) -> str:
    body = await platform.gql(LOGIN, {"e": address, "p": DEMO_PASSWORD})
    return body["data"]["login"]["token"]


async def town_bureau(platform) -> tuple[str, str]:
    address = email("town")
    made = await create(platform, "admin", email=address, role="BUREAU", regionCode=GUANHAIWEI)
    assert made["__typename"] == "User" and made["regionCode"] == GUANHAIWEI, made
    return address, await login(platform, address)


async def agencies_by_town(platform) -> tuple[str, str, set[str]]:
    """An approved agency serving 观海卫镇, one that serves none of its codes, and every one serving it."""
    rows = (await platform.data("{ agencies(first: 100) { nodes { id status townCodes } } }",
                                as_="bureau"))["agencies"]["nodes"]
    inside = [a["id"] for a in rows if any(c.startswith(GUANHAIWEI) for c in a["townCodes"])]
    outside = [a["id"] for a in rows if not any(c.startswith(GUANHAIWEI) for c in a["townCodes"])]
    assert inside and outside
    return inside[0], outside[0], set(inside)


async def test_a_bureau_creates_agency_accounts_and_bureaus_only_inside_its_region(platform):
    _, token = await town_bureau(platform)
    inside, outside, _ = await agencies_by_town(platform)
    missing = await create(platform, token=token, email=email("a"), role="AGENCY", orgId="agc_does_not_exist")
    assert (missing["code"], missing["field"]) == ("NOT_FOUND", "orgId"), missing
    other_town = await create(platform, token=token, email=email("a"), role="AGENCY", orgId=outside)
    assert (other_town["code"], other_town["field"]) == ("FORBIDDEN", "orgId"), other_town
    ok = await create(platform, token=token, email=email("a"), role="AGENCY", orgId=inside)
    assert ok["__typename"] == "User" and ok["orgId"] == inside and ok["regionCode"] is None
    # the city bureau covers every town: the other agency is its own
    city = await create(platform, "bureau", email=email("a"), role="AGENCY", orgId=outside)
    assert city["__typename"] == "User" and city["orgId"] == outside
    # bureaus: only inside its region, and only regions that exist
    above = await create(platform, token=token, email=email("b"), role="BUREAU", regionCode="330282")
    assert above["code"] == "FORBIDDEN"
    sibling = await create(platform, "bureau", email=email("b"), role="BUREAU", regionCode="330282999")
    assert (sibling["code"], sibling["field"]) == ("NOT_FOUND", "regionCode")
    village = await create(platform, token=token, email=email("b"), role="BUREAU", regionCode=GUANHAIWEI + "201")
    assert village["__typename"] == "User" and village["regionCode"] == GUANHAIWEI + "201"


async def test_the_admin_binds_logins_only_to_organisations_that_exist_and_bureaus_to_a_region(platform):
    ctx = platform.ctx
    for role, org in (("ENTERPRISE", "ent_nope"), ("INSURER", "ins_nope"), ("AGENCY", "agc_does_not_exist")):
        made = await create(platform, "admin", email=email("x"), role=role, orgId=org)
        assert (made["code"], made["field"]) == ("NOT_FOUND", "orgId"), (role, made)
    for role, org in (("ENTERPRISE", ctx["demo_enterprise_id"]), ("INSURER", ctx["insurer_ids"][0])):
        made = await create(platform, "admin", email=email("x"), role=role, orgId=org)
        assert made["__typename"] == "User" and made["orgId"] == org, made
    expert = await create(platform, "admin", email=email("e"), role="EXPERT", expertId=ctx["demo_expert_id"])
    assert expert["orgId"] == ctx["demo_agency_id"] and expert["expertId"] == ctx["demo_expert_id"], expert
    for region in (None, "", "33", "not-a-code"):
        made = await create(platform, "admin", email=email("b"), role="BUREAU", regionCode=region)
        assert (made["code"], made["field"]) == ("VALIDATION", "regionCode"), (region, made)


async def test_a_town_bureau_lists_only_the_accounts_of_its_region_limit_after_filter(platform):
    town_email, token = await town_bureau(platform)
    inside, outside, serving = await agencies_by_town(platform)
    village_email = email("v")
    assert (await create(platform, token=token, email=village_email, role="BUREAU",
                         regionCode=GUANHAIWEI + "202"))["__typename"] == "User"
    theirs = email("zz-other")  # sorts after everything of the town: a limit before the filter would cut it
    assert (await create(platform, "bureau", email=theirs, role="AGENCY", orgId=outside))["__typename"] == "User"
    ours = email("zz-ours")
    assert (await create(platform, token=token, email=ours, role="AGENCY", orgId=inside))["__typename"] == "User"
    query = "query($n: Int!, $a: String) { accounts(first: $n, after: $a) { email role orgId regionCode } }"
    rows = (await platform.gql(query, {"n": 500}, token=token))["data"]["accounts"]
    emails = {r["email"] for r in rows}
    assert rows and {town_email, village_email, ours} <= emails
    assert theirs not in emails and "bureau@demo.anze.cn" not in emails and "admin@demo.anze.cn" not in emails
    assert all((r["role"] == "BUREAU" and r["regionCode"].startswith(GUANHAIWEI))
               or (r["role"] in ("AGENCY", "EXPERT") and r["orgId"] in serving) for r in rows)
    # paging: one at a time, after the last e-mail, gives the same rows in order
    paged, after = [], None
    while True:
        page = (await platform.gql(query, {"n": 1, "a": after}, token=token))["data"]["accounts"]
        if not page:
            break
        assert len(page) == 1
        paged.append(page[0]["email"])
        after = page[0]["email"]
    assert paged == [r["email"] for r in rows]
    city = (await platform.gql(query, {"n": 500}, as_="bureau"))["data"]["accounts"]
    assert {theirs, ours, town_email} <= {r["email"] for r in city}


async def test_a_town_bureau_reads_notices_only_of_agencies_serving_its_town(platform):
    _, token = await town_bureau(platform)
    inside, outside, _ = await agencies_by_town(platform)
    query = "query($id: ID!) { agency(id: $id) { id notices { kind } } }"
    mine = await platform.gql(query, {"id": inside}, token=token)
    assert not mine.get("errors") and mine["data"]["agency"]["id"] == inside
    other = await platform.gql(query, {"id": outside}, token=token)
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_bureau_account_without_a_region_sees_no_figures(platform):
    address = email("legacy")
    async with platform.gateway.database.transaction() as session:  # an account made before the rule
        await accounts.add_account(session=session, email=address, password=DEMO_PASSWORD, role=Role.BUREAU,
                                   hasher=platform.gateway.account_policy.hasher)
    token = await login(platform, address)
    city = await platform.gql("{ preventionMetrics { budgetFen } }", as_="bureau")
    assert not city.get("errors")
    metrics = await platform.gql("{ preventionMetrics { budgetFen } }", token=token)
    assert metrics["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    withdrawn = await platform.gql("{ exposureCases(withdrawn: true, first: 100) { nodes { id } } }", token=token)
    assert not withdrawn.get("errors") and withdrawn["data"]["exposureCases"]["nodes"] == []
    made = await create(platform, token=token, email=email("a"), role="AGENCY", orgId=platform.ctx["demo_agency_id"])
    assert made["code"] == "FORBIDDEN"
    listed = await platform.gql("{ accounts(first: 500) { email } }", token=token)
    assert listed["data"]["accounts"] == []
