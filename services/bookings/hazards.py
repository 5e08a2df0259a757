"""The hazard loop: OPEN → RECTIFICATION_SUBMITTED (by the firm) → CLOSED when an expert of the agency
verifies it, or back to OPEN with the reason; hazards past their deadline become OVERDUE."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import repository
from services.bookings.context import BookingContext
from services.bookings.events import HAZARD_CLOSED, HAZARD_OVERDUE, HAZARD_RECTIFIED, HAZARD_REJECTED, hazard_event
from services.bookings.models import Hazard, HazardAction
from services.bookings.schemas import RectificationIn, VerificationIn
from services.bookings.visits import check_photos
from services.kernel.auth import Principal, Role
from services.kernel.errors import Forbidden, InvalidState, NotFound, ValidationProblem
from services.kernel.ids import new_id

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "rectify": (frozenset({"OPEN", "OVERDUE"}), "RECTIFICATION_SUBMITTED"),
    "accept": (frozenset({"RECTIFICATION_SUBMITTED"}), "CLOSED"),
    "reject": (frozenset({"RECTIFICATION_SUBMITTED"}), "OPEN"),
    "overdue": (frozenset({"OPEN"}), "OVERDUE"),
}


def transition(hazard: Hazard, action: str, now: datetime) -> None:
    allowed_from, target = TRANSITIONS[action]
    if hazard.status not in allowed_from:
        raise InvalidState(f"a {hazard.status} hazard cannot take the action {action}")
    hazard.status, hazard.updated_at = target, now


async def get_visible(*, session: AsyncSession, principal: Principal, hazard_id: str,
                      for_update: bool = False) -> Hazard:
    hazard = await repository.get_hazard(session, hazard_id, for_update=for_update)
    if hazard is None:
        raise NotFound(f"no hazard {hazard_id}")
    if (await session.scalars(repository.hazards_query(principal, ids=[hazard_id]))).one_or_none() is None:
        raise Forbidden("this hazard belongs to another organisation")
    return hazard


def _action(session: AsyncSession, hazard: Hazard, kind: str, actor: str, now: datetime,
            description: str | None = None, photo_ids: list[str] | None = None) -> None:
    session.add(HazardAction(id=new_id("hza"), hazard_id=hazard.id, kind=kind, actor=actor, description=description,
                             photo_ids=photo_ids or [], created_at=now))


async def submit_rectification(*, ctx: BookingContext, session: AsyncSession, principal: Principal,
                               hazard_id: str, data: RectificationIn) -> Hazard:
    hazard = await get_visible(session=session, principal=principal, hazard_id=hazard_id, for_update=True)
    if principal.role is not Role.ADMIN and not (principal.role is Role.ENTERPRISE
                                                 and principal.org == hazard.enterprise_id):
        raise Forbidden("the firm that owns the hazard submits its rectification")
    await check_photos(session, principal, data.photo_ids, "photo_ids")
    now = ctx.now()
    transition(hazard, "rectify", now)
    _action(session, hazard, "RECTIFICATION", principal.sub, now, data.description, data.photo_ids)
    await repository.cite_photos(session, data.photo_ids, hazard.id)
    hazard_event(session, HAZARD_RECTIFIED, hazard)
    await session.flush()
    return hazard


async def verify(*, ctx: BookingContext, session: AsyncSession, principal: Principal, hazard_id: str,
                 data: VerificationIn) -> Hazard:
    """Only an expert of the agency that found the hazard verifies it; the firm never can, nor can
    anyone else acting in the agency's name."""
    hazard = await get_visible(session=session, principal=principal, hazard_id=hazard_id, for_update=True)
    if principal.role is not Role.EXPERT or principal.org != hazard.agency_id or not principal.expert:
        raise Forbidden("a rectification is verified by an expert of the agency that found the hazard")
    now = ctx.now()
    if data.accepted:
        transition(hazard, "accept", now)
        hazard.closed_at, hazard.rejection_reason = now, None
        _action(session, hazard, "ACCEPTED", principal.expert, now, data.note)
        hazard_event(session, HAZARD_CLOSED, hazard, verified_by=principal.expert)
    else:
        if not (data.note or "").strip():
            raise ValidationProblem("say why the rectification is rejected", field="note")
        transition(hazard, "reject", now)
        hazard.rejection_reason = data.note
        _action(session, hazard, "REJECTED", principal.expert, now, data.note)
        hazard_event(session, HAZARD_REJECTED, hazard, reason=data.note)
    await session.flush()
    return hazard


async def mark_overdue(*, ctx: BookingContext, session: AsyncSession) -> list[Hazard]:
    """Daily: an OPEN hazard whose deadline (a local date, inclusive) has passed becomes OVERDUE and is
    published once. Idempotent: a hazard already OVERDUE is not touched again."""
    now = ctx.now()
    today = ctx.calendar.local_date(now)
    marked = await repository.hazards_past_deadline(session, today)
    for hazard in marked:
        transition(hazard, "overdue", now)
        hazard.overdue_at = now
        _action(session, hazard, "OVERDUE", "system", now, f"deadline {hazard.deadline.isoformat()} passed")
        hazard_event(session, HAZARD_OVERDUE, hazard)
    await session.flush()
    return marked
