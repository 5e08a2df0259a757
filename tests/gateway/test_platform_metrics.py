"""Coverage figures through the gateway equal counts computed here, independently, from the firms and
policies the bureau can list: for every dimension, at dates before, on and after a policy's start, its
end and a cancellation."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from services.kernel import clock

from .test_platform_journey import buy_policy, register_firm

pytestmark = pytest.mark.asyncio(loop_scope="package")

CIXI = "330282"


def china_today() -> date:
    return clock.today()


async def everything(platform, field: str, nodes: str) -> list[dict]:
    rows, after = [], None
    while True:
        page = (await platform.data(f"query($a: String) {{ {field}(first: 500, after: $a) {{ pageInfo {{ hasNextPage "
                                    f"endCursor }} nodes {{ {nodes} }} }} }}", {"a": after}, as_="bureau"))[field]
        rows.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def covers(policy: dict, day: date) -> bool:
    """The contract's rule, restated: an activated policy whose term contains the day, not cancelled by then."""
    if policy["activatedAt"] is None:
        return False
    start, end = date.fromisoformat(policy["startDate"]), date.fromisoformat(policy["endDate"])
    cancelled = date.fromisoformat(policy["cancelledOn"]) if policy["cancelledOn"] else None
    return start <= day <= end and (cancelled is None or cancelled > day)


def expected(firms: list[dict], policies: list[dict], day: date) -> dict[str, tuple[Counter, Counter]]:
    insurer_of: dict[str, str] = {}
    for p in policies:
        if covers(p, day):
            insurer_of.setdefault(p["enterprise"]["id"], p["insurer"]["id"])
    keys = {"TOWN": lambda f: [f["townCode"]], "VILLAGE": lambda f: [f["villageCode"] or "NONE"],
            "PARK": lambda f: [f["parkCode"] or "NONE"],
            "SIZE_CLASS": lambda f: [f["sizeClass"]], "INDUSTRY": lambda f: [f["industryCode"]],
            "HIGH_RISK_TAG": lambda f: f["highRiskTags"] or ["NONE"]}
    out = {}
    for dimension, key in keys.items():
        firms_by, insured_by = Counter(), Counter()
        for firm in firms:
            for k in key(firm):
                firms_by[k] += 1
                insured_by[k] += firm["id"] in insurer_of
        out[dimension] = (firms_by, insured_by)
    out["INSURER"] = (Counter(), Counter(insurer_of.values()))
    out["TOTAL"] = (Counter({"": len(firms)}), Counter({"": len(insurer_of)}))
    return out


async def reported(platform, day: date, dimension: str) -> dict:
    return (await platform.data("""query($d: Date!, $g: CoverageDimension!) { coverage(regionCode: "330282",
        asOf: $d, groupBy: $g) { asOf partial total { enterprises insured employees insuredEmployees }
        rows { key enterprises insured } } }""", {"d": day.isoformat(), "g": dimension}, as_="bureau"))["coverage"]


async def test_coverage_matches_independent_counts_around_starts_ends_and_cancellations(platform):
    today = china_today()
    firm = await register_firm(platform, employees=40)
    future = await buy_policy(platform, firm, as_="admin", start=today + timedelta(days=10))
    policies = await everything(platform, "policies", "id status startDate endDate cancelledOn activatedAt "
                                "enterprise { id } insurer { id }")
    started = next(p for p in policies if p["status"] == "ACTIVE" and date.fromisoformat(p["startDate"]) < today
                   and p["id"] != future["id"])
    cancel = (await platform.data("""mutation($p: ID!) { cancelPolicy(policyId: $p, reason: "停业(测试)",
        reasonCode: STOPPED_OPERATING) { __typename ... on Policy { status cancelledOn }
        ... on OperationError { code message } } }""", {"p": started["id"]}, as_="admin"))["cancelPolicy"]
    assert cancel == {"__typename": "Policy", "status": "CANCELLED", "cancelledOn": today.isoformat()}, cancel

    firms = await everything(platform, "enterprises", "id townCode villageCode parkCode sizeClass industryCode highRiskTags "
                             "employees")
    policies = await everything(platform, "policies", "id status startDate endDate cancelledOn activatedAt "
                                "enterprise { id } insurer { id }")
    mine = next(p for p in policies if p["id"] == future["id"])
    end = date.fromisoformat(mine["endDate"])
    days = [today - timedelta(days=1), today, today + timedelta(days=9), today + timedelta(days=10),
            end, end + timedelta(days=1)]
    for day in days:
        want = expected(firms, policies, day)
        for dimension in ("TOWN", "VILLAGE", "PARK", "SIZE_CLASS", "INDUSTRY", "HIGH_RISK_TAG", "INSURER"):
            report = await reported(platform, day, dimension)
            assert report["partial"] is False and report["asOf"] == day.isoformat()
            assert report["total"]["enterprises"] == want["TOTAL"][0][""], (day, dimension)
            assert report["total"]["insured"] == want["TOTAL"][1][""], (day, dimension)
            got_insured = Counter({r["key"]: r["insured"] for r in report["rows"] if r["insured"]})
            assert got_insured == +want[dimension][1], (day, dimension)
            if dimension != "INSURER":
                got_firms = Counter({r["key"]: r["enterprises"] for r in report["rows"] if r["enterprises"]})
                assert got_firms == +want[dimension][0], (day, dimension)
    firm_insured = {day: covers(mine, day) for day in days}
    assert firm_insured == {days[0]: False, days[1]: False, days[2]: False, days[3]: True, days[4]: True,
                            days[5]: False}
    cancelled = next(p for p in policies if p["id"] == started["id"])
    assert covers(cancelled, today - timedelta(days=1)) and not covers(cancelled, today)


async def test_an_insurer_sees_coverage_of_its_own_book_only(platform):
    own = await platform.data('{ coverage(regionCode: "330282") { total { insured } } }', as_="insurer")
    everyone = await platform.data('{ coverage(regionCode: "330282") { total { insured } } }', as_="bureau")
    assert 0 < own["coverage"]["total"]["insured"] <= everyone["coverage"]["total"]["insured"]
    body = await platform.gql("query($i: ID) { preventionMetrics(insurerId: $i) { budgetFen } }",
                              {"i": platform.ctx["insurer_ids"][1]}, as_="insurer")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
