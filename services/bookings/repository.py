"""Every query of the bookings service: reads scoped by the caller, and the guarded ledger updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, false, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.models import (
    AgencyFlag,
    Booking,
    EnterpriseRef,
    ExposureCase,
    Hazard,
    HazardAction,
    LedgerEntry,
    Photo,
    PolicyLedger,
    ServicePlan,
    SlotClaim,
    TimeOff,
    VisitReport,
    WorkingHours,
)
from services.kernel import scope
from services.kernel.auth import Principal, Role

# ---------------------------------------------------------------- scoping


def booking_scope(principal: Principal) -> ColumnElement[bool]:
    """Which bookings the caller may see: its own firm, book, agency, assigned visits or region."""
    return _scope(principal, Booking, expert_column=Booking.expert_id)


def hazard_scope(principal: Principal) -> ColumnElement[bool]:
    # Any expert of the agency may verify a hazard, so experts see their agency's hazards.
    return _scope(principal, Hazard, expert_column=None)


def ledger_scope(principal: Principal) -> ColumnElement[bool]:
    match principal.role:
        case Role.ADMIN:
            return true()
        case Role.ENTERPRISE:
            return scope.org_filter(principal, PolicyLedger.enterprise_id)
        case Role.INSURER:
            return scope.org_filter(principal, PolicyLedger.insurer_id)
        case Role.BUREAU:
            return scope.region_filter(principal, PolicyLedger.town_code)
        case _:
            return false()


def _scope(principal: Principal, model: Any, *, expert_column: Any) -> ColumnElement[bool]:
    """Through ``services.kernel.scope``: a principal whose org, expert id or region is missing sees nothing."""
    match principal.role:
        case Role.ADMIN:
            return true()
        case Role.ENTERPRISE:
            return scope.org_filter(principal, model.enterprise_id)
        case Role.INSURER:
            return scope.org_filter(principal, model.insurer_id)
        case Role.AGENCY:
            return scope.org_filter(principal, model.agency_id)
        case Role.EXPERT:
            if expert_column is None:
                return scope.org_filter(principal, model.agency_id)
            return and_(scope.org_filter(principal, model.agency_id), scope.expert_filter(principal, expert_column))
        case Role.BUREAU:
            return scope.region_filter(principal, model.town_code)
    return false()


# ---------------------------------------------------------------- reference data from events


async def get_enterprise(session: AsyncSession, enterprise_id: str) -> EnterpriseRef | None:
    return await session.get(EnterpriseRef, enterprise_id)


async def get_agency_flag(session: AsyncSession, agency_id: str) -> AgencyFlag | None:
    return await session.get(AgencyFlag, agency_id)


# ---------------------------------------------------------------- ledger


async def get_ledger(session: AsyncSession, policy_id: str, *, for_update: bool = False) -> PolicyLedger | None:
    if for_update:
        stmt = (select(PolicyLedger).where(PolicyLedger.policy_id == policy_id).with_for_update()
                .execution_options(populate_existing=True))
        return (await session.scalars(stmt)).one_or_none()
    return await session.get(PolicyLedger, policy_id)


async def list_ledgers(session: AsyncSession, principal: Principal, policy_ids: Sequence[str]) -> list[PolicyLedger]:
    stmt = select(PolicyLedger).where(ledger_scope(principal))
    if policy_ids:
        stmt = stmt.where(PolicyLedger.policy_id.in_(policy_ids))
    return list((await session.scalars(stmt.order_by(PolicyLedger.policy_id).limit(500))).all())


def ledger_page_query(principal: Principal, *, enterprise_id: str | None, insurer_id: str | None) -> Select[Any]:
    stmt = select(PolicyLedger).where(ledger_scope(principal))
    if enterprise_id:
        stmt = stmt.where(PolicyLedger.enterprise_id == enterprise_id)
    if insurer_id:
        stmt = stmt.where(PolicyLedger.insurer_id == insurer_id)
    return stmt


async def ledger_totals(session: AsyncSession, principal: Principal, *, enterprise_id: str | None,
                        insurer_id: str | None) -> tuple[int, int, int, int]:
    """How many ledgers ``ledger_page_query`` selects, and their budget, reserved and spent summed."""
    rows = ledger_page_query(principal, enterprise_id=enterprise_id, insurer_id=insurer_id).subquery()
    count, budget, reserved, spent = (await session.execute(select(
        func.count(), func.coalesce(func.sum(rows.c.budget_fen), 0), func.coalesce(func.sum(rows.c.reserved_fen), 0),
        func.coalesce(func.sum(rows.c.spent_fen), 0)))).one()
    return int(count), int(budget), int(reserved), int(spent)


async def ledger_entries(session: AsyncSession, policy_id: str) -> list[LedgerEntry]:
    stmt = select(LedgerEntry).where(LedgerEntry.policy_id == policy_id).order_by(LedgerEntry.id)
    return list((await session.scalars(stmt)).all())


async def try_reserve(session: AsyncSession, policy_id: str, amount_fen: int, now: datetime) -> bool:
    """Reserve only if the balance covers it, in one guarded UPDATE: two concurrent reservations can
    never both pass on the same money (the row is locked by the first and re-read by the second)."""
    result = await session.execute(
        update(PolicyLedger)
        .where(PolicyLedger.policy_id == policy_id, PolicyLedger.status == "ACTIVE",
               PolicyLedger.budget_fen - PolicyLedger.reserved_fen - PolicyLedger.spent_fen >= amount_fen)
        .values(reserved_fen=PolicyLedger.reserved_fen + amount_fen, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def move_reservation(session: AsyncSession, policy_id: str, amount_fen: int, *, to_spent: bool,
                           now: datetime) -> bool:
    """Turn a reservation into spend (report filed) or give it back (cancellation)."""
    values: dict[str, Any] = {"reserved_fen": PolicyLedger.reserved_fen - amount_fen, "updated_at": now}
    if to_spent:
        values["spent_fen"] = PolicyLedger.spent_fen + amount_fen
    result = await session.execute(
        update(PolicyLedger)
        .where(PolicyLedger.policy_id == policy_id, PolicyLedger.reserved_fen >= amount_fen)
        .values(**values).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- availability


async def working_hours(session: AsyncSession, expert_id: str) -> list[WorkingHours]:
    stmt = select(WorkingHours).where(WorkingHours.expert_id == expert_id).order_by(WorkingHours.weekday)
    return list((await session.scalars(stmt)).all())


async def time_off(session: AsyncSession, expert_id: str, start: datetime, end: datetime) -> list[TimeOff]:
    stmt = select(TimeOff).where(TimeOff.expert_id == expert_id, TimeOff.starts_at < end, TimeOff.ends_at > start)
    return list((await session.scalars(stmt)).all())


async def expert_bookings_between(session: AsyncSession, expert_id: str, start: datetime,
                                  end: datetime) -> list[Booking]:
    """The expert's visits that hold their time and touch [start, end) (for travel buffers and free slots):
    every visit but a cancelled one or a no-show, whose slot claims are released. A visit that took place
    (reported, acknowledged) keeps its claims, so offering its time would only end in SLOT_TAKEN."""
    stmt = select(Booking).where(
        Booking.expert_id == expert_id, Booking.start < end, Booking.end > start,
        Booking.status.not_in(("CANCELLED", "NO_SHOW")),
    ).order_by(Booking.start)
    return list((await session.scalars(stmt)).all())


async def claimed_units(session: AsyncSession, expert_id: str, units: Sequence[datetime]) -> list[datetime]:
    stmt = select(SlotClaim.unit_start).where(SlotClaim.expert_id == expert_id, SlotClaim.unit_start.in_(units))
    return list((await session.scalars(stmt)).all())


async def release_claims(session: AsyncSession, booking_id: str) -> None:
    await session.execute(delete(SlotClaim).where(SlotClaim.booking_id == booking_id))


# ---------------------------------------------------------------- bookings


def bookings_query(principal: Principal, *, ids: Sequence[str] = (), status: str | None = None,
                   enterprise_id: str | None = None, policy_id: str | None = None,
                   agency_id: str | None = None, expert_id: str | None = None,
                   flagged: bool | None = None, policy_ids: Sequence[str] = ()) -> Select[Any]:
    stmt = select(Booking).where(booking_scope(principal))
    if ids:
        stmt = stmt.where(Booking.id.in_(ids))
    if policy_ids:
        stmt = stmt.where(Booking.policy_id.in_(policy_ids))
    for column, value in ((Booking.status, status), (Booking.enterprise_id, enterprise_id),
                          (Booking.policy_id, policy_id), (Booking.agency_id, agency_id),
                          (Booking.expert_id, expert_id)):
        if value:
            stmt = stmt.where(column == value)
    if flagged is not None:
        stmt = stmt.where(Booking.flag.is_not(None) if flagged else Booking.flag.is_(None))
    return stmt


async def get_booking(session: AsyncSession, booking_id: str, *, for_update: bool = False) -> Booking | None:
    if for_update:
        stmt = select(Booking).where(Booking.id == booking_id).with_for_update()
        return (await session.scalars(stmt)).one_or_none()
    return await session.get(Booking, booking_id)


async def future_bookings(session: AsyncSession, *, now: datetime, agency_id: str | None = None,
                          policy_id: str | None = None) -> list[Booking]:
    stmt = select(Booking).where(Booking.start > now, Booking.status.in_(("REQUESTED", "CONFIRMED")))
    if agency_id:
        stmt = stmt.where(Booking.agency_id == agency_id)
    if policy_id:
        stmt = stmt.where(Booking.policy_id == policy_id)
    return list((await session.scalars(stmt)).all())


async def reports_of(session: AsyncSession, booking_id: str) -> list[VisitReport]:
    stmt = select(VisitReport).where(VisitReport.booking_id == booking_id).order_by(VisitReport.id)
    return list((await session.scalars(stmt)).all())


# ---------------------------------------------------------------- photos


async def photos(session: AsyncSession, photo_ids: Sequence[str]) -> list[Photo]:
    return list((await session.scalars(select(Photo).where(Photo.id.in_(photo_ids)))).all())


async def cite_photos(session: AsyncSession, photo_ids: Sequence[str], hazard_id: str) -> None:
    """A photo belongs to the first hazard that cites it; from then on it is seen by who sees the hazard."""
    if photo_ids:
        await session.execute(update(Photo).where(Photo.id.in_(photo_ids), Photo.hazard_id.is_(None))
                              .values(hazard_id=hazard_id).execution_options(synchronize_session=False))


# ---------------------------------------------------------------- hazards


def hazards_query(principal: Principal, *, ids: Sequence[str] = (), booking_ids: Sequence[str] = (),
                  status: str | None = None, grade: str | None = None, enterprise_id: str | None = None,
                  agency_id: str | None = None, policy_id: str | None = None) -> Select[Any]:
    stmt = select(Hazard).where(hazard_scope(principal))
    if ids:
        stmt = stmt.where(Hazard.id.in_(ids))
    if booking_ids:
        stmt = stmt.where(Hazard.booking_id.in_(booking_ids))
    for column, value in ((Hazard.status, status), (Hazard.grade, grade), (Hazard.enterprise_id, enterprise_id),
                          (Hazard.agency_id, agency_id), (Hazard.policy_id, policy_id)):
        if value:
            stmt = stmt.where(column == value)
    return stmt


async def get_hazard(session: AsyncSession, hazard_id: str, *, for_update: bool = False) -> Hazard | None:
    if for_update:
        stmt = select(Hazard).where(Hazard.id == hazard_id).with_for_update()
        return (await session.scalars(stmt)).one_or_none()
    return await session.get(Hazard, hazard_id)


async def hazards_of_booking(session: AsyncSession, booking_id: str) -> list[Hazard]:
    stmt = select(Hazard).where(Hazard.booking_id == booking_id).order_by(Hazard.id)
    return list((await session.scalars(stmt)).all())


async def hazards_past_deadline(session: AsyncSession, today: date) -> list[Hazard]:
    """Hazards whose deadline (a local date) has passed and that are still open."""
    stmt = select(Hazard).where(Hazard.deadline < today, Hazard.status == "OPEN").with_for_update(skip_locked=True)
    return list((await session.scalars(stmt)).all())


async def hazard_actions(session: AsyncSession, hazard_id: str) -> list[HazardAction]:
    stmt = select(HazardAction).where(HazardAction.hazard_id == hazard_id).order_by(HazardAction.id)
    return list((await session.scalars(stmt)).all())


# ---------------------------------------------------------------- the exposure board


def exposure_cases_query(*, town_code: str | None = None, withdrawn: bool = False,
                         principal: Principal | None = None) -> Select[Any]:
    """Live cases (or withdrawn ones), newest first by id; ``town_code`` matches by prefix, so a city code lists
    its towns. Withdrawn cases are held to the ``principal``'s region (none at all without one: fail closed)."""
    stmt = select(ExposureCase).where(ExposureCase.withdrawn_at.is_not(None) if withdrawn
                                      else ExposureCase.withdrawn_at.is_(None))
    if town_code:
        stmt = stmt.where(ExposureCase.town_code.startswith(town_code))
    if withdrawn:
        stmt = stmt.where(scope.region_filter(principal, ExposureCase.town_code))
    return stmt


