"""The exposure board (曝光台): the bureau publishes a case citing a MAJOR hazard whose firm failed its duty
(the deadline passed, or the rectification was rejected and not redone), and withdraws it with a reason;
anyone reads the live cases."""

from __future__ import annotations

import os

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import repository
from services.bookings.context import BookingContext
from services.bookings.errors import ExposureCaseExists, NotPublishable
from services.bookings.events import EXPOSURE_PUBLISHED, EXPOSURE_WITHDRAWN, exposure_event
from services.bookings.models import ExposureCase, Hazard
from services.bookings.schemas import ExposureCaseIn, WithdrawalIn
from services.kernel.auth import Principal, Role
from services.kernel.errors import Forbidden, InvalidState, NotFound, ValidationProblem
from services.kernel.ids import new_id


def publishable(hazard: Hazard) -> str | None:
    """Why the hazard may be exposed, or None. The rule: a MAJOR hazard that is OVERDUE (its deadline passed
    with no rectification submitted), or whose rectification the verifying expert rejected and the firm has
    not submitted again (OPEN with a rejection). A general hazard, one being rectified or a closed one is not."""
    if hazard.grade != "MAJOR":
        return None
    if hazard.status == "OVERDUE":
        return "OVERDUE"
    if hazard.status == "OPEN" and hazard.rejection_reason:
        return "RECTIFICATION_REJECTED"
    return None


def _the_bureau(principal: Principal, town_code: str | None, what: str) -> None:
    """Publishing and withdrawing are the bureau's acts, within its own region (codes nest by prefix)."""
    if principal.role is not Role.BUREAU:
        raise Forbidden(f"{what} is done by the bureau")
    if not principal.in_region(town_code):
        raise Forbidden(f"{what} is for firms of the bureau's own region")


def _number(ctx: BookingContext) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    tail = "".join(alphabet[b % 32] for b in os.urandom(5))
    return f"BG{ctx.calendar.local_date(ctx.now()):%Y%m%d}{tail}"


async def publish(*, ctx: BookingContext, session: AsyncSession, principal: Principal,
                  data: ExposureCaseIn) -> ExposureCase:
    hazard = await repository.get_hazard(session, data.hazard_id, for_update=True)
    if hazard is None:
        raise ValidationProblem(f"no hazard {data.hazard_id}", field="hazard_id")
    _the_bureau(principal, hazard.town_code, "publishing a case")
    if not principal.in_region(data.town_code):
        raise ValidationProblem("the firm's town is outside the bureau's region", field="town_code")
    if publishable(hazard) is None:
        raise NotPublishable("only a MAJOR hazard past its deadline, or whose rectification was rejected and not "
                             f"redone, can be exposed; this one is {hazard.grade} and {hazard.status}",
                             field="hazard_id")
    if await repository.live_case_of_hazard(session, hazard.id) is not None:
        raise ExposureCaseExists("this hazard already has a published case; withdraw it first", field="hazard_id")
    now = ctx.now()
    case = ExposureCase(
        id=new_id("exp"), number=_number(ctx), hazard_id=hazard.id, live_hazard_id=hazard.id,
        enterprise_id=hazard.enterprise_id, enterprise_name=data.enterprise_name, town_code=data.town_code,
        title=data.title, summary=data.summary, hazard_grade=hazard.grade, hazard_description=hazard.description,
        hazard_location=hazard.location, hazard_deadline=hazard.deadline, hazard_status=hazard.status,
        hazard_found_at=hazard.created_at, rejection_reason=hazard.rejection_reason, published_by=principal.sub,
        published_at=now)
    session.add(case)
    try:
        await session.flush()
    except IntegrityError as exc:  # another request published a case for the hazard at the same moment
        raise ExposureCaseExists("this hazard already has a published case; withdraw it first",
                                 field="hazard_id") from exc
    exposure_event(session, EXPOSURE_PUBLISHED, case, reason=publishable(hazard))
    await session.flush()
    return case


async def withdraw(*, ctx: BookingContext, session: AsyncSession, principal: Principal, case_id: str,
                   data: WithdrawalIn) -> ExposureCase:
    case = await repository.get_exposure_case(session, case_id, for_update=True)
    if case is None:
        raise NotFound(f"no exposure case {case_id}")
    _the_bureau(principal, case.town_code, "withdrawing a case")
    if case.withdrawn_at is not None:
        raise InvalidState("this case is already withdrawn")
    now = ctx.now()
    case.withdrawn_at, case.withdrawn_by, case.withdraw_reason = now, principal.sub, data.reason
    case.live_hazard_id = None
    exposure_event(session, EXPOSURE_WITHDRAWN, case, withdrawn_at=now.isoformat(), reason=data.reason)
    await session.flush()
    return case


async def get_public(*, session: AsyncSession, principal: Principal | None, case_id: str) -> ExposureCase:
    """A live case for anyone; a withdrawn one only for the bureau of its region (NOT_FOUND to everyone else,
    so a withdrawn case does not stay readable by its address)."""
    case = await repository.get_exposure_case(session, case_id)
    if case is None:
        raise NotFound(f"no exposure case {case_id}")
    if case.withdrawn_at is not None and not sees_withdrawn(principal, case.town_code):
        raise NotFound(f"no exposure case {case_id}")
    return case


def sees_withdrawn(principal: Principal | None, town_code: str | None) -> bool:
    return principal is not None and principal.role in (Role.BUREAU, Role.ADMIN) and principal.in_region(town_code)


def is_bureau(principal: Principal | None) -> bool:
    return principal is not None and principal.role in (Role.BUREAU, Role.ADMIN)
