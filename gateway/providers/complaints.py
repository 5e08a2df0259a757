"""Complaints about agencies on the AQ 9010 clock (served by the providers service): the types, the queries
and the mutations. Who may do what is the service's rule: a firm files and reads its own; the agency
complained about reads, answers, records a fact check or extends once; the bureau of the region reads,
records a fact check or extends."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.common import (
    Connection,
    OperationError,
    connection,
    enum_value,
    page_params,
    returns_operation_error,
    to_date,
    to_datetime,
    unless_missing,
)
from gateway.context import Info
from gateway.providers.types import Agency
from services.kernel.auth import Role
from services.kernel.errors import ValidationProblem

if TYPE_CHECKING:
    from gateway.bookings.types import Booking
    from gateway.enterprises.types import Enterprise


@strawberry.enum
class ComplaintStatus(enum.Enum):
    OPEN = "OPEN"
    ANSWERED = "ANSWERED"


@strawberry.type(description="The agency's answer (AQ 9010): the request, the facts found, the basis, the "
                 "measures taken.")
class ComplaintAnswer:
    request: str
    facts: str
    basis: str
    measures: str
    answered_at: datetime
    late: bool = strawberry.field(description="answered after the due date")


@strawberry.type(description="A remark on a complaint by the insurer that funds the services, or the bureau.")
class ComplaintComment:
    id: strawberry.ID
    author_role: str = strawberry.field(description="insurer or bureau")
    author_org: str | None
    text: str
    created_at: datetime

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> ComplaintComment:
        return cls(id=strawberry.ID(row["id"]), author_role=row.get("author_role") or "",
                   author_org=row.get("author_org"), text=row.get("text") or "",
                   created_at=to_datetime(row["created_at"]))


@strawberry.type(description="A firm's complaint about an agency, optionally about one visit.")
class Complaint:
    id: strawberry.ID
    subject: str
    description: str
    status: ComplaintStatus
    town_code: str
    received_on: date
    due_on: date = strawberry.field(description="10 working days after receipt, 30 while facts are checked, "
                                    "plus the one extension, which is counted in calendar days")
    overdue: bool = strawberry.field(description="open and past its due date")
    fact_check: bool = False
    fact_check_reason: str | None = None
    extension_days: int | None = strawberry.field(default=None, description="the one extension, in calendar days "
                                                  "(at most 30)")
    extension_reason: str | None = None
    answer: ComplaintAnswer | None = None
    created_at: datetime | None = None
    agency_id: strawberry.Private[str] = ""
    enterprise_id: strawberry.Private[str] = ""
    booking_id: strawberry.Private[str | None] = None

    @strawberry.field(description="Remarks of the insurer that funds the services (and of the bureau), oldest "
                      "first; they decide nothing. One providers call per complaint: ask it of one complaint.")
    async def comments(self, info: Info) -> list[ComplaintComment]:
        return [ComplaintComment.from_api(r) for r in await info.context.providers.complaint_comments(str(self.id))]

    @strawberry.field(description="The agency complained about; null when providers does not answer.")
    async def agency(self, info: Info) -> Agency | None:
        row = await info.context.loaders.agency.load(self.agency_id)
        return Agency.from_api(row) if row else None

    @strawberry.field(description="The firm that complained; null when the caller may not read the firm (an "
                      "agency reads only the firms of its bookings) or the policy service does not answer.")
    async def enterprise(
        self, info: Info
    ) -> Annotated[Enterprise, strawberry.lazy("gateway.enterprises.types")] | None:
        from gateway.enterprises.types import Enterprise

        row = await info.context.loaders.enterprise.load(self.enterprise_id)
        return Enterprise.from_api(row) if row else None

    @strawberry.field(description="The visit complained about, if any; null when the bookings service does not "
                      "answer or the caller may not see it.")
    async def booking(self, info: Info) -> Annotated[Booking, strawberry.lazy("gateway.bookings.types")] | None:
        from gateway.bookings.types import Booking

        if not self.booking_id:
            return None
        row = await info.context.loaders.booking.load(self.booking_id)
        return Booking.from_api(row) if row else None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Complaint:
        answer = None
        if row.get("answered_at"):
            answer = ComplaintAnswer(request=row.get("answer_request") or "", facts=row.get("answer_facts") or "",
                                     basis=row.get("answer_basis") or "", measures=row.get("answer_measures") or "",
                                     answered_at=to_datetime(row["answered_at"]), late=bool(row.get("answered_late")))
        return cls(id=strawberry.ID(row["id"]), subject=row.get("subject") or "",
                   description=row.get("description") or "",
                   status=enum_value(ComplaintStatus, row.get("status"), ComplaintStatus.OPEN),
                   town_code=row.get("town_code") or "", received_on=to_date(row["received_on"]),
                   due_on=to_date(row["due_on"]), overdue=bool(row.get("overdue")),
                   fact_check=bool(row.get("fact_check")), fact_check_reason=row.get("fact_check_reason"),
                   extension_days=row.get("extension_days"), extension_reason=row.get("extension_reason"),
                   answer=answer, created_at=to_datetime(row["created_at"]) if row.get("created_at") else None,
                   agency_id=row.get("agency_id") or "", enterprise_id=row.get("enterprise_id") or "",
                   booking_id=row.get("booking_id"))


@strawberry.input
class ComplaintFilter:
    status: ComplaintStatus | None = None
    overdue: bool | None = strawberry.field(default=None, description="only open complaints past their due date")
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="for the bureau and admin; an agency always sees its own")


@strawberry.input
class ComplaintInput:
    agency_id: strawberry.ID
    subject: str
    description: str
    booking_id: strawberry.ID | None = strawberry.field(default=None, description="the visit complained about")
    town_code: str | None = strawberry.field(default=None, description="optional: the firm's registered town, "
                                             "which is always the one used (the bureau of that town follows the "
                                             "complaint); any other town is refused (VALIDATION)")


@strawberry.input
class ComplaintAnswerInput:
    request: str
    facts: str
    basis: str
    measures: str


async def _own_town(info: Info, enterprise_id: str | None) -> str | None:
    """The firm's town, so that the bureau of the firm's region follows its complaint (the providers service
    would otherwise take the agency's first town). A policy service that does not answer stops the filing."""
    if not enterprise_id:
        return None
    row = await info.context.loaders.enterprise.load(enterprise_id)
    return (row or {}).get("town_code") or None


ComplaintResult = Annotated[Complaint | OperationError, strawberry.union("ComplaintResult")]
ComplaintCommentResult = Annotated[ComplaintComment | OperationError, strawberry.union("ComplaintCommentResult")]


@strawberry.type
class ComplaintsQuery:
    @strawberry.field(description="Complaints the caller may see: a firm its own, an agency those about it, the "
                      "bureau those of its region, an insurer those about an agency of its panel from a firm on its "
                      "book (oldest first).")
    async def complaints(self, info: Info, filter: ComplaintFilter | None = None, first: int | None = 50,
                         after: str | None = None) -> Connection[Complaint]:
        info.context.require(Role.ENTERPRISE, Role.AGENCY, Role.BUREAU, Role.INSURER)
        f = filter or ComplaintFilter()
        params = {**page_params(first, after), "status": f.status.value if f.status else None,
                  "overdue": True if f.overdue else None, "agency_id": str(f.agency_id) if f.agency_id else None}
        return connection(await info.context.providers.complaints(params), Complaint.from_api)

    @strawberry.field
    async def complaint(self, info: Info, id: strawberry.ID) -> Complaint | None:
        info.context.require(Role.ENTERPRISE, Role.AGENCY, Role.BUREAU, Role.INSURER)
        row = await unless_missing(info.context.providers.complaint(str(id)))
        return Complaint.from_api(row) if row else None


@strawberry.type
class ComplaintsMutation:
    @strawberry.mutation(description="A firm complains about an agency (or one of its visits); the answer is "
                         "due 10 working days after today.")
    @returns_operation_error
    async def file_complaint(self, info: Info, input: ComplaintInput,
                             idempotency_key: str | None = None) -> ComplaintResult:
        principal = info.context.require(Role.ENTERPRISE)
        if input.town_code is not None and input.town_code != await _own_town(info, principal.org):
            raise ValidationProblem("a complaint goes to the bureau of the firm's registered town; the firm does "
                                    "not choose it", field="townCode")
        row = await info.context.providers.file_complaint({  # providers decides the town itself
            "agency_id": str(input.agency_id), "booking_id": str(input.booking_id) if input.booking_id else None,
            "subject": input.subject, "description": input.description},
            idempotency_key)
        return Complaint.from_api(row)

    @strawberry.mutation(description="The insurer that funds the services (or the bureau) remarks on a complaint it "
                         "may read; the clock and the answer stay the agency's and the bureau's.")
    @returns_operation_error
    async def comment_on_complaint(self, info: Info, complaint_id: strawberry.ID,
                                   text: str) -> ComplaintCommentResult:
        info.context.require(Role.INSURER, Role.BUREAU)
        return ComplaintComment.from_api(await info.context.providers.comment_on_complaint(str(complaint_id), text))

    @strawberry.mutation(description="Facts must be checked (the agency or the bureau, with a reason): the answer "
                         "is due 30 working days after receipt.")
    @returns_operation_error
    async def require_complaint_fact_check(self, info: Info, complaint_id: strawberry.ID,
                                           reason: str) -> ComplaintResult:
        info.context.require(Role.AGENCY, Role.BUREAU)
        return Complaint.from_api(await info.context.providers.require_fact_check(str(complaint_id), reason))

    @strawberry.mutation(description="Extend the deadline once, by 1 to 30 calendar days, with a reason (the agency "
                         "or the bureau).")
    @returns_operation_error
    async def extend_complaint_deadline(self, info: Info, complaint_id: strawberry.ID, days: int,
                                        reason: str) -> ComplaintResult:
        info.context.require(Role.AGENCY, Role.BUREAU)
        return Complaint.from_api(await info.context.providers.extend_complaint(str(complaint_id), days, reason))

    @strawberry.mutation(description="The agency complained about answers: request, facts found, basis, measures.")
    @returns_operation_error
    async def answer_complaint(self, info: Info, complaint_id: strawberry.ID,
                               input: ComplaintAnswerInput) -> ComplaintResult:
        info.context.require(Role.AGENCY)
        return Complaint.from_api(await info.context.providers.answer_complaint(str(complaint_id), {
            "request": input.request, "facts": input.facts, "basis": input.basis, "measures": input.measures}))