async def get_exposure_case(session: AsyncSession, case_id: str, *, for_update: bool = False) -> ExposureCase | None:
    if for_update:
        stmt = select(ExposureCase).where(ExposureCase.id == case_id).with_for_update()
        return (await session.scalars(stmt)).one_or_none()
    return await session.get(ExposureCase, case_id)


async def live_case_of_hazard(session: AsyncSession, hazard_id: str) -> ExposureCase | None:
    return (await session.scalars(select(ExposureCase).where(ExposureCase.live_hazard_id == hazard_id))).one_or_none()


# ---------------------------------------------------------------- the annual evaluation report


async def ledgers_of_firm_in(session: AsyncSession, enterprise_id: str, start: date, end: date) -> list[PolicyLedger]:
    """The firm's policies whose term overlaps [start, end]."""
    stmt = select(PolicyLedger).where(
        PolicyLedger.enterprise_id == enterprise_id,
        (PolicyLedger.start_date.is_(None)) | (PolicyLedger.start_date <= end),
        (PolicyLedger.end_date.is_(None)) | (PolicyLedger.end_date >= start)).order_by(PolicyLedger.start_date)
    return list((await session.scalars(stmt)).all())


async def plans_of(session: AsyncSession, policy_ids: Sequence[str]) -> list[ServicePlan]:
    if not policy_ids:
        return []
    stmt = select(ServicePlan).where(ServicePlan.policy_id.in_(list(policy_ids))).order_by(ServicePlan.policy_id)
    return list((await session.scalars(stmt)).all())


