"""The bureau's registry import: all or nothing, bad rows by line number, the same file twice changes nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from services.kernel.auth import Role
from services.policy.importer import import_firms
from services.policy.models import Enterprise
from tests.policy.conftest import new_uscc

pytestmark = pytest.mark.asyncio(loop_scope="module")
HEADER = ["统一社会信用代码", "企业名称", "镇街", "村社区", "园区", "行业门类", "行业代码", "从业人数", "营业收入(万元)",
          "资产总额(万元)", "高危标签", "风险等级", "负责人", "联系电话"]


def good_row(**kw) -> dict[str, str]:
    row = dict(zip(HEADER, [new_uscc(), "演示-导入五金厂", "观海卫镇", "卫东村", "观海卫镇卫东小微企业园(演示)", "工业",
                            "C33", "12", "260.5", "180", "粉尘涉爆", "黄", "导入负责人", "13900001111"], strict=True))
    row.update(kw)
    return row


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


async def firm_count(world) -> int:
    async with world.app.state.runtime.database.transaction() as s:
        return await s.scalar(select(func.count()).select_from(Enterprise)) or 0


async def test_a_clean_csv_is_imported_and_the_same_file_again_changes_nothing(world, tmp_path):
    path = write_csv(tmp_path / "registry.csv", [good_row(), good_row(镇街="330282114", 村社区="", 园区="")])
    seen: list[tuple[int, int]] = []
    report = await import_firms(world.app.state.runtime.database, path, progress=lambda d, t: seen.append((d, t)))
    assert report.ok and report.rows == 2 and report.created == 2 and report.unchanged == 0
    assert report.lines() == ["imported 2 rows: 2 new firms, 0 unchanged"]
    assert seen[-1] == (2, 2)
    before = await firm_count(world)
    again = await import_firms(world.app.state.runtime.database, path)
    assert again.ok and again.created == 0 and again.unchanged == 2
    assert await firm_count(world) == before


async def test_imported_firms_get_their_size_class_tags_and_places(world, tmp_path):
    row = good_row()
    await import_firms(world.app.state.runtime.database, write_csv(tmp_path / "one.csv", [row]))
    found = (await world.client.get("/v1/enterprises", headers=world.admin,
                                    params={"search": row["统一社会信用代码"]})).json()["items"][0]
    assert found["size_class"] == "MICRO" and found["village_code"] == "330282107201"
    assert found["park_code"] == "330282107P01" and found["high_risk_tags"] == ["COMBUSTIBLE_DUST"]
    assert found["risk_color"] == "YELLOW" and found["annual_revenue_fen"] == 260_500_000


async def test_an_xlsx_file_imports_like_a_csv(world, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    row = good_row()
    sheet.append([row[h] if h != "从业人数" else 12 for h in HEADER])
    book.save(tmp_path / "registry.xlsx")
    report = await import_firms(world.app.state.runtime.database, tmp_path / "registry.xlsx")
    assert report.ok and report.created == 1


async def test_one_bad_row_rejects_the_file_with_each_error_by_line(world, tmp_path):
    registered = await world.firm()
    dup = new_uscc()
    rows = [good_row(),                                              # line 2: fine
            good_row(统一社会信用代码="91330282MA2CX00018"),          # 3: wrong check character
            good_row(统一社会信用代码=dup), good_row(统一社会信用代码=dup),  # 4 ok, 5 duplicate of line 4
            good_row(镇街="火星镇"),                                  # 6: unknown town
            good_row(村社区="不存在村"),                              # 7: unknown village
            good_row(行业门类=""),                                    # 8: missing sector
            good_row(从业人数="-3"),                                  # 9: negative
            good_row(统一社会信用代码=registered["uscc"]),            # 10: registered with other details
            good_row(**{"营业收入(万元)": "-1"})]                     # 11: negative revenue
    before = await firm_count(world)
    report = await import_firms(world.app.state.runtime.database, write_csv(tmp_path / "bad.csv", rows))
    assert not report.ok and report.created == 0
    assert [e.line for e in report.errors] == [3, 5, 6, 7, 8, 9, 10, 11]
    messages = {e.line: e.message for e in report.errors}
    assert "check character" in messages[3] and "line 4" in messages[5] and "火星镇" in messages[6]
    assert "sector" in messages[8] and "negative" in messages[9]
    assert await firm_count(world) == before
    printed = report.lines()
    assert printed[0].startswith("rejected: 8 of 10 rows") and printed[1].startswith("line 3: uscc:")


async def test_the_bureau_uploads_a_registry_and_sees_the_rejected_lines(world, tmp_path):
    bureau = world.as_(Role.BUREAU, region="330282")
    good = write_csv(tmp_path / "up.csv", [good_row()])
    r = await world.client.post("/v1/imports/firms", headers=bureau,
                                files={"file": ("up.csv", good.read_bytes(), "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json() == {"rows": 1, "created": 1, "unchanged": 0}
    bad = write_csv(tmp_path / "bad.csv", [good_row(), good_row(统一社会信用代码="123")])
    r = await world.client.post("/v1/imports/firms", headers=bureau,
                                files={"file": ("bad.csv", bad.read_bytes(), "text/csv")})
    assert r.status_code == 422 and r.json()["code"] == "IMPORT_REJECTED"
    assert r.json()["fields"][0]["field"] == "line 3: uscc"


async def test_a_town_bureau_cannot_import_firms_of_another_town(world, tmp_path):
    path = write_csv(tmp_path / "other.csv", [good_row(镇街="周巷镇", 村社区="", 园区="")])
    r = await world.client.post("/v1/imports/firms", headers=world.as_(Role.BUREAU, region="330282107"),
                                files={"file": ("other.csv", path.read_bytes(), "text/csv")})
    assert r.status_code == 422 and "outside" in r.json()["fields"][0]["message"]


async def test_a_file_that_is_not_a_spreadsheet_is_a_validation_error(world):
    r = await world.client.post("/v1/imports/firms", headers=world.as_(Role.BUREAU, region="330282"),
                                files={"file": ("x.xlsx", b"not a zip", "application/octet-stream")})
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION"
    r = await world.client.post("/v1/imports/firms", headers=world.as_(Role.BUREAU, region="330282"),
                                files={"file": ("x.pdf", b"%PDF", "application/pdf")})
    assert r.status_code == 422
