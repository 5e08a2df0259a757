"""Bad input gets the contract's errors: problem+json with a stable code, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from services.kernel.auth import Role
from services.policy.dates import today
from services.policy.models import Quote

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_an_invalid_credit_code_is_refused_with_invalid_uscc(world):
    r = await world.client.post("/v1/enterprises", headers=world.admin,
                                json=world.firm_body(uscc="91330282MA2CX00018"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "INVALID_USCC" and body["fields"][0]["field"] == "uscc"


async def test_a_lower_case_credit_code_is_stored_upper_cased(world):
    body = world.firm_body()
    body["uscc"] = body["uscc"].lower()
    r = await world.client.post("/v1/enterprises", headers=world.admin, json=body)
    assert r.status_code == 201 and r.json()["uscc"] == body["uscc"].upper()


async def test_registering_a_known_credit_code_again_is_a_conflict(world):
    firm = await world.firm()
    r = await world.client.post("/v1/enterprises", headers=world.admin, json=world.firm_body(uscc=firm["uscc"]))
    assert r.status_code == 409 and r.json()["code"] == "CONFLICT"


async def test_an_unknown_town_and_negative_staff_are_validation_errors(world):
    r = await world.client.post("/v1/enterprises", headers=world.admin, json=world.firm_body(town_code="999999999"))
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "town_code"
    r = await world.client.post("/v1/enterprises", headers=world.admin, json=world.firm_body(employees=-1))
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION"


@pytest.mark.parametrize("headcount", [0, -3])
async def test_a_quote_for_no_staff_is_a_validation_error(world, headcount):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    r = await world.quote(firm, product, headcount=headcount)
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION"
    assert r.json()["fields"][0]["field"] == "headcount"


async def test_a_partial_headcount_is_refused_saying_all_staff_must_be_covered(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm(employees=12)
    r = await world.quote(firm, product, headcount=5)
    assert r.status_code == 422 and "all employees" in r.json()["detail"] and "12" in r.json()["detail"]


async def test_a_limit_under_400000_yuan_is_a_validation_error(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    r = await world.quote(firm, product, limit_per_person_fen=39_999_999)
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION"
    assert r.json()["fields"][0]["field"] == "limit_per_person_fen"


async def test_a_product_above_the_21_percent_prevention_share_is_refused(world):
    insurer = await world.insurer()
    r = await world.client.post("/v1/products", headers=world.as_(Role.INSURER, insurer), json={
        "insurer_id": insurer, "name": "x", "limit_options_fen": [40_000_000],
        "base_rates_ppm": {"LOW": 500}, "prevention_share": 0.22})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "prevention_share"


async def test_a_product_with_a_limit_under_the_floor_is_refused(world):
    insurer = await world.insurer()
    r = await world.client.post("/v1/products", headers=world.as_(Role.INSURER, insurer), json={
        "insurer_id": insurer, "name": "x", "limit_options_fen": [30_000_000, 40_000_000],
        "base_rates_ppm": {"LOW": 500}, "prevention_share": 0.2})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "limit_options_fen"


async def test_binding_an_expired_quote_is_invalid_state(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    quote = (await world.quote(firm, product)).json()
    async with world.app.state.runtime.database.transaction() as s:  # the quote was made 31 days ago
        await s.execute(update(Quote).where(Quote.id == quote["id"]).values(valid_until=today() - timedelta(days=1)))
    r = await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=world.as_(Role.ENTERPRISE, firm["id"]))
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE" and "expired" in r.json()["detail"]


async def test_a_quote_is_valid_for_30_days(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    quote = (await world.quote(firm, product)).json()
    assert quote["valid_until"] == (today() + timedelta(days=30)).isoformat()


async def test_binding_a_quote_twice_is_invalid_state(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    me = world.as_(Role.ENTERPRISE, firm["id"])
    quote = (await world.quote(firm, product)).json()
    assert (await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).status_code == 201
    r = await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE"


async def test_calls_without_a_token_are_unauthenticated(world):
    r = await world.client.get("/v1/policies")
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHENTICATED"


async def test_a_garbled_body_is_a_validation_problem_not_a_500(world):
    r = await world.client.post("/v1/quotes", headers=world.admin, content=b"{not json",
                                 )
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION"
