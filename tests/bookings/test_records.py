"""The visit's record: photos through the storage interface, MAJOR hazards with the six in place and the
notice to the principal person, the written hazard notice as a PDF, a record frozen once acknowledged
(corrections are new entries), the firm's archive chained by hashes, and the follow-up."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import delete, select, update

from services.bookings import archive
from services.bookings.models import ArchiveEntry
from services.kernel import clock
from services.kernel.ids import new_id
from tests.bookings.conftest import GUANHAIWEI, OTHER_TOWN, at, general_hazard, major_hazard, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")



def _png() -> bytes:
    """A small PNG that decodes (an upload is decoded to make its thumbnail)."""
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


async def _upload(kit, headers, data=PNG, content_type="image/png"):
    return await kit.client.post("/v1/photos", headers=headers, files={"file": ("hazard.png", data, content_type)})


async def _hazards(kit, booking):
    return (await kit.client.get("/v1/hazards", params={"booking_ids": booking["id"]},
                                 headers=kit.admin())).json()["items"]


async def test_hazard_photos_are_uploaded_stored_and_cited(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    uploaded = await _upload(kit, kit.expert(agency))
    assert uploaded.status_code == 201, uploaded.text
    photo_id = uploaded.json()["id"]
    assert (await kit.client.get(f"/v1/photos/{photo_id}", headers=kit.enterprise(firm))).status_code == 403
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    unknown = await kit.visited(agency, booking, hazards=[{**general_hazard(booking), "photo_ids": ["pho_missing"]}])
    assert unknown.status_code == 422 and unknown.json()["fields"][0]["field"] == "hazards.0.photo_ids"
    reported = await kit.post(f"/v1/bookings/{booking['id']}/report", kit.expert(agency), {
        "summary": "完成", "items": [], "hazards": [{**general_hazard(booking), "photo_ids": [photo_id]}]})
    assert reported.status_code == 200, reported.text
    [hazard] = await _hazards(kit, booking)
    assert hazard["photo_ids"] == [photo_id]
    served = await kit.client.get(f"/v1/photos/{photo_id}", headers=kit.enterprise(firm))  # now the firm's hazard
    assert served.status_code == 200 and served.content == PNG and served.headers["content-type"] == "image/png"
    stranger = await kit.client.get(f"/v1/photos/{photo_id}", headers=kit.enterprise("ent_other"))
    assert stranger.status_code == 403
    borrowed = await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise(firm),
                              {"description": "已整改", "photo_ids": [photo_id]})
    assert borrowed.status_code == 422  # the firm cites only photos it uploaded itself
    own = (await _upload(kit, kit.enterprise(firm))).json()["id"]
    rectified = await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise(firm),
                               {"description": "已整改", "photo_ids": [own]})
    assert rectified.status_code == 200, rectified.text
    assert (await kit.client.get(f"/v1/photos/{own}", headers=kit.expert(agency))).status_code == 200


async def test_a_photo_must_be_an_image(kit):
    firm = await kit.firm()
    response = await _upload(kit, kit.enterprise(firm), b"%PDF-1.4", "application/pdf")
    assert response.status_code == 415 and response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    empty = await _upload(kit, kit.enterprise(firm), b"")
    assert empty.status_code == 422
    disguised = await _upload(kit, kit.enterprise(firm), b"<html><script>alert(1)</script>", "image/png")
    assert disguised.status_code == 415 and disguised.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    mislabelled = await _upload(kit, kit.enterprise(firm), PNG, "image/jpeg")  # a PNG is kept as what it is
    assert mislabelled.status_code == 201 and mislabelled.json()["content_type"] == "image/png"


async def test_a_major_hazard_needs_the_six_in_place(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    bare = {**major_hazard(booking)}
    bare.pop("six_in_place")
    response = await kit.visited(agency, booking, hazards=[general_hazard(booking), bare])
    assert response.status_code == 422 and response.json()["code"] == "VALIDATION"
    assert response.json()["fields"][0]["field"] == "hazards.1.six_in_place"
    assert (await kit.client.get(f"/v1/bookings/{booking['id']}", headers=kit.admin())).json()["status"] == "CHECKED_IN"
    assert await _hazards(kit, booking) == []


async def test_a_major_hazard_is_notified_to_the_principal_person(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm(principal_name="赵厂长")
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    response = await kit.visited(agency, booking, hazards=[major_hazard(booking)])
    assert response.status_code == 200, response.text
    [hazard] = await _hazards(kit, booking)
    assert hazard["grade"] == "MAJOR" and hazard["principal_notified_at"] is not None
    assert hazard["six_in_place"]["contingency_plan"] == "停用喷漆房，配置灭火器"
    [event] = [e for e in await kit.events("bookings.hazard.principal_notified") if e["hazard_id"] == hazard["id"]]
    assert event["principal_name"] == "赵厂长" and event["grade"] == "MAJOR"


async def test_the_written_hazard_notice_is_a_pdf_that_reads_back(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm(principal_name="钱经理")
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    await kit.visited(agency, booking, hazards=[general_hazard(booking), major_hazard(booking)])
    response = await kit.client.get(f"/v1/bookings/{booking['id']}/hazard-notice.pdf", headers=kit.enterprise(firm))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = "".join(text.split())
    for expected in ("事故隐患整改通知书", booking["number"], "配电箱未接地", "喷漆房未设置防爆电气",
                     general_hazard(booking)["deadline"], "钱经理", "六落实"):
        assert expected in compact, expected
    assert "六到位" not in compact  # the seed's and the form's term is 六落实 (domain.md)
    stranger = await kit.client.get(f"/v1/bookings/{booking['id']}/hazard-notice.pdf",
                                    headers=kit.enterprise("ent_other"))
    assert stranger.status_code == 403


async def test_the_hazard_notice_names_the_agency_not_its_id(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    await kit.visited(agency, booking, hazards=[general_hazard(booking)])
    response = await kit.client.get(f"/v1/bookings/{booking['id']}/hazard-notice.pdf", headers=kit.enterprise(firm))
    assert response.status_code == 200, response.text
    compact = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    assert "服务机构：测试安全技术服务有限公司(演示)" in compact, compact
    assert agency.id not in compact


async def test_a_visit_without_hazards_has_no_hazard_notice(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    await kit.visited(agency, booking, hazards=[])
    response = await kit.client.get(f"/v1/bookings/{booking['id']}/hazard-notice.pdf", headers=kit.enterprise(firm))
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


async def test_an_acknowledged_record_is_never_edited_and_corrections_are_new_entries(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    await kit.visited(agency, booking)
    await kit.post(f"/v1/bookings/{booking['id']}/acknowledge", kit.enterprise(firm))
    again = await kit.post(f"/v1/bookings/{booking['id']}/report", kit.expert(agency),
                           {"summary": "改写", "items": [], "hazards": []})
    assert again.status_code == 409 and again.json()["code"] == "INVALID_STATE"
    corrected = await kit.post(f"/v1/bookings/{booking['id']}/corrections", kit.expert(agency),
                               {"summary": "更正：排查范围含二号车间", "findings": "补充说明"})
    assert corrected.status_code == 200, corrected.text
    record = (await kit.client.get(f"/v1/bookings/{booking['id']}/record", headers=kit.enterprise(firm))).json()
    assert [(r["kind"], r["summary"]) for r in record["reports"]] == [
        ("REPORT", "现场排查完成"), ("CORRECTION", "更正：排查范围含二号车间")]
    assert record["check_in_location"] == [30.17, 121.27] and record["acknowledged_at"] is not None
    checked = {c["item"] for c in record["checklist"] if c["checked"]}
    assert checked == {"消防设施与疏散通道", "电气线路与配电箱"} and len(record["checklist"]) == 9
    chain = (await kit.client.get(f"/v1/archive/{firm}", headers=kit.enterprise(firm))).json()
    assert chain["intact"] is True
    assert [e["kind"] for e in chain["entries"]] == ["SERVICE_RECORD", "CORRECTION"]
    assert chain["entries"][1]["prev_hash"] == chain["entries"][0]["hash"]
    assert chain["entries"][0]["content"]["reports"][0]["summary"] == "现场排查完成"


async def test_the_hash_chain_detects_a_tampered_or_removed_archive_entry(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    for hour in (9, 13):
        booking = await kit.booked(agency, firm, at(working_day(3), hour), funding="SELF")
        await kit.visited(agency, booking)
        await kit.post(f"/v1/bookings/{booking['id']}/acknowledge", kit.enterprise(firm))
    database = kit.bookings.state.runtime.database
    async with database.transaction() as session:
        assert (await archive.verify_chain(session, firm)).ok
        first = (await session.scalars(select(ArchiveEntry).where(ArchiveEntry.enterprise_id == firm,
                                                                  ArchiveEntry.seq == 1))).one()
        doctored = {**first.content, "price_fen": 1}
        await session.execute(update(ArchiveEntry).where(ArchiveEntry.id == first.id).values(content=doctored))
    async with database.transaction() as session:
        check = await archive.verify_chain(session, firm)
    assert (check.ok, check.broken_at) == (False, 1) and "changed" in check.problem
    chain = (await kit.client.get(f"/v1/archive/{firm}", headers=kit.enterprise(firm))).json()
    assert chain["intact"] is False and chain["broken_at"] == 1
    async with database.transaction() as session:
        await session.execute(delete(ArchiveEntry).where(ArchiveEntry.id == first.id))
    async with database.transaction() as session:
        check = await archive.verify_chain(session, firm)
    assert (check.ok, check.broken_at) == (False, 2) and "missing" in check.problem


async def test_archive_entries_are_kept_five_years(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    await kit.visited(agency, booking)
    await kit.post(f"/v1/bookings/{booking['id']}/acknowledge", kit.enterprise(firm))
    [entry] = (await kit.client.get(f"/v1/archive/{firm}", headers=kit.enterprise(firm))).json()["entries"]
    created, kept = entry["created_at"][:10], entry["retain_until"]
    assert int(kept[:4]) - int(created[:4]) == 5 and kept[4:] == created[4:]
    assert (await kit.client.get(f"/v1/archive/{firm}", headers=kit.enterprise("ent_other"))).status_code == 403


async def test_the_follow_up_records_satisfaction_once_after_acknowledgement(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    await kit.visited(agency, booking)
    early = await kit.post(f"/v1/bookings/{booking['id']}/follow-up", kit.agency(agency.id), {"satisfaction": 5})
    assert early.status_code == 409
    await kit.post(f"/v1/bookings/{booking['id']}/acknowledge", kit.enterprise(firm))
    done = await kit.post(f"/v1/bookings/{booking['id']}/follow-up", kit.agency(agency.id),
                          {"satisfaction": 4, "note": "电话回访，企业满意"})
    assert done.status_code == 200 and done.json()["satisfaction"] == 4
    twice = await kit.post(f"/v1/bookings/{booking['id']}/follow-up", kit.agency(agency.id), {"satisfaction": 1})
    assert twice.status_code == 409
    bad = await kit.post(f"/v1/bookings/{booking['id']}/follow-up", kit.agency(agency.id), {"satisfaction": 9})
    assert bad.status_code == 422


async def test_the_checklist_of_a_service_type_lists_its_items(kit):
    response = await kit.client.get("/v1/checklists/hazard_inspection", headers=kit.admin())
    assert response.status_code == 200 and "消防设施与疏散通道" in response.json()["items"]
    assert (await kit.client.get("/v1/checklists/NOPE", headers=kit.admin())).status_code == 422


async def test_the_annual_evaluation_report_reads_back_the_years_plan_visits_hazards_spend_and_satisfaction(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm(principal_name="年报厂长")
    policy = await kit.policy(firm, insurer_id="ins_test", budget_fen=500_000, risk_color="ORANGE")
    visit_day = working_day(3)
    booking = await kit.booked(agency, firm, at(visit_day, 9), policy_id=policy)
    await kit.visited(agency, booking, hazards=[general_hazard(booking), major_hazard(booking)])
    await kit.post(f"/v1/bookings/{booking['id']}/acknowledge", kit.enterprise(firm))
    year = visit_day.year
    response = await kit.client.get(f"/v1/archive/{firm}/annual-report.pdf", params={"year": year},
                                    headers=kit.enterprise(firm))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    for expected in ("安全生产责任保险事故预防服务年度评估报告", f"评估年度：{year}年", "测试五金厂(演示)",
                     "预防服务预算5,000.00元", "服务项目：", "每年上门4次", "服务措施：", "服务人员：", "保障措施：",
                     "已完成1次", "发现隐患2项（其中重大隐患1项）", "整改销号率0%", "平均满意度：", "评估结论"):
        assert expected in text, (expected, text)
    stranger = await kit.client.get(f"/v1/archive/{firm}/annual-report.pdf", params={"year": year},
                                    headers=kit.enterprise("ent_other"))
    assert stranger.status_code == 403
    insurer = await kit.client.get(f"/v1/archive/{firm}/annual-report.pdf", params={"year": year},
                                   headers=kit.insurer("ins_test"))
    assert insurer.status_code == 200


def _read_zip(content: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    return json.loads(files.pop("manifest.json")), files


async def test_the_whole_aq9010_file_downloads_as_a_zip_with_every_item_hashed_and_chained(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    policy = await kit.policy(firm, insurer_id="ins_test", budget_fen=300_000)
    booking = await kit.booked(agency, firm, at(working_day(3), 9), policy_id=policy)
    await kit.visited(agency, booking, hazards=[general_hazard(booking)])
    await kit.post(f"/v1/bookings/{booking['id']}/acknowledge", kit.enterprise(firm))
    await kit.post(f"/v1/bookings/{booking['id']}/follow-up", kit.agency(agency.id), {"satisfaction": 5})
    complaint = {"complaint_id": "cmp_file", "agency_id": agency.id, "enterprise_id": firm,
                 "booking_id": booking["id"], "town_code": "330282107", "subject": "SERVICE_QUALITY",
                 "received_on": "2026-11-18", "due_on": "2026-12-02"}
    await kit.deliver("providers.complaint.filed", complaint)  # as providers publishes them
    await kit.deliver("providers.complaint.answered", {**complaint, "answered_on": "2026-11-25",
                                                       "measures": "更换检查人员", "late": False})
    response = await kit.client.get(f"/v1/archive/{firm}/file.zip", headers=kit.enterprise(firm))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    manifest, files = _read_zip(response.content)
    assert manifest["standard"] == "AQ 9010-2019" and manifest["chain"]["intact"] is True
    for item in manifest["items"]:  # every file is the one the manifest vouches for
        assert hashlib.sha256(files[item["path"]]).hexdigest() == item["sha256"], item["path"]
    assert hashlib.sha256(files["archive.json"]).hexdigest() == manifest["archive_sha256"]
    chain = json.loads(files["archive.json"])
    assert manifest["chain"]["head"] == chain[-1]["hash"]
    for entry in chain:  # the chain recomputes from the file alone
        assert entry["hash"] == archive.entry_hash(
            prev_hash=entry["prev_hash"], enterprise_id=firm, seq=entry["seq"], kind=entry["kind"],
            subject_id=entry["subject_id"], content=entry["content"],
            created_at=datetime.fromisoformat(entry["created_at"]))
    by_hash = {e["hash"]: e for e in chain}
    kinds = {i["kind"] for i in manifest["items"]}
    assert kinds == {"CONTRACT", "SERVICE_PLAN", "AGENCY_SERVICE", "FEE_LEDGER", "SERVICE_RECORD", "FOLLOW_UP",
                     "COMPLAINT", "ANNUAL_REPORT"}
    for item in manifest["items"]:
        assert by_hash[item["archive_hash"]]["seq"] == item["archive_seq"]
    assert manifest["not_available"] == []  # every item of the standard's file is in it
    steps = [json.loads(files[i["path"]]) for i in manifest["items"] if i["kind"] == "COMPLAINT"]
    assert [(c["complaint_id"], c["step"]) for c in steps] == [("cmp_file", "filed"), ("cmp_file", "answered")]
    assert steps[1]["measures"] == "更换检查人员"
    contract = json.loads(files[f"contract/{policy}.json"])
    assert (contract["insurer_id"], contract["premium_fen"], contract["prevention_budget_fen"]) == (
        "ins_test", 1_500_000, 300_000) and contract["number"].startswith("AZ") and contract["end_date"]
    served = json.loads(files[f"agencies/{agency.id}.json"])
    assert served["services"][0]["price_fen"] == 80_000 and served["services"][0]["visits"] == 1
    ledger_lines = json.loads(files[f"fee-ledger/{policy}.json"])["entries"]
    assert [line["kind"] for line in ledger_lines][:1] == ["BUDGET"] and any(
        line["kind"] == "SPEND" for line in ledger_lines)
    plan = json.loads(files[f"service-plan/{policy}.json"])
    assert plan["visits_per_year"] >= 1 and plan["measures"] and plan["staff"] and plan["guarantees"]
    [report_path] = [i["path"] for i in manifest["items"] if i["kind"] == "ANNUAL_REPORT"]
    report_entry = by_hash[next(i["archive_hash"] for i in manifest["items"] if i["kind"] == "ANNUAL_REPORT")]
    assert report_entry["content"]["sha256"] == hashlib.sha256(files[report_path]).hexdigest()
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(files[report_path])).pages).split())
    assert "安全生产责任保险事故预防服务年度评估报告" in text and "已完成1次" in text

    again, _ = _read_zip((await kit.client.get(f"/v1/archive/{firm}/file.zip", headers=kit.enterprise(firm))).content)
    assert again["chain"]["head"] == manifest["chain"]["head"]  # nothing changed: nothing archived twice
    for headers in (kit.insurer("ins_test"), kit.bureau()):
        assert (await kit.client.get(f"/v1/archive/{firm}/file.zip", headers=headers)).status_code == 200
    for headers in (kit.enterprise("ent_other"), kit.insurer("ins_other"), kit.bureau(OTHER_TOWN),
                    kit.agency(agency.id)):
        refused = await kit.client.get(f"/v1/archive/{firm}/file.zip", headers=headers)
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")


async def test_a_changed_contract_is_archived_as_a_new_entry_and_an_edited_one_breaks_the_chain(kit):
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=200_000)
    first, _ = _read_zip((await kit.client.get(f"/v1/archive/{firm}/file.zip", headers=kit.enterprise(firm))).content)
    await kit.deliver("policy.policy.cancelled", {"policy_id": policy, "reason": "test", "refund_fen": 0})
    second, files = _read_zip((await kit.client.get(f"/v1/archive/{firm}/file.zip",
                                                    headers=kit.enterprise(firm))).content)
    contracts = [e for e in json.loads(files["archive.json"]) if e["kind"] == "CONTRACT"]
    assert [c["content"]["status"] for c in contracts] == ["ACTIVE", "CANCELLED"]  # both versions kept
    assert second["chain"]["head"] != first["chain"]["head"]
    database = kit.bookings.state.runtime.database
    async with database.transaction() as session:
        row = (await session.scalars(select(ArchiveEntry).where(ArchiveEntry.enterprise_id == firm,
                                                                ArchiveEntry.kind == "CONTRACT"))).first()
        await session.execute(update(ArchiveEntry).where(ArchiveEntry.id == row.id)
                              .values(content={**row.content, "premium_fen": 1}))
    doctored, _ = _read_zip((await kit.client.get(f"/v1/archive/{firm}/file.zip",
                                                  headers=kit.enterprise(firm))).content)
    assert doctored["chain"]["intact"] is False and doctored["chain"]["broken_at"] == row.seq


async def test_the_annual_report_is_stored_in_the_archive_with_its_hash_when_generated(kit):
    firm = await kit.firm()
    await kit.policy(firm)
    year = working_day(0).year
    response = await kit.client.get(f"/v1/archive/{firm}/annual-report.pdf", params={"year": year},
                                    headers=kit.enterprise(firm))
    assert response.status_code == 200
    entries = (await kit.client.get(f"/v1/archive/{firm}", headers=kit.enterprise(firm))).json()["entries"]
    [report] = [e for e in entries if e["kind"] == "ANNUAL_REPORT"]
    assert report["subject_id"] == str(year)
    assert report["content"]["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert response.headers["x-content-sha256"] == report["content"]["sha256"]
    twice = await kit.client.get(f"/v1/archive/{firm}/annual-report.pdf", params={"year": year},
                                 headers=kit.enterprise(firm))
    assert twice.content == response.content  # same report: the stored copy, no second entry
    entries = (await kit.client.get(f"/v1/archive/{firm}", headers=kit.enterprise(firm))).json()["entries"]
    assert [e["kind"] for e in entries].count("ANNUAL_REPORT") == 1


async def test_the_file_has_an_annual_report_for_each_year_a_policy_covered(kit):
    firm = await kit.firm()
    today = clock.today()
    await kit.deliver("policy.policy.activated", {
        "policy_id": new_id("pol"), "number": "AZ-LAST-YEAR", "enterprise_id": firm, "insurer_id": "ins_test",
        "product_id": "prd_test", "town_code": GUANHAIWEI, "headcount": 8, "premium_fen": 1_000_000,
        "prevention_budget_fen": 200_000, "start_date": (today - timedelta(days=400)).isoformat(),
        "end_date": (today - timedelta(days=36)).isoformat(), "risk_color": "YELLOW"})
    manifest, files = _read_zip((await kit.client.get(f"/v1/archive/{firm}/file.zip",
                                                      headers=kit.enterprise(firm))).content)
    reports = sorted(i["path"] for i in manifest["items"] if i["kind"] == "ANNUAL_REPORT")
    first = (today - timedelta(days=400)).year
    assert reports == [f"annual-report/annual-report-{firm}-{year}.pdf" for year in range(first, today.year + 1)]
    last_year = "".join(PdfReader(io.BytesIO(files[reports[0]])).pages[0].extract_text().split())
    assert f"评估年度：{first}年" in last_year and "AZ-LAST-YEAR" in last_year


async def test_an_older_report_whose_stored_copy_is_gone_is_listed_as_missing_not_a_server_error(kit):
    firm = await kit.firm()
    old_year = clock.today().year - 6  # outside the years the file regenerates
    response = await kit.client.get(f"/v1/archive/{firm}/annual-report.pdf", params={"year": old_year},
                                    headers=kit.enterprise(firm))
    assert response.status_code == 200
    entries = (await kit.client.get(f"/v1/archive/{firm}", headers=kit.enterprise(firm))).json()["entries"]
    [stored] = [e for e in entries if e["kind"] == "ANNUAL_REPORT"]
    (kit.ctx.storage.root / stored["content"]["storage_key"]).unlink()
    answer = await kit.client.get(f"/v1/archive/{firm}/file.zip", headers=kit.enterprise(firm))
    assert answer.status_code == 200, answer.text
    manifest, files = _read_zip(answer.content)
    [gone] = manifest["missing"]
    assert gone["subject_id"] == str(old_year) and gone["sha256"] == stored["content"]["sha256"]
    assert gone["path"] not in files


async def test_an_insurer_sees_another_insurers_policy_in_the_file_by_its_hash_only(kit):
    firm = await kit.firm()
    ours = await kit.policy(firm, insurer_id="ins_a", budget_fen=300_000)
    theirs = await kit.policy(firm, insurer_id="ins_b", budget_fen=200_000)
    response = await kit.client.get(f"/v1/archive/{firm}/file.zip", headers=kit.insurer("ins_a"))
    assert response.status_code == 200, response.text
    manifest, files = _read_zip(response.content)
    assert f"contract/{ours}.json" in files and f"fee-ledger/{ours}.json" in files
    assert not [path for path in files if theirs in path]  # no premium, plan or ledger of the competitor
    assert not [path for path in files if path.startswith("annual-report/")]  # a report covers both policies
    chain = json.loads(files["archive.json"])
    hidden = [e for e in chain if e["subject_id"] == theirs]
    assert hidden and all(e["redacted"] and e["content"] is None and e["hash"] for e in hidden)
    assert {(r["kind"], r["subject_id"]) for r in manifest["redacted"]} >= {("CONTRACT", theirs), ("FEE_LEDGER", theirs)}
    assert manifest["chain"]["intact"] is True  # checked by the service over the whole chain
    own, own_files = _read_zip((await kit.client.get(f"/v1/archive/{firm}/file.zip",
                                                     headers=kit.enterprise(firm))).content)
    assert f"contract/{theirs}.json" in own_files and not own["redacted"]  # the firm sees its whole file
