"""Issue 13, finding 6: the providers service itself gives an expert's phone only to the expert's own agency,
the expert themself, the bureau and the admin; every other caller gets null (the gateway is not the only guard)."""

from __future__ import annotations

import pytest

from services.kernel.auth import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_an_experts_phone_is_for_their_agency_themself_and_the_bureau_only(kit):
    agency = await kit.approved_agency()
    offering = await kit.offering(agency["id"])
    r = await kit.client.post(f"/v1/agencies/{agency['id']}/experts", headers=kit.agency(agency["id"]), json={
        "name": "电话专家(测试)", "phone": "13800000042", "specialties": ["机械"], "town_codes": [],
        "certificates": [{"name": "注册安全工程师", "number": "ZA-PHONE", "scope": ["HAZARD_INSPECTION"],
                          "valid_from": kit.day(-10), "valid_until": kit.day(300)}]})
    assert r.status_code == 201 and r.json()["phone"] == "13800000042"
    expert = r.json()
    other = await kit.approved_agency()
    colleague_id = "exp_someone_else"

    def reads(headers):
        return [kit.client.get("/v1/experts", params={"ids": expert["id"]}, headers=headers),
                kit.client.get("/v1/experts", params={"agency_id": agency["id"]}, headers=headers),
                kit.client.get(f"/v1/experts/{expert['id']}", headers=headers),
                kit.client.get(f"/v1/offerings/{offering['id']}/experts", headers=headers)]

    async def phones(headers) -> set:
        out = set()
        for call in reads(headers):
            r = await call
            assert r.status_code == 200, r.text
            body = r.json()
            for item in body.get("items", [body]):
                if item["id"] == expert["id"]:
                    out.add(item["phone"])
        return out

    for allowed in (kit.agency(agency["id"]), kit.keys.headers(Role.EXPERT, org=agency["id"], expert=expert["id"]),
                    kit.bureau(), kit.keys.headers(Role.ADMIN)):
        assert await phones(allowed) == {"13800000042"}
    for refused in (kit.enterprise(), kit.insurer("ins_test"), kit.agency(other["id"]),
                    kit.keys.headers(Role.EXPERT, org=agency["id"], expert=colleague_id)):
        assert await phones(refused) == {None}
