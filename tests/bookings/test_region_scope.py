"""Region scoping fails closed: a town bureau (330282107 观海卫镇) reads the service plans of its town's
policies only, and a bureau without a region sees no metrics, no ledgers and no withdrawn exposure case."""

from __future__ import annotations

import pytest

from services.kernel.auth import Role
from tests.bookings.conftest import GUANHAIWEI, OTHER_TOWN
from tests.bookings.test_exposure import _overdue, _publish

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_town_bureau_reads_the_service_plans_of_its_own_town_only(kit):
    ours = await kit.policy(await kit.firm(GUANHAIWEI), town_code=GUANHAIWEI)
    theirs = await kit.policy(await kit.firm(OTHER_TOWN), town_code=OTHER_TOWN)
    town = kit.bureau(GUANHAIWEI)
    mine = await kit.client.get(f"/v1/plans/{ours}", headers=town)
    assert mine.status_code == 200 and mine.json()["visits_per_year"] >= 1
    other = await kit.client.get(f"/v1/plans/{theirs}", headers=town)
    assert other.status_code == 403 and other.json()["code"] == "FORBIDDEN"
    assert (await kit.client.get(f"/v1/plans/{theirs}", headers=kit.bureau())).status_code == 200  # the city
    for headers in (kit.keys.headers(Role.BUREAU), kit.bureau("33")):
        assert (await kit.client.get(f"/v1/plans/{ours}", headers=headers)).status_code == 403


async def test_a_bureau_without_a_region_sees_no_metrics_ledgers_or_withdrawn_cases(kit):
    await kit.policy(await kit.firm(GUANHAIWEI), town_code=GUANHAIWEI)
    _, hazard = await _overdue(kit)
    case = (await _publish(kit, hazard)).json()
    assert (await kit.post(f"/v1/exposure-cases/{case['id']}/withdrawal", kit.bureau(),
                           {"reason": "企业已整改到位"})).status_code == 200
    city = kit.bureau()
    assert (await kit.client.get("/v1/metrics/prevention", headers=city)).status_code == 200
    assert (await kit.client.get("/v1/ledgers", params={"limit": 500}, headers=city)).json()["items"]
    withdrawn = (await kit.client.get("/v1/exposure-cases", params={"withdrawn": "true", "limit": 500},
                                      headers=city)).json()["items"]
    assert case["id"] in {c["id"] for c in withdrawn}

    for headers in (kit.keys.headers(Role.BUREAU), kit.bureau("33")):
        metrics = await kit.client.get("/v1/metrics/prevention", headers=headers)
        assert metrics.status_code == 403 and metrics.json()["code"] == "FORBIDDEN"
        ledgers = await kit.client.get("/v1/ledgers", params={"limit": 500}, headers=headers)
        assert ledgers.status_code == 200 and ledgers.json()["items"] == []
        cases = await kit.client.get("/v1/exposure-cases", params={"withdrawn": "true", "limit": 500},
                                     headers=headers)
        assert cases.status_code == 200 and cases.json()["items"] == []
        seen = await kit.client.get(f"/v1/exposure-cases/{case['id']}", headers=headers)
        assert seen.status_code == 404
