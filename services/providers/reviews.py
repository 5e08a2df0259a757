"""Reviews: by the firm of a booking whose visit report it acknowledged, one per booking, one agency reply."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import utcnow
from services.kernel.errors import Conflict, Forbidden, InvalidState, NotFound
from services.kernel.events import record_event
from services.kernel.ids import new_id
from services.providers import repository as repo
from services.providers import repository_feedback as feedback
from services.providers.models import Agency, Outbox, Review
from services.providers.schemas_feedback import ReviewIn
from services.providers.service import require_own_agency


async def post_review(session: AsyncSession, *, data: ReviewIn, principal: Principal) -> Review:
    visit = await feedback.get_visit(session, data.booking_id)
    if visit is None or visit.acknowledged_at is None:
        raise InvalidState("a review is possible once the firm has acknowledged the visit report",
                           field="booking_id")
    if principal.role is not Role.ADMIN and visit.enterprise_id != principal.org:
        raise Forbidden("only the firm of the booking may review it")
    if await feedback.review_of_booking(session, data.booking_id) is not None:
        raise Conflict("this booking has been reviewed already", field="booking_id")
    agency = await repo.get_agency(session, visit.agency_id)
    if agency is None:
        raise NotFound("the agency of this booking is not known here")
    review = Review(id=new_id("rev"), booking_id=visit.booking_id, agency_id=agency.id,
                    enterprise_id=visit.enterprise_id, stars=data.stars, text=data.text, created_at=utcnow())
    session.add(review)
    # SQL-side increments: two reviews of one agency at once both count.
    agency.rating_sum = Agency.rating_sum + data.stars  # type: ignore[assignment]
    agency.rating_count = Agency.rating_count + 1  # type: ignore[assignment]
    await session.flush()
    await session.refresh(agency)
    record_event(session, Outbox, "providers.review.posted", {
        "review_id": review.id, "booking_id": review.booking_id, "agency_id": agency.id,
        "enterprise_id": review.enterprise_id, "stars": review.stars, "rating": agency.rating,
        "rating_count": agency.rating_count})
    return review


async def reply(session: AsyncSession, *, review_id: str, text: str, principal: Principal) -> Review:
    review = await feedback.get_review(session, review_id)
    if review is None:
        raise NotFound(f"no review {review_id}")
    agency = await repo.get_agency(session, review.agency_id)
    assert agency is not None
    require_own_agency(principal, agency)
    if review.reply is not None:
        raise Conflict("the agency has replied to this review already; one reply only")
    review.reply = text
    review.replied_at = utcnow()
    await session.flush()
    return review
