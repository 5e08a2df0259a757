"""Queries of the coverage-expansion and prevention metrics."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from gateway.bookings.types import Hazard
from gateway.context import Info
from gateway.enterprises.types import Enterprise
from gateway.metrics import lists, service
from gateway.metrics.types import CoverageDimension, CoveragePoint, CoverageReport, PreventionMetrics


@strawberry.type
class MetricsQuery:
    @strawberry.field(description="Firms and insured firms in a region on a date, grouped by a dimension. "
                      "`partial` is true when a figure could not be completed (a service did not answer).")
    async def coverage(self, info: Info, region_code: str, as_of: date | None = None,
                       group_by: CoverageDimension | None = CoverageDimension.TOWN) -> CoverageReport:
        return await service.coverage(info.context, region_code=region_code, as_of=as_of,
                                      group_by=group_by or CoverageDimension.TOWN)

    @strawberry.field(description="Monthly coverage points from the policy service's daily snapshots.")
    async def coverage_trend(self, info: Info, region_code: str,
                             from_: Annotated[date, strawberry.argument(name="from")], to: date) -> list[CoveragePoint]:
        return await service.coverage_trend(info.context, region_code=region_code, start=from_, end=to)

    @strawberry.field(description="Prevention budget and spend, visits and hazards, by region and insurer.")
    async def prevention_metrics(self, info: Info, region_code: str | None = None,
                                 insurer_id: strawberry.ID | None = None,
                                 from_: Annotated[date | None, strawberry.argument(name="from")] = None,
                                 to: date | None = None) -> PreventionMetrics:
        return await service.prevention(info.context, region_code=region_code,
                                        insurer_id=str(insurer_id) if insurer_id else None, start=from_, end=to)


@strawberry.type
class ActionListQuery:
    @strawberry.field(description="Uninsured firms in a compulsory industry or with a high-risk tag (bureau).")
    async def uninsured_at_risk(self, info: Info, region_code: str | None = None) -> lists.UninsuredAtRisk:
        scan = await lists.uninsured_at_risk(info.context, region_code)
        return lists.UninsuredAtRisk(enterprises=[Enterprise.from_api(r) for r in scan.rows],
                                     truncated=scan.truncated)

    @strawberry.field(description="Compulsory firms whose cover ended without renewal, from the day after, with "
                      "the days uncovered, longest first (bureau).")
    async def cover_lapses(self, info: Info, region_code: str | None = None) -> list[lists.CoverLapse]:
        return await lists.cover_lapses(info.context, region_code)

    @strawberry.field(description="Major hazards past their deadline and not closed, oldest deadline first.")
    async def overdue_major_hazards(self, info: Info, region_code: str | None = None) -> list[Hazard]:
        return lists.hazards(await lists.overdue_major_hazards(info.context, region_code))

    @strawberry.field(description="Agencies by hazard-closure rate (best first, or worst first); agencies "
                      "that found nothing come last.")
    async def agency_performance(self, info: Info, worst_first: bool = False) -> list[lists.AgencyPerformance]:
        return await lists.agency_performance(info.context, worst_first)
