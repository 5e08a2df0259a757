"""Reviews of agencies by firms (served by the providers service): the types, the query and the mutations.
Who may do what is the service's rule: the firm of a booking whose visit report it acknowledged reviews it
once; the agency reviewed replies once; anyone reads an approved agency's reviews, the visit reviewed being shown
only to those involved (the firm, the agency) and the bureau. The service keeps no firm name with a review.

Not to be confused with ``reviewAgency``, the bureau's vetting decision on an agency."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.common import (
    Connection,
    OperationError,
    connection,
    page_params,
    returns_operation_error,
    to_datetime,
)
from gateway.context import Info
from services.kernel.auth import Role
from services.kernel.errors import ProblemError

if TYPE_CHECKING:
    from gateway.bookings.types import Booking

REVIEW_TEXT_MAX = 2000


@strawberry.type(description="A firm's review of one acknowledged visit by an agency, and the agency's one reply.")
class Review:
    id: strawberry.ID
    agency_id: strawberry.ID
    booking_id: strawberry.ID | None = strawberry.field(description="the visit reviewed; null for callers not "
                                                         "involved (the public, other firms)")
    rating: int = strawberry.field(description="1 to 5 stars")
    text: str
    created_at: datetime
    reply: str | None = strawberry.field(default=None, description="the agency's reply, once given")
    replied_at: datetime | None = None

    @strawberry.field(description="The visit reviewed; null when the caller may not see it (the public, other "
                      "firms) or the bookings service does not answer.")
    async def booking(self, info: Info) -> Annotated[Booking, strawberry.lazy("gateway.bookings.types")] | None:
        from gateway.bookings.types import Booking

        if self.booking_id is None:
            return None
        row = await info.context.loaders.booking.load(str(self.booking_id))
        return Booking.from_api(row) if row else None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Review:
        return cls(id=strawberry.ID(row["id"]), agency_id=strawberry.ID(row["agency_id"]),
                   booking_id=strawberry.ID(row["booking_id"]) if row.get("booking_id") else None,
                   rating=int(row["stars"]),
                   text=row.get("text") or "", created_at=to_datetime(row["created_at"]),
                   reply=row.get("reply"),
                   replied_at=to_datetime(row["replied_at"]) if row.get("replied_at") else None)


@strawberry.input
class ReviewInput:
    rating: int = strawberry.field(description="1 to 5 stars")
    text: str = ""


ReviewResult = Annotated[Review | OperationError, strawberry.union("ReviewResult")]


@strawberry.type
class ReviewsQuery:
    @strawberry.field(description="Reviews (newest first) of an approved agency, for anyone (firms choose an "
                      "agency by them); the review of one visit, for its own firm.")
    async def reviews(self, info: Info, agency_id: strawberry.ID | None = None,
                      booking_id: strawberry.ID | None = None, first: int | None = 20,
                      after: str | None = None) -> Connection[Review]:
        params = {**page_params(first, after), "agency_id": str(agency_id) if agency_id else None,
                  "booking_id": str(booking_id) if booking_id else None}
        return connection(await info.context.providers.reviews(params), Review.from_api)


@strawberry.type
class ReviewsMutation:
    @strawberry.mutation(description="The firm reviews a visit whose report it acknowledged (1 to 5 stars, a text "
                         "of up to 2000 characters), once per visit. Codes: VALIDATION (field rating or text), "
                         "INVALID_STATE (not acknowledged yet), FORBIDDEN (another firm's visit), CONFLICT (reviewed "
                         "already). Not the bureau's `reviewAgency`.")
    @returns_operation_error
    async def review_visit(self, info: Info, booking_id: strawberry.ID, input: ReviewInput,
                           idempotency_key: str | None = None) -> ReviewResult:
        info.context.require(Role.ENTERPRISE)
        if not 1 <= input.rating <= 5:
            raise ProblemError("the rating is 1 to 5 stars", code="VALIDATION", status=422, field="rating")
        if len(input.text.strip()) > REVIEW_TEXT_MAX:
            raise ProblemError(f"the text is at most {REVIEW_TEXT_MAX} characters", code="VALIDATION",
                               status=422, field="text")
        row = await info.context.providers.review_visit(
            {"booking_id": str(booking_id), "stars": input.rating, "text": input.text}, idempotency_key)
        return Review.from_api(row)

    @strawberry.mutation(description="The agency reviewed replies, once. Codes: VALIDATION (field text), "
                         "FORBIDDEN (another agency's review), NOT_FOUND, CONFLICT (replied already).")
    @returns_operation_error
    async def reply_to_review(self, info: Info, review_id: strawberry.ID, text: str) -> ReviewResult:
        info.context.require(Role.AGENCY)
        return Review.from_api(await info.context.providers.reply_to_review(str(review_id), text))
