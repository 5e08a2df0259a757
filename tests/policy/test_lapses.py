"""Cover lapses of compulsory firms: no delaying renewal (2025 Measures). The day after a compulsory firm's cover
ends without renewal it is on the bureau's list with the days uncovered; on the end date it is not."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime

import pytest
import time_machine

from services.kernel.auth import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")
GUANHAIWEI = "330282107"


@contextlib.contextmanager
def on_day(world, day: date):
    """Noon in Cixi on ``day``, with the admin's token issued then (a token from another day is not yet valid)."""
    saved = world.admin
    with time_machine.travel(datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC), tick=True):
        world.admin = world.as_(Role.ADMIN)
        try:
            yield
        finally:
            world.admin = saved


async def lapses(world, region: str = GUANHAIWEI):
    r = await world.client.get("/v1/lapses", headers=world.as_(Role.BUREAU, region=region))
    assert r.status_code == 200, r.text
    return r.json()


async def insured_from(world, day: date, **firm):
    with on_day(world, day):
        insurer = await world.insurer()
        product = await world.product(insurer)
        made = await world.firm(**firm)
        policy = await world.active_policy(made, product, insurer)
    return made, policy


async def test_a_compulsory_firm_is_on_the_list_the_day_after_its_cover_ends(world):
    firm, policy = await insured_from(world, date(2030, 1, 10), high_risk_tags=["MINING"])
    assert policy["end_date"] == "2031-01-09"
    with on_day(world, date(2031, 1, 9)):  # the last covered day: not lapsed
        assert [x for x in await lapses(world) if x["enterprise_id"] == firm["id"]] == []
    with on_day(world, date(2031, 1, 10)):
        [lapse] = [x for x in await lapses(world) if x["enterprise_id"] == firm["id"]]
        assert (lapse["last_policy_number"], lapse["last_covered_day"], lapse["lapsed_since"],
                lapse["days_uncovered"], lapse["renewal_pending"]) == (
            policy["number"], "2031-01-09", "2031-01-10", 1, False)
    with on_day(world, date(2031, 2, 8)):
        [lapse] = [x for x in await lapses(world) if x["enterprise_id"] == firm["id"]]
        assert lapse["days_uncovered"] == 30


async def test_a_firm_that_need_not_insure_or_renewed_in_time_is_not_on_it(world):
    voluntary, _ = await insured_from(world, date(2030, 1, 10))
    renewed, policy = await insured_from(world, date(2030, 1, 10), high_risk_tags=["FIREWORKS"])
    with on_day(world, date(2031, 1, 2)):
        me = world.as_(Role.ENTERPRISE, renewed["id"])
        successor = (await world.client.post(f"/v1/policies/{policy['id']}/renew", headers=me)).json()
        payment = (await world.client.post(f"/v1/policies/{successor['id']}/payments", headers=me,
                                           json={"method": "BANK_TRANSFER"})).json()
        r = await world.client.post(f"/v1/payments/{payment['id']}/confirm-offline",
                                    headers=world.as_(Role.INSURER, policy["insurer_id"]), json={"reference": "R"})
        assert r.status_code == 200, r.text
    with on_day(world, date(2031, 1, 10)):
        listed = {x["enterprise_id"] for x in await lapses(world)}
        assert voluntary["id"] not in listed and renewed["id"] not in listed


async def test_another_region_or_role_cannot_read_the_list(world):
    r = await world.client.get("/v1/lapses", headers=world.as_(Role.BUREAU, region="330282114"),
                               params={"region_code": GUANHAIWEI})
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"
    r = await world.client.get("/v1/lapses", headers=world.as_(Role.INSURER, "ins_x"))
    assert r.status_code == 403


async def test_a_renewal_bound_but_unpaid_is_shown_as_pending_and_the_firm_stays_listed(world):
    firm, policy = await insured_from(world, date(2034, 5, 10), high_risk_tags=["MINING"])
    with on_day(world, date(2035, 5, 1)):  # renewed within the last month, not paid
        renewed = await world.client.post(f"/v1/policies/{policy['id']}/renew",
                                          headers=world.as_(Role.INSURER, policy["insurer_id"]))
        assert renewed.status_code == 201 and renewed.json()["status"] == "PENDING_PAYMENT", renewed.text
    with on_day(world, date(2035, 5, 10)):
        [lapse] = [x for x in await lapses(world) if x["enterprise_id"] == firm["id"]]
        assert (lapse["days_uncovered"], lapse["renewal_pending"]) == (1, True)  # bound is not covered
