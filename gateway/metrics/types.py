"""GraphQL types of the bureau's coverage-expansion (投保扩面) and prevention metrics."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import strawberry

from gateway.common import Long, to_date


@strawberry.enum
class CoverageDimension(enum.Enum):
    TOWN = "TOWN"
    VILLAGE = "VILLAGE"
    PARK = "PARK"
    SIZE_CLASS = "SIZE_CLASS"
    INDUSTRY = "INDUSTRY"
    HIGH_RISK_TAG = "HIGH_RISK_TAG"
    INSURER = "INSURER"


@strawberry.type
class CoverageRow:
    key: str
    label: str
    enterprises: int
    insured: int
    rate: float
    employees: int
    insured_employees: int

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> CoverageRow:
        enterprises, insured = int(row.get("enterprises") or 0), int(row.get("insured") or 0)
        rate = row.get("rate")
        return cls(key=str(row.get("key") or ""), label=str(row.get("label") or row.get("key") or ""),
                   enterprises=enterprises, insured=insured,
                   rate=float(rate) if rate is not None else (insured / enterprises if enterprises else 0.0),
                   employees=int(row.get("employees") or 0), insured_employees=int(row.get("insured_employees") or 0))

    @classmethod
    def empty(cls, key: str, label: str) -> CoverageRow:
        return cls(key=key, label=label, enterprises=0, insured=0, rate=0.0, employees=0, insured_employees=0)


@strawberry.type
class CoverageReport:
    region_code: str
    as_of: date
    group_by: CoverageDimension
    total: CoverageRow
    rows: list[CoverageRow]
    partial: bool
    generated_at: datetime


@strawberry.type
class CoveragePoint:
    date: date
    enterprises: int
    insured: int
    rate: float

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> CoveragePoint:
        enterprises, insured = int(row.get("enterprises") or 0), int(row.get("insured") or 0)
        rate = row.get("rate")
        return cls(date=to_date(row["date"]), enterprises=enterprises, insured=insured,
                   rate=float(rate) if rate is not None else (insured / enterprises if enterprises else 0.0))


@strawberry.type
class PreventionMetrics:
    budget_fen: Long
    spent_fen: Long
    visits_planned: int
    visits_done: int
    hazards_found: int
    hazards_closed: int
    major_hazards_open: int
    overdue_hazards: int
    closure_rate: float
    reserved_fen: Long = Long(0)

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> PreventionMetrics:
        found, closed = int(row.get("hazards_found") or 0), int(row.get("hazards_closed") or 0)
        rate = row.get("closure_rate")
        return cls(budget_fen=Long(int(row.get("budget_fen") or 0)), spent_fen=Long(int(row.get("spent_fen") or 0)),
                   reserved_fen=Long(int(row.get("reserved_fen") or 0)),
                   visits_planned=int(row.get("visits_planned") or 0), visits_done=int(row.get("visits_done") or 0),
                   hazards_found=found, hazards_closed=closed,
                   major_hazards_open=int(row.get("major_hazards_open") or 0),
                   overdue_hazards=int(row.get("overdue_hazards") or 0),
                   closure_rate=float(rate) if rate is not None else (closed / found if found else 0.0))
