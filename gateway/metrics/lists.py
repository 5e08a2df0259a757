"""The lists the bureau acts on: firms that should be insured and are not, firms with overdue major
hazards, and agencies by hazard-closure rate. Shared by GraphQL and the downloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import strawberry

from gateway.bookings.types import Hazard
from gateway.context import Context, Info
from gateway.enterprises.types import Enterprise
from gateway.metrics.service import scope
from gateway.providers.types import Agency, load_agency
from services.kernel.auth import Role
from services.kernel.scope import code_in_region

MAX_SCAN_PAGES = 40  # 20,000 uninsured firms scanned at most; beyond that the list says it is truncated


@strawberry.type
class UninsuredAtRisk:
    enterprises: list[Enterprise]
    truncated: bool = strawberry.field(description="more uninsured firms existed than were scanned")


@strawberry.type(description="An operating compulsory firm whose cover ended without renewal (the 2025 Measures: "
                 "no cancelling or delaying renewal unless closed or stopped), listed from the day after.")
class CoverLapse:
    enterprise_id: strawberry.ID
    name: str
    town_code: str
    principal_name: str
    contact_phone: str
    last_policy_id: strawberry.ID
    last_policy_number: str
    last_covered_day: date
    lapsed_since: date
    days_uncovered: int = strawberry.field(description="days without cover up to today, the first uncovered day "
                                           "counted as 1")
    renewal_pending: bool = strawberry.field(description="a renewal is bound but its premium is not paid")

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> CoverLapse:
        return cls(enterprise_id=strawberry.ID(row["enterprise_id"]), name=row["name"], town_code=row["town_code"],
                   principal_name=row.get("principal_name") or "", contact_phone=row.get("contact_phone") or "",
                   last_policy_id=strawberry.ID(row["last_policy_id"]), last_policy_number=row["last_policy_number"],
                   last_covered_day=date.fromisoformat(row["last_covered_day"]),
                   lapsed_since=date.fromisoformat(row["lapsed_since"]), days_uncovered=int(row["days_uncovered"]),
                   renewal_pending=bool(row.get("renewal_pending")))


async def cover_lapses(ctx: Context, region_code: str | None) -> list[CoverLapse]:
    principal = ctx.require(Role.BUREAU)
    scope(ctx, region_code or principal.region)
    return [CoverLapse.from_api(r) for r in await ctx.policy.cover_lapses(region_code or principal.region)]


@strawberry.type
class AgencyPerformance:
    visits_done: int
    hazards_found: int
    hazards_closed: int
    closure_rate: float | None
    overdue_hazards: int
    average_days_to_close: float | None
    complaints_open: int
    rating: float | None
    agency_id: strawberry.Private[str]
    agency_name: str

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await load_agency(info, self.agency_id)

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> AgencyPerformance:
        return cls(agency_id=row["agency_id"], agency_name=row.get("agency_name") or "",
                   visits_done=int(row.get("visits_done") or 0), hazards_found=int(row.get("hazards_found") or 0),
                   hazards_closed=int(row.get("hazards_closed") or 0), closure_rate=row.get("closure_rate"),
                   overdue_hazards=int(row.get("overdue_hazards") or 0),
                   average_days_to_close=row.get("average_days_to_close"),
                   complaints_open=int(row.get("complaints_open") or 0), rating=row.get("rating"))


def _town_filter(region_code: str | None) -> str | None:
    """The policy service filters firms by town code; a city-wide region needs no filter (scoping does it)."""
    return region_code if region_code and len(region_code) > 6 else None


@dataclass
class AtRiskScan:
    rows: list[dict[str, Any]]
    truncated: bool


async def uninsured_at_risk(ctx: Context, region_code: str | None) -> AtRiskScan:
    """Uninsured firms in a compulsory industry or carrying a high-risk tag, compulsory ones first."""
    principal = ctx.require(Role.BUREAU)
    region_code = region_code or principal.region
    scope(ctx, region_code)
    params: dict[str, Any] = {"insured": False, "town_code": _town_filter(region_code), "limit": 500}
    rows: list[dict[str, Any]] = []
    for _ in range(MAX_SCAN_PAGES):
        body = await ctx.policy.enterprises(params)
        rows.extend(r for r in body["items"] if r.get("compulsory") or r.get("high_risk_tags"))
        if not body.get("next_cursor"):
            return AtRiskScan(_ordered(rows), False)
        params = {**params, "cursor": body["next_cursor"]}
    return AtRiskScan(_ordered(rows), True)


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (not r.get("compulsory"), -len(r.get("high_risk_tags") or []),
                                       r.get("town_code") or "", r.get("name") or ""))


async def overdue_major_hazards(ctx: Context, region_code: str | None) -> list[dict[str, Any]]:
    principal = ctx.require(Role.BUREAU, Role.INSURER)
    if principal.role is Role.BUREAU:
        scope(ctx, region_code or principal.region)
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {"status": "OVERDUE", "grade": "MAJOR", "limit": 500}
    while True:
        body = await ctx.bookings.hazards(params)
        rows.extend(body["items"])
        if not body.get("next_cursor") or len(rows) >= 20_000:
            break
        params = {**params, "cursor": body["next_cursor"]}
    if region_code:
        enterprises = {r["id"]: r for r in await ctx.policy.enterprises_by_ids(r["enterprise_id"] for r in rows)}
        rows = [r for r in rows
                if code_in_region((enterprises.get(r["enterprise_id"]) or {}).get("town_code"), region_code)]
    return sorted(rows, key=lambda r: (r.get("deadline") or "", r["id"]))


async def agency_performance(ctx: Context, worst_first: bool) -> list[AgencyPerformance]:
    ctx.require(Role.BUREAU, Role.INSURER)
    body = await ctx.providers.page("/v1/performance", {"limit": 500})
    rows = [AgencyPerformance.from_api(r) for r in body["items"]]
    # Agencies that found nothing have no rate: they go last either way.
    rated = sorted((r for r in rows if r.closure_rate is not None), key=lambda r: (r.closure_rate, -r.overdue_hazards),
                   reverse=not worst_first)
    return rated + [r for r in rows if r.closure_rate is None]


def hazards(rows: list[dict[str, Any]]) -> list[Hazard]:
    return [Hazard.from_api(r) for r in rows]
