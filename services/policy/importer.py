"""Bulk import of the bureau's firm registry (CSV or XLSX): every row validated, all or nothing, each bad
row reported with its line number; re-importing the same file changes nothing."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services.kernel.auth import Principal, Role
from services.kernel.db import Database
from services.kernel.errors import ProblemError
from services.policy import repository, service, uscc
from services.policy.pricing import HIGH_RISK_TAGS
from services.policy.schemas import EnterpriseIn
from services.policy.sizeclass import FEN_PER_WAN

log = logging.getLogger("anze.policy.import")
Progress = Callable[[int, int], None]
SYSTEM = Principal(sub="import", role=Role.ADMIN)

# column → the header names accepted for it (English, Chinese)
COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("uscc", "统一社会信用代码", "信用代码"), "name": ("name", "企业名称", "名称"),
    "town": ("town", "town_code", "镇街", "乡镇街道", "镇(街道)"),
    "village": ("village", "village_code", "村社区", "村(社区)"),
    "park": ("park", "park_name", "园区"), "tenure": ("tenure", "经营场所"),
    "sector": ("sector", "行业门类", "行业类别"), "industry_code": ("industry_code", "行业代码"),
    "employees": ("employees", "从业人数", "员工人数"),
    "revenue_wan": ("annual_revenue_wan", "营业收入(万元)", "营业收入"),
    "assets_wan": ("total_assets_wan", "资产总额(万元)", "资产总额"), "tags": ("high_risk_tags", "高危标签"),
    "grade": ("standardisation_grade", "标准化等级"), "color": ("risk_color", "风险等级"),
    "principal": ("principal_name", "负责人", "主要负责人"), "phone": ("contact_phone", "联系电话"),
}
REQUIRED = ("uscc", "name", "town", "sector", "industry_code", "employees", "revenue_wan", "principal", "phone")
SECTORS = {"工业": "INDUSTRY", "建筑业": "CONSTRUCTION", "批发业": "WHOLESALE", "零售业": "RETAIL",
           "交通运输业": "TRANSPORT", "仓储业": "WAREHOUSING", "邮政业": "POSTAL", "农林牧渔业": "AGRICULTURE",
           "其他": "OTHER"}
COLORS = {"红": "RED", "橙": "ORANGE", "黄": "YELLOW", "蓝": "BLUE"}
TAG_BY_LABEL = {label: code for code, label in HIGH_RISK_TAGS.items()} | {
    "危险化学品": "HAZARDOUS_CHEMICALS_PRODUCTION"}  # the label before the split, read as migration 0003 does


@dataclass
class RowError:
    line: int
    field: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        """The report as a person reads it (the CLI prints these)."""
        if self.ok:
            return [f"imported {self.rows} rows: {self.created} new firms, {self.unchanged} unchanged"]
        bad = len({e.line for e in self.errors})
        return [f"rejected: {bad} of {self.rows} rows have errors; nothing was imported",
                *(f"line {e.line}: {e.field}: {e.message}" for e in self.errors)]


class ImportRejected(ProblemError):
    status, code = 422, "IMPORT_REJECTED"


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {header: text}) for each data row; the header is line 1."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        for line, values in enumerate(rows, start=2):
            cells = ["" if v is None else str(v).strip() for v in values]
            if any(cells):
                yield line, dict(zip(header, cells, strict=False))
        book.close()
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")  # Excel in China saves CSV as GBK unless told otherwise
    reader = csv.DictReader(text.splitlines())
    reader.fieldnames = [h.strip() for h in reader.fieldnames or []]
    for row in reader:
        if any((v or "").strip() for v in row.values() if isinstance(v, str)):
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}


def _pick(row: dict[str, str], column: str) -> str:
    for name in COLUMNS[column]:
        if row.get(name):
            return row[name]
    return ""


def _wan_to_fen(text: str, what: str) -> int:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"{what} must be a number (万元)") from exc
    if value < 0:
        raise ValueError(f"{what} cannot be negative")
    return int(value * FEN_PER_WAN)


class Catalogue:
    """Regions looked up by code or by name (观海卫镇 or 观海卫)."""

    def __init__(self, regions: list[Any]) -> None:
        self.by_code = {r.code: r for r in regions}
        self.towns = {}
        for r in regions:
            if r.level == "TOWN":
                for key in (r.name, r.name.removesuffix("街道").removesuffix("镇")):
                    self.towns[key] = r
        self.children = {(r.parent_code, r.name): r for r in regions if r.level in ("VILLAGE", "PARK")}

    def town(self, text: str) -> Any:
        r = self.by_code.get(text)
        return r if r is not None and r.level == "TOWN" else self.towns.get(text)

    def child(self, town_code: str, text: str, level: str) -> Any:
        r = self.by_code.get(text) or self.children.get((town_code, text))
        if r is None and level == "PARK":
            r = next((p for (_, n), p in self.children.items() if n == text and p.code.startswith(town_code)), None)
        return r if r is not None and r.level == level and r.code.startswith(town_code) else None


def parse_row(row: dict[str, str], regions: Catalogue, principal: Principal) -> EnterpriseIn:
    """One row as the registration input; ValueError / ValidationError / ProblemError say what is wrong."""
    missing = [c for c in REQUIRED if not _pick(row, c)]
    if missing:
        raise ValueError(f"missing {', '.join(COLUMNS[c][0] for c in missing)}")
    town = regions.town(_pick(row, "town"))
    if town is None:
        raise ProblemError(f"unknown town {_pick(row, 'town')}", field="town")
    if principal.role is Role.BUREAU and not principal.in_region(town.code):
        raise ProblemError(f"{town.name} is outside the bureau's region", field="town")
    village_code = park_code = park_name = None
    if text := _pick(row, "village"):
        village = regions.child(town.code, text, "VILLAGE")
        if village is None:
            raise ProblemError(f"unknown village {text} in {town.name}", field="village")
        village_code = village.code
    if text := _pick(row, "park"):
        park = regions.child(town.code, text, "PARK")
        park_code, park_name = (park.code, park.name) if park else (None, text)
    sector = _pick(row, "sector")
    employees = _pick(row, "employees").replace(",", "")
    if not employees.lstrip("-").isdigit():
        raise ProblemError("employees must be a whole number", field="employees")
    if int(employees) < 0:
        raise ProblemError("employees cannot be negative", field="employees")
    tags = [t.strip() for t in _pick(row, "tags").replace("、", ";").replace(",", ";").split(";") if t.strip()]
    color = _pick(row, "color")
    return EnterpriseIn(
        uscc=uscc.normalise(_pick(row, "uscc")), name=_pick(row, "name"), town_code=town.code,
        village_code=village_code, park_code=park_code, park_name=park_name, tenure=_pick(row, "tenure") or None,
        sector=SECTORS.get(sector, sector.upper()), industry_code=_pick(row, "industry_code"),
        employees=int(employees), annual_revenue_fen=_wan_to_fen(_pick(row, "revenue_wan"), "revenue"),
        total_assets_fen=_wan_to_fen(t, "assets") if (t := _pick(row, "assets_wan")) else None,
        high_risk_tags=[TAG_BY_LABEL.get(t, t.upper()) for t in tags],
        standardisation_grade=_pick(row, "grade") or None, risk_color=COLORS.get(color, color.upper()) or None,
        principal_name=_pick(row, "principal"), contact_phone=_pick(row, "phone"))


def _errors_of(exc: Exception, line: int) -> list[RowError]:
    if isinstance(exc, ValidationError):
        return [RowError(line, ".".join(str(p) for p in e["loc"]) or "row", e["msg"]) for e in exc.errors()]
    if isinstance(exc, ProblemError):
        return [RowError(line, exc.fields[0].field if exc.fields else "row", exc.detail)]
    return [RowError(line, "row", str(exc))]


async def import_firms(database: Database, path: Path | str, *, progress: Progress | None = None,
                       principal: Principal = SYSTEM, batch: int = 1000) -> ImportReport:
    """Validate every row, then write all of them in one transaction, or none."""
    path = Path(path)
    report = ImportReport()
    await service.seed_regions(database)  # reference data; a fresh database may not have started the service yet
    async with database.transaction() as session:
        regions = Catalogue(await repository.all_regions(session))
        parsed: list[tuple[int, EnterpriseIn]] = []
        seen: dict[str, int] = {}
        for line, row in read_rows(path):
            report.rows += 1
            try:
                data = parse_row(row, regions, principal)
                data.high_risk_tags = service.check_tags(data.high_risk_tags)
                if data.sector == "CONSTRUCTION" and data.total_assets_fen is None:
                    raise ProblemError("construction firms need total assets", field="assets")
            except (ValueError, ValidationError, ProblemError) as exc:
                report.errors.extend(_errors_of(exc, line))
                continue
            if data.uscc in seen:
                report.errors.append(RowError(line, "uscc", f"{data.uscc} is also on line {seen[data.uscc]}"))
                continue
            seen[data.uscc] = line
            parsed.append((line, data))
        if progress:
            progress(0, len(parsed))
        existing = await repository.usccs_present(session, list(seen))
        new: list[EnterpriseIn] = []
        for line, data in parsed:
            known = existing.get(data.uscc)
            if known is None:
                new.append(data)
            elif service.same_firm(known, data):
                report.unchanged += 1
            else:
                report.errors.append(RowError(line, "uscc", f"{data.uscc} is already registered as {known.name} "
                                                            "with other details; edit that firm instead"))
        if report.errors:
            report.errors.sort(key=lambda e: e.line)
            return report
        for start in range(0, len(new), batch):
            await service.register_many(session, new[start:start + batch])
            report.created += len(new[start:start + batch])
            if progress:
                progress(report.created, len(new))
    log.info("import of %s: %d rows, %d created, %d unchanged", path.name, report.rows, report.created,
             report.unchanged)
    return report
