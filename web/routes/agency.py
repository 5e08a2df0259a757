"""The agency coordinator's pages: incoming bookings to confirm (choosing the expert), the agency's visits and
hazards."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web import photos
from web.gateway import OperationError
from web.pages import CsrfChecked, mutate, query, read_form, redirect, render, require
from web.session import SessionUser

router = APIRouter(prefix="/agency", dependencies=[CsrfChecked])
Agency = Depends(require("AGENCY"))

BOOKINGS = """
query AgencyBookings($filter: BookingFilter, $after: String, $first: Int) {
  bookings(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id number status funding start priceFen
            offering { title serviceType } enterprise { id name townCode } expert { id name } }
  }
}"""

# whom each waiting visit may be given to: asked only on the tab of visits to confirm
REQUESTED = """
query AgencyRequested($filter: BookingFilter, $after: String, $first: Int) {
  bookings(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id number status funding start priceFen
            offering { title serviceType } enterprise { id name townCode } expert { id name }
            qualifiedExperts { id name } }
  }
}"""

CONFIRM = """
mutation Confirm($id: ID!, $expert: ID) {
  confirmBooking(bookingId: $id, expertId: $expert) { __typename ... on Booking { id status }
    ... on OperationError { code message field } }
}"""

HAZARDS = """
query AgencyHazards($filter: HazardFilter, $after: String, $first: Int) {
  hazards(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id grade description status deadline booking { id number enterprise { name } } }
  }
}"""


async def _bookings_page(request: Request, user: SessionUser, status: str, after: str = "",
                         error: OperationError | None = None, error_booking: str = "") -> Response:
    document = REQUESTED if status == "REQUESTED" else BOOKINGS
    data = (await query(request, document, {"filter": {"agencyId": user.org_id, "status": status or None},
                                            "after": after or None,
                                            "first": request.app.state.settings.page_size})).data
    return render(request, "agency/bookings.html", {"bookings": data.get("bookings"), "status": status,
                                                    "error": error, "error_booking": error_booking},
                  status_code=400 if error else 200)


@router.get("")
async def bookings(request: Request, user: SessionUser = Agency, status: str = "REQUESTED", after: str = ""
                   ) -> Response:
    return await _bookings_page(request, user, status, after)


@router.post("/bookings/{booking_id}/confirm")
async def confirm(request: Request, booking_id: str, user: SessionUser = Agency) -> Response:
    form = await read_form(request)
    # empty: as today, the expert the booking already has (or the service's pick)
    expert = form.value("expert_id") or None
    _, error = await mutate(request, CONFIRM, {"id": booking_id, "expert": expert}, "confirmBooking")
    if error is not None:
        return await _bookings_page(request, user, "REQUESTED", error=error, error_booking=booking_id)
    return redirect("/agency", "booking_confirmed")


@router.get("/hazards")
async def hazards(request: Request, user: SessionUser = Agency, status: str = "", after: str = "") -> Response:
    data = (await query(request, HAZARDS, {"filter": {"agencyId": user.org_id, "status": status or None},
                                           "after": after or None,
                                           "first": request.app.state.settings.page_size})).data
    return render(request, "agency/hazards.html", {"hazards": data.get("hazards"), "status": status})


@router.get("/hazards/{hazard_id}")
async def hazard_page(request: Request, hazard_id: str, user: SessionUser = Agency) -> Response:
    return await photos.hazard_page(request, hazard_id, back="/agency/hazards")
