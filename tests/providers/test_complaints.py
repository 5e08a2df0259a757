"""Complaints on the AQ 9010 clock, counted in working days from a calendar with Chinese public holidays
and make-up working days; overdue complaints show for the bureau."""

from __future__ import annotations

from datetime import date

import pytest

from services.kernel.auth import Principal, Role
from services.providers import complaints
from services.providers.schemas_feedback import ComplaintIn

pytestmark = pytest.mark.asyncio(loop_scope="module")

ANSWER = {"request": "投诉专家迟到", "facts": "经核实专家迟到40分钟", "basis": "服务合同第5条",
          "measures": "致歉并调整排班"}


async def _file_on(kit, agency_id, received: date, enterprise_id="ent_c1") -> str:
    """A complaint received on a given day (the clock's start), through the service itself."""
    principal = Principal(sub="usr_c", role=Role.ENTERPRISE, org=enterprise_id)
    async with kit.app.state.runtime.database.transaction() as session:
        complaint = await complaints.file_complaint(
            session, principal=principal, today=received,
            data=ComplaintIn(agency_id=agency_id, subject="专家迟到", description="约定9点,实际9点40到场"))
        return complaint.id


async def _get(kit, complaint_id, headers):
    return (await kit.client.get(f"/v1/complaints/{complaint_id}", headers=headers)).json()


async def test_ten_working_days_skip_national_day_and_count_the_make_up_saturday(kit):
    agency = await kit.approved_agency()
    # Received Monday 2026-09-28: 29, 30 Sep; 1-7 Oct holiday; 8, 9, Sat 10 (make-up), 12, 13, 14, 15, 16.
    complaint_id = await _file_on(kit, agency["id"], date(2026, 9, 28))
    assert (await _get(kit, complaint_id, kit.enterprise("ent_c1")))["due_on"] == "2026-10-16"


async def test_ten_working_days_across_the_spring_festival(kit):
    agency = await kit.approved_agency()
    # Received Friday 2026-02-13: Sat 14 (make-up); 15-23 holiday; 24, 25, 26, 27, Sat 28 (make-up), 2, 3, 4, 5.
    complaint_id = await _file_on(kit, agency["id"], date(2026, 2, 13))
    assert (await _get(kit, complaint_id, kit.enterprise("ent_c1")))["due_on"] == "2026-03-05"


