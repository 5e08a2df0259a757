"""The agency coordinator's pages: incoming bookings to confirm, the agency's visits and hazards."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.pages import CsrfChecked, mutate, not_found, query, redirect, render, require
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

CONFIRM = """
mutation Confirm($id: ID!) {
  confirmBooking(bookingId: $id) { __typename ... on Booking { id status }
    ... on OperationError { code message field } }
}"""

HAZARDS = """
query AgencyHazards($filter: HazardFilter, $after: String, $first: Int) {
  hazards(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id grade description status deadline booking { id number enterprise { name } } }
  }
}"""


@router.get("")
async def bookings(request: Request, user: SessionUser = Agency, status: str = "REQUESTED", after: str = ""
                   ) -> Response:
    data = (await query(request, BOOKINGS, {"filter": {"agencyId": user.org_id, "status": status or None},
                                            "after": after or None,
                                            "first": request.app.state.settings.page_size})).data
    return render(request, "agency/bookings.html", {"bookings": data.get("bookings"), "status": status,
                                                    "error": None})


@router.post("/bookings/{booking_id}/confirm")
async def confirm(request: Request, booking_id: str, user: SessionUser = Agency) -> Response:
    _, error = await mutate(request, CONFIRM, {"id": booking_id}, "confirmBooking")
    if error is not None:
        data = (await query(request, BOOKINGS, {"filter": {"agencyId": user.org_id, "status": "REQUESTED"},
                                                "first": request.app.state.settings.page_size})).data
        return render(request, "agency/bookings.html", {"bookings": data.get("bookings"), "status": "REQUESTED",
                                                        "error": error}, status_code=400)
    return redirect("/agency", "booking_confirmed")


@router.get("/hazards")
async def hazards(request: Request, user: SessionUser = Agency, status: str = "", after: str = "") -> Response:
    data = (await query(request, HAZARDS, {"filter": {"agencyId": user.org_id, "status": status or None},
                                           "after": after or None,
                                           "first": request.app.state.settings.page_size})).data
    return render(request, "agency/hazards.html", {"hazards": data.get("hazards"), "status": status})


HAZARD = """
query Hazard($id: ID!) {
  hazard(id: $id) { id grade description status deadline location closedAt photoIds
    history { kind description photoIds createdAt }
    booking { id number start enterprise { name } agency { name } } }
}"""


@router.get("/hazards/{hazard_id}")
async def hazard_page(request: Request, hazard_id: str, user: SessionUser = Agency) -> Response:
    """One hazard with the expert's photos and the firm's rectifications (the service decides who sees it)."""
    hazard = (await query(request, HAZARD, {"id": hazard_id})).data.get("hazard")
    if hazard is None:
        return not_found(request)
    return render(request, "hazard_view.html", {"hazard": hazard, "back": "/agency/hazards"})
