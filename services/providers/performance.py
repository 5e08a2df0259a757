"""Agency performance from what bookings reported: visits, hazards found and closed, closure rate, time to
close, overdue hazards; plus complaints and rating kept here. Shown to the bureau and to insurers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.providers import repository_feedback as feedback
from services.providers.clock import local_today
from services.providers.models import Agency, HazardFact
from services.providers.schemas_feedback import PerformanceOut

SECONDS_PER_DAY = 86_400


def _hazard_figures(hazards: Sequence[HazardFact]) -> dict[str, float | int | None]:
    found = len(hazards)
    closed = [h for h in hazards if h.closed_at is not None]
    durations = [(h.closed_at - h.found_at).total_seconds() / SECONDS_PER_DAY
                 for h in closed if h.found_at is not None and h.closed_at is not None]
    return {
        "hazards_found": found,
        "hazards_closed": len(closed),
        "closure_rate": round(len(closed) / found, 4) if found else None,
        "average_days_to_close": round(sum(durations) / len(durations), 1) if durations else None,
        "overdue_hazards": sum(1 for h in hazards if h.overdue_at is not None and h.closed_at is None),
        "hazards_ever_overdue": sum(1 for h in hazards if h.overdue_at is not None),
    }


async def performance(session: AsyncSession, agencies: Sequence[Agency],
                      today: date | None = None) -> list[PerformanceOut]:
    today = today or local_today()
    ids = [a.id for a in agencies]
    visits = await feedback.visit_counts(session, ids)
    complaints = await feedback.complaint_counts(session, ids, today)
    hazards: dict[str, list[HazardFact]] = defaultdict(list)
    for h in await feedback.hazard_rows(session, ids):
        hazards[h.agency_id].append(h)
    out = []
    for a in agencies:
        done, acknowledged = visits.get(a.id, (0, 0))
        filed, still_open, late = complaints.get(a.id, (0, 0, 0))
        out.append(PerformanceOut(
            agency_id=a.id, agency_name=a.name, status=a.status, visits_done=done,
            visits_acknowledged=acknowledged, complaints=filed, complaints_open=still_open,
            complaints_overdue=late, rating=a.rating, rating_count=a.rating_count,
            **_hazard_figures(hazards[a.id])))  # type: ignore[arg-type]
    return out