async def test_fact_checking_gives_thirty_working_days_and_one_extension_of_at_most_thirty_days(kit):
    agency = await kit.approved_agency()
    complaint_id = await _file_on(kit, agency["id"], date(2025, 9, 29))
    headers = kit.agency(agency["id"])
    checked = await kit.client.post(f"/v1/complaints/{complaint_id}/fact-check", json={"reason": "需调取现场记录"},
                                    headers=headers)
    assert checked.status_code == 200
    # 30 working days from Monday 2025-09-29, over National Day (1-8 Oct) and the make-up Saturday 11 Oct.
    assert checked.json()["due_on"] == "2025-11-17"
    too_long = await kit.client.post(f"/v1/complaints/{complaint_id}/extension", json={"days": 31, "reason": "x"},
                                     headers=headers)
    assert too_long.status_code == 422
    extended = await kit.client.post(f"/v1/complaints/{complaint_id}/extension",
                                     json={"days": 30, "reason": "需第三方检测"}, headers=headers)
    assert extended.json()["due_on"] == "2025-12-17" and extended.json()["extension_reason"] == "需第三方检测"
    again = await kit.client.post(f"/v1/complaints/{complaint_id}/extension", json={"days": 5, "reason": "再延"},
                                  headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "INVALID_STATE"


async def test_the_answer_states_request_facts_basis_and_measures(kit):
    agency = await kit.approved_agency()
    filed = await kit.client.post("/v1/complaints", headers=kit.enterprise("ent_c2"), json={
        "agency_id": agency["id"], "subject": "报告内容不实", "description": "报告写了未检查的项目"})
    assert filed.status_code == 201
    complaint = filed.json()
    assert complaint["status"] == "OPEN" and complaint["overdue"] is False
    partial = await kit.client.post(f"/v1/complaints/{complaint['id']}/answer", headers=kit.agency(agency["id"]),
                                    json={"request": "x", "facts": "y"})
    assert partial.status_code == 422
    answered = await kit.client.post(f"/v1/complaints/{complaint['id']}/answer", headers=kit.agency(agency["id"]),
                                     json=ANSWER)
    assert answered.status_code == 200
    body = answered.json()
    assert body["status"] == "ANSWERED" and body["answer_measures"] == "致歉并调整排班"
    assert body["answered_late"] is False
    mine = (await kit.client.get("/v1/complaints", headers=kit.enterprise("ent_c2"))).json()
    assert [c["id"] for c in mine["items"]] == [complaint["id"]]


async def test_another_agency_may_not_answer(kit):
    agency, other = await kit.approved_agency(), await kit.approved_agency()
    complaint_id = await _file_on(kit, agency["id"], date(2026, 11, 2))
    response = await kit.client.post(f"/v1/complaints/{complaint_id}/answer", headers=kit.agency(other["id"]),
                                     json=ANSWER)
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert (await kit.client.get(f"/v1/complaints/{complaint_id}",
                                 headers=kit.enterprise("ent_other"))).status_code == 403


async def test_overdue_complaints_show_for_the_bureau_of_the_region(kit):
    agency = await kit.approved_agency()
    overdue_id = await _file_on(kit, agency["id"], date(2025, 3, 3), enterprise_id="ent_c3")
    fresh = await kit.client.post("/v1/complaints", headers=kit.enterprise("ent_c3"), json={
        "agency_id": agency["id"], "subject": "新投诉", "description": "刚发生"})
    overdue = (await kit.client.get("/v1/complaints", params={"overdue": True, "limit": 500},
                                    headers=kit.bureau())).json()
    ids = [c["id"] for c in overdue["items"]]
    assert overdue_id in ids and fresh.json()["id"] not in ids
    assert all(c["overdue"] for c in overdue["items"])
    elsewhere = (await kit.client.get("/v1/complaints", params={"overdue": True},
                                      headers=kit.bureau(region="330281"))).json()
    assert overdue_id not in [c["id"] for c in elsewhere["items"]]
    figures = (await kit.client.get(f"/v1/agencies/{agency['id']}/performance", headers=kit.bureau())).json()
    assert (figures["complaints"], figures["complaints_open"], figures["complaints_overdue"]) == (2, 2, 1)


async def test_the_calendar_shows_holidays_and_make_up_days(kit):
    days = (await kit.client.get("/v1/calendar", params={"from": "2026-10-01", "to": "2026-10-11"},
                                 headers=kit.enterprise())).json()
    working = {d["day"]: d["working"] for d in days}
    assert working["2026-10-01"] is False and working["2026-10-07"] is False
    assert working["2026-10-08"] is True and working["2026-10-10"] is True and working["2026-10-11"] is False


async def _insurer_with_panel_and_book(kit, insurer_id: str, enterprise_id: str) -> dict:
    """An approved agency on the insurer's panel since ten days ago, and the firm insured by it for a year."""
    from tests.providers.conftest import deliver

    agency = await kit.approved_agency()
    r = await kit.client.post(f"/v1/panels/{insurer_id}/agencies", headers=kit.insurer(insurer_id),
                              json={"agency_id": agency["id"], "criteria": "资质有效", "start_date": kit.day(-10)})
    assert r.status_code == 201, r.text
    await deliver(kit, "policy.policy.activated", {
        "policy_id": f"pol_{enterprise_id}", "number": "AZ-1", "enterprise_id": enterprise_id,
        "insurer_id": insurer_id, "product_id": "prd_1", "town_code": "330282107", "headcount": 5,
        "premium_fen": 100_000, "prevention_budget_fen": 20_000, "start_date": kit.day(-30),
        "end_date": kit.day(334), "risk_color": None})
    return agency


async def test_the_insurer_reads_and_comments_on_complaints_about_its_panel_from_its_book(kit):
    agency = await _insurer_with_panel_and_book(kit, "ins_cmp1", "ent_book1")
    on_book = await _file_on(kit, agency["id"], kit.today, enterprise_id="ent_book1")
    elsewhere = await _file_on(kit, agency["id"], kit.today, enterprise_id="ent_not_on_book")
    other_agency = await kit.approved_agency()
    not_panel = await _file_on(kit, other_agency["id"], kit.today, enterprise_id="ent_book1")
    me = kit.insurer("ins_cmp1")
    listed = (await kit.client.get("/v1/complaints", headers=me)).json()
    assert [c["id"] for c in listed["items"]] == [on_book]
    assert (await kit.client.get(f"/v1/complaints/{on_book}", headers=me)).status_code == 200
    for hidden in (elsewhere, not_panel):
        r = await kit.client.get(f"/v1/complaints/{hidden}", headers=me)
        assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"
    r = await kit.client.post(f"/v1/complaints/{on_book}/comments", headers=me,
                              json={"text": "请机构5个工作日内向我司说明整改情况"})
    assert r.status_code == 201, r.text
    assert (r.json()["author_role"], r.json()["author_org"]) == ("insurer", "ins_cmp1")
    # the agency and the firm see the remark with the complaint
    for headers in (kit.agency(agency["id"]), kit.enterprise("ent_book1")):
        remarks = (await kit.client.get(f"/v1/complaints/{on_book}/comments", headers=headers)).json()
        assert [x["text"] for x in remarks] == ["请机构5个工作日内向我司说明整改情况"]
    r = await kit.client.post(f"/v1/complaints/{elsewhere}/comments", headers=me, json={"text": "x"})
    assert r.status_code == 403
    assert (await kit.client.get("/v1/complaints", headers=kit.insurer("ins_other"))).json()["items"] == []


async def test_the_insurer_comments_but_does_not_decide(kit):
    agency = await _insurer_with_panel_and_book(kit, "ins_cmp2", "ent_book2")
    complaint_id = await _file_on(kit, agency["id"], kit.today, enterprise_id="ent_book2")
    me = kit.insurer("ins_cmp2")
    for path, body in (("fact-check", {"reason": "核实"}), ("extension", {"days": 5, "reason": "核实"}),
                       ("answer", ANSWER)):
        r = await kit.client.post(f"/v1/complaints/{complaint_id}/{path}", headers=me, json=body)
        assert r.status_code == 403, (path, r.text)
    after = await _get(kit, complaint_id, me)
    assert (after["status"], after["fact_check"], after["extension_days"]) == ("OPEN", False, None)
