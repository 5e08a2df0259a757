"""Issue 19 item 2: what a firm says of itself is checked by the policy service (employees ≥ 1, a GB/T 4754
industry code from the list, a mainland mobile number), at registration and when corrected."""

from __future__ import annotations

import pytest

from services.kernel.auth import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.mark.parametrize(("field", "value", "code"), [
    ("employees", 0, "NO_EMPLOYEES"),
    ("industry_code", "五金", "UNKNOWN_INDUSTRY_CODE"),
    ("industry_code", "C99", "UNKNOWN_INDUSTRY_CODE"),
    ("contact_phone", "1390000", "INVALID_PHONE"),
    ("contact_phone", "12900000000", "INVALID_PHONE"),
])
async def test_registering_with_a_bad_field_is_refused_with_its_code_and_nothing_is_stored(world, field, value, code):
    body = world.firm_body(**{field: value})
    r = await world.client.post("/v1/enterprises", headers=world.admin, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code
    assert r.json()["fields"][0]["field"].endswith(field) if r.json().get("fields") else True
    listed = await world.client.get("/v1/enterprises", headers=world.admin, params={"search": body["uscc"]})
    assert body["uscc"] not in listed.text


async def test_a_finer_industry_code_and_a_spaced_mobile_number_are_accepted_and_stored_plainly(world):
    r = await world.client.post("/v1/enterprises", headers=world.admin,
                                json=world.firm_body(industry_code="c3311", contact_phone="139 0000 1234"))
    assert r.status_code == 201, r.text
    assert (r.json()["industry_code"], r.json()["contact_phone"]) == ("C3311", "13900001234")


async def test_a_firm_correcting_its_details_is_held_to_the_same_rules(world):
    firm = await world.firm()
    me = world.as_(Role.ENTERPRISE, firm["id"])
    for patch, code in (({"employees": 0}, "NO_EMPLOYEES"), ({"industry_code": "五金"}, "UNKNOWN_INDUSTRY_CODE"),
                        ({"contact_phone": "1390000"}, "INVALID_PHONE")):
        r = await world.client.patch(f"/v1/enterprises/{firm['id']}", headers=me, json=patch)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    r = await world.client.patch(f"/v1/enterprises/{firm['id']}", headers=me, json={"industry_code": "C34"})
    assert r.status_code == 200 and r.json()["industry_code"] == "C34", r.text


async def test_the_industry_list_is_public_with_chinese_names(world):
    r = await world.client.get("/v1/industries")
    assert r.status_code == 200
    rows = {row["code"]: row for row in r.json()}
    assert len(rows) == 97 and rows["C33"]["name"] == "金属制品业" and rows["C33"]["section_name"] == "制造业"
