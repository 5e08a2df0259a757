"""Issue 19 item 1: the same cover cannot be bought twice; cover starting later is said; unpaid can be withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.kernel.auth import Role
from services.policy.dates import today

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_second_quote_or_bind_with_the_same_insurer_for_the_same_days_is_cover_overlaps(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    me = world.as_(Role.ENTERPRISE, firm["id"])
    tomorrow = (today() + timedelta(days=1)).isoformat()
    first = (await world.quote(firm, product, start_date=tomorrow)).json()
    second = (await world.quote(firm, product, start_date=tomorrow)).json()  # two quotes before any bind
    r = await world.client.post(f"/v1/quotes/{first['id']}/bind", headers=me)
    assert r.status_code == 201, r.text
    number = r.json()["number"]

    r = await world.client.post(f"/v1/quotes/{second['id']}/bind", headers=me)
    assert r.status_code == 409 and r.json()["code"] == "COVER_OVERLAPS", r.text
    assert number in r.json()["detail"]
    r = await world.quote(firm, product, start_date=(today() + timedelta(days=30)).isoformat())
    assert r.status_code == 409 and r.json()["code"] == "COVER_OVERLAPS", r.text
    listed = (await world.client.get("/v1/policies", headers=me, params={"enterprise_id": firm["id"]})).json()
    assert [p["number"] for p in listed["items"]] == [number]


async def test_overlapping_cover_with_another_insurer_is_a_warning_on_the_quote_not_a_refusal(world):
    insurer, other = await world.insurer(), await world.insurer()
    product, other_product = await world.product(insurer), await world.product(other)
    firm = await world.firm()
    held = await world.active_policy(firm, product, insurer)
    r = await world.quote(firm, other_product, start_date=(today() + timedelta(days=10)).isoformat())
    assert r.status_code == 201, r.text
    [overlap] = r.json()["overlapping_cover"]
    assert overlap["number"] == held["number"] and overlap["insurer_id"] == insurer
    again = await world.client.get(f"/v1/quotes/{r.json()['id']}", headers=world.as_(Role.ENTERPRISE, firm["id"]))
    assert again.json()["overlapping_cover"][0]["number"] == held["number"]


async def test_cover_after_the_current_one_ends_is_not_an_overlap(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    held = await world.active_policy(firm, product, insurer)
    after = (today().fromisoformat(held["end_date"]) + timedelta(days=1))
    r = await world.quote(firm, product, start_date=after.isoformat())
    assert r.status_code in (201, 422), r.text  # only the 90-days-ahead rule may refuse it, never COVER_OVERLAPS
    assert r.json().get("code") != "COVER_OVERLAPS"


async def test_a_firm_paid_for_cover_from_tomorrow_says_covered_from_not_uninsured(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    me = world.as_(Role.ENTERPRISE, firm["id"])
    tomorrow = today() + timedelta(days=1)
    quote = (await world.quote(firm, product, start_date=tomorrow.isoformat())).json()
    policy = (await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
    r = await world.client.get(f"/v1/enterprises/{firm['id']}", headers=me)
    assert r.json()["covered_from"] is None  # unpaid cover is not cover
    payment = (await world.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                       json={"method": "BANK_TRANSFER"})).json()
    r = await world.client.post(f"/v1/payments/{payment['id']}/confirm-offline",
                                headers=world.as_(Role.INSURER, insurer), json={"reference": "BANK-2"})
    assert r.status_code == 200, r.text
    r = await world.client.get(f"/v1/enterprises/{firm['id']}", headers=me)
    assert r.json()["insured"] is False and r.json()["covered_from"] == tomorrow.isoformat()


async def test_an_unpaid_policy_is_withdrawn_by_its_firm(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    me = world.as_(Role.ENTERPRISE, firm["id"])
    quote = (await world.quote(firm, product)).json()
    policy = (await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me,
                                json={"reason": "买重复了", "reason_code": "DUPLICATE"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CANCELLED"
    r = await world.quote(firm, product)  # withdrawn cover no longer blocks a new quote
    assert r.status_code == 201, r.text