async def visits_of_firm_between(session: AsyncSession, enterprise_id: str, start: datetime,
                                 end: datetime) -> list[Booking]:
    """The firm's visits starting in [start, end), cancelled ones left out."""
    stmt = select(Booking).where(Booking.enterprise_id == enterprise_id, Booking.start >= start, Booking.start < end,
                                 Booking.status != "CANCELLED").order_by(Booking.start)
    return list((await session.scalars(stmt)).all())


async def hazards_of_bookings(session: AsyncSession, booking_ids: Sequence[str]) -> list[Hazard]:
    if not booking_ids:
        return []
    stmt = select(Hazard).where(Hazard.booking_id.in_(list(booking_ids))).order_by(Hazard.id)
    return list((await session.scalars(stmt)).all())


# ---------------------------------------------------------------- the firm's AQ 9010 file


async def ledgers_of_firm(session: AsyncSession, enterprise_id: str) -> list[PolicyLedger]:
    """Every policy bookings learnt for the firm, oldest first."""
    stmt = (select(PolicyLedger).where(PolicyLedger.enterprise_id == enterprise_id)
            .order_by(PolicyLedger.start_date, PolicyLedger.policy_id))
    return list((await session.scalars(stmt)).all())


async def bookings_of_firm(session: AsyncSession, enterprise_id: str) -> list[Booking]:
    stmt = select(Booking).where(Booking.enterprise_id == enterprise_id).order_by(Booking.start, Booking.id)
    return list((await session.scalars(stmt)).all())
