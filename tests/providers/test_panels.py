"""Insurer panels: an insurer keeps the agencies it funds; the on-panel check gates INSURER funding."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _add(kit, insurer_id, agency_id, start=-1, end=None, headers=None):
    return await kit.client.post(f"/v1/panels/{insurer_id}/agencies", headers=headers or kit.insurer(insurer_id),
                                 json={"agency_id": agency_id, "criteria": "资质有效,评分4分以上",
                                       "start_date": kit.day(start), "end_date": kit.day(end) if end else None})


async def _check(kit, insurer_id, agency_id, day):
    response = await kit.client.get(f"/v1/panels/{insurer_id}/agencies/{agency_id}", params={"on": kit.day(day)},
                                    headers=kit.enterprise())
    assert response.status_code == 200
    return response.json()["on_panel"]


async def test_an_agency_is_on_the_panel_between_its_start_and_end_dates(kit):
    agency = await kit.approved_agency()
    response = await _add(kit, "ins_a", agency["id"], start=0, end=30)
    assert response.status_code == 201
    assert response.json()["agency_name"] == agency["name"]
    assert await _check(kit, "ins_a", agency["id"], 0) is True
    assert await _check(kit, "ins_a", agency["id"], 30) is True
    assert await _check(kit, "ins_a", agency["id"], 31) is False
    assert await _check(kit, "ins_a", agency["id"], -1) is False
    assert await _check(kit, "ins_other", agency["id"], 0) is False
    [event] = [e for e in await kit.events("providers.panel.changed") if e["agency_id"] == agency["id"]]
    assert event["insurer_id"] == "ins_a" and event["action"] == "added"
    assert event["start_date"] == kit.day(0) and event["end_date"] == kit.day(30)


async def test_an_insurer_may_not_change_another_insurers_panel(kit):
    agency = await kit.approved_agency()
    response = await _add(kit, "ins_b", agency["id"], headers=kit.insurer("ins_c"))
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert (await kit.client.get("/v1/panels/ins_b", headers=kit.insurer("ins_c"))).status_code == 403
    assert (await kit.client.get("/v1/panels/ins_b", headers=kit.enterprise())).status_code == 403


async def test_only_an_approved_agency_can_join_a_panel(kit):
    pending = await kit.apply()
    response = await _add(kit, "ins_d", pending["id"])
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


async def test_an_overlapping_second_entry_is_a_conflict(kit):
    agency = await kit.approved_agency()
    assert (await _add(kit, "ins_e", agency["id"])).status_code == 201
    assert (await _add(kit, "ins_e", agency["id"], start=5)).status_code == 409


async def test_removal_takes_the_agency_off_and_is_audited_and_published(kit):
    agency = await kit.approved_agency()
    await _add(kit, "ins_f", agency["id"])
    removed = await kit.client.post(f"/v1/panels/ins_f/agencies/{agency['id']}/removal",
                                    json={"reason": "服务质量下降"}, headers=kit.insurer("ins_f"))
    assert removed.status_code == 200 and removed.json()[0]["removed_at"]
    assert await _check(kit, "ins_f", agency["id"], 0) is False
    panel = (await kit.client.get("/v1/panels/ins_f", headers=kit.insurer("ins_f"))).json()
    assert panel["items"] == []
    changes = (await kit.client.get("/v1/panels/ins_f/changes", headers=kit.bureau())).json()
    assert [(c["action"], c["changed_by"] != "") for c in changes] == [("added", True), ("removed", True)]
    assert changes[1]["details"]["reason"] == "服务质量下降"
    actions = [e["action"] for e in await kit.events("providers.panel.changed") if e["agency_id"] == agency["id"]]
    assert actions == ["added", "removed"]


async def test_the_bureau_reads_panels_and_the_insurer_reads_its_own(kit):
    agency = await kit.approved_agency()
    await _add(kit, "ins_g", agency["id"])
    for headers in (kit.insurer("ins_g"), kit.bureau()):
        panel = (await kit.client.get("/v1/panels/ins_g", headers=headers)).json()
        assert [e["agency_id"] for e in panel["items"]] == [agency["id"]]
