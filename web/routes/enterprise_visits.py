"""The firm's prevention pages: find an agency's service and book a visit with a slot picker, my visits
and their records, acknowledging a record, reviewing the visit, my hazards and submitting a rectification."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.kernel import clock
from web import photos
from web.i18n import SHANGHAI
from web.pages import (
    CsrfChecked,
    Form,
    forbidden,
    mutate,
    not_found,
    owned,
    query,
    read_form,
    redirect,
    region_names,
    render,
    require,
)
from web.session import SessionUser

router = APIRouter(prefix="/firm", dependencies=[CsrfChecked])
Firm = Depends(require("ENTERPRISE"))

BOOKING_FIELDS = """id number status funding start end priceFen
  offering { id serviceType title durationMinutes }
  agency { id name contactPhone }
  enterprise { id name }
  policy { id number }
  expert { id name }"""
HAZARD_FIELDS = "id grade description status deadline location closedAt"

FIND = """
query Find($filter: AgencyFilter, $firm: ID!) {
  enterprise(id: $firm) { id townCode }
  agencies(filter: $filter, first: 50) {
    totalCount
    nodes { id name rating ratingCount bookable
            offerings { id serviceType title description priceFen durationMinutes bookable townCodes } }
  }
}"""

OFFERING = """
query Offering($id: ID!, $from: Date!, $to: Date!, $firm: ID!) {
  offering(id: $id) { id serviceType title description priceFen durationMinutes agency { id name } }
  availableSlots(offeringId: $id, from: $from, to: $to) { start end expertId }
  policies(filter: {enterpriseId: $firm, status: ACTIVE}, first: 10) {
    nodes { id number preventionAvailableFen insurer { name } }
  }
}"""

BOOK = f"""
mutation Book($input: BookVisitInput!, $key: String) {{
  bookVisit(input: $input, idempotencyKey: $key) {{
    __typename
    ... on Booking {{ {BOOKING_FIELDS} }}
    ... on OperationError {{ code message field }}
  }}
}}"""

VISITS = f"""
query Visits($filter: BookingFilter, $after: String, $first: Int) {{
  bookings(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ {BOOKING_FIELDS} }}
  }}
}}"""

VISIT = f"""
query Visit($id: ID!) {{
  booking(id: $id) {{ {BOOKING_FIELDS} hazards {{ {HAZARD_FIELDS} }} }}
}}"""

ACKNOWLEDGE = """
mutation Ack($id: ID!) {
  acknowledgeVisitReport(bookingId: $id) { __typename ... on Booking { id status }
    ... on OperationError { code message field } }
}"""

REVIEW_FIELDS = "id rating text createdAt reply repliedAt"
REVIEW_OF_VISIT = f"""
query ReviewOfVisit($id: ID!) {{ reviews(bookingId: $id, first: 1) {{ nodes {{ {REVIEW_FIELDS} }} }} }}"""

REVIEW_VISIT = f"""
mutation ReviewVisit($id: ID!, $input: ReviewInput!) {{
  reviewVisit(bookingId: $id, input: $input) {{ __typename ... on Review {{ {REVIEW_FIELDS} }}
    ... on OperationError {{ code message field }} }}
}}"""

HAZARDS = f"""
query Hazards($filter: HazardFilter, $after: String, $first: Int) {{
  hazards(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ {HAZARD_FIELDS} booking {{ id number enterprise {{ id name }} agency {{ name }} }} }}
  }}
}}"""

HAZARD = f"""
query Hazard($id: ID!) {{
  hazard(id: $id) {{ {HAZARD_FIELDS} photoIds history {{ kind description photoIds createdAt }}
    booking {{ id number start enterprise {{ id name }} agency {{ name }} expert {{ name }} }} }}
}}"""

RECTIFY = """
mutation Rectify($id: ID!, $input: RectificationInput!) {
  submitRectification(hazardId: $id, input: $input) { __typename ... on Hazard { id status }
    ... on OperationError { code message field } }
}"""


# ---------------------------------------------------------------- finding a service and booking it


@router.get("/book")
async def find_service(request: Request, user: SessionUser = Firm, service_type: str = "HAZARD_INSPECTION"
                       ) -> Response:
    firm = (await query(request, "query($id: ID!) { enterprise(id: $id) { townCode } }",
                        {"id": user.org_id})).data.get("enterprise") or {}
    town = firm.get("townCode")
    data = (await query(request, FIND, {"firm": user.org_id, "filter": {
        "serviceType": service_type or None, "townCode": town, "approvedOnly": True}})).data
    agencies = (data.get("agencies") or {}).get("nodes") or []
    offerings = [(agency, offering) for agency in agencies for offering in agency["offerings"]
                 if offering["bookable"] and (not service_type or offering["serviceType"] == service_type)
                 and (not town or town in offering["townCodes"])]
    return render(request, "enterprise/find.html", {
        "offerings": offerings, "service_type": service_type, "town": (await region_names(request)).get(town, "")})


def _week_start(text: str | None) -> date:
    today = clock.today()
    try:
        asked = date.fromisoformat(text) if text else today + timedelta(days=1)
    except ValueError:
        asked = today + timedelta(days=1)
    return max(asked, today + timedelta(days=1))


WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def slots_by_day(slots: list[dict[str, Any]]) -> OrderedDict[str, list[dict[str, Any]]]:
    """Free start times grouped by local day; one choice per start time (any free expert)."""
    days: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    seen: set[str] = set()
    for slot in sorted(slots, key=lambda s: s["start"]):
        if slot["start"] in seen:
            continue
        seen.add(slot["start"])
        local = datetime.fromisoformat(slot["start"]).astimezone(SHANGHAI)
        days.setdefault(local.strftime("%Y-%m-%d ") + WEEKDAYS[local.weekday()], []).append(
            {**slot, "time": local.strftime("%H:%M"), "value": f'{slot["start"]}|{slot["expertId"]}'})
    return days


async def _booking_page(request: Request, user: SessionUser, offering_id: str, form: Form,
                        week: str | None = None, status: int = 200) -> Response:
    start = _week_start(week)
    data = (await query(request, OFFERING, {"id": offering_id, "from": start.isoformat(),
                                            "to": (start + timedelta(days=6)).isoformat(),
                                            "firm": user.org_id})).data
    offering = data.get("offering")
    if offering is None:
        return not_found(request)
    policies = (data.get("policies") or {}).get("nodes") or []
    form.values.setdefault("funding", "INSURER" if policies else "SELF")
    if policies:
        form.values.setdefault("policy_id", policies[0]["id"])
    return render(request, "enterprise/book.html", {
        "offering": offering, "days": slots_by_day(data.get("availableSlots") or []), "policies": policies,
        "form": form, "week": start, "prev_week": start - timedelta(days=7), "next_week": start + timedelta(days=7),
        "today": clock.today(),
    }, status_code=status)


@router.get("/book/{offering_id}")
async def booking_form(request: Request, offering_id: str, user: SessionUser = Firm, week: str = "") -> Response:
    return await _booking_page(request, user, offering_id, Form(), week)


@router.post("/book/{offering_id}")
async def book(request: Request, offering_id: str, user: SessionUser = Firm) -> Response:
    form = await read_form(request)
    slot_start, _, expert_id = form.value("slot").partition("|")
    if not slot_start:
        form.add("slot", "请选择上门时间。")
    funding = form.value("funding")
    if funding not in ("INSURER", "SELF"):
        form.add("funding", "请选择费用来源。")
    if funding == "INSURER" and not form.value("policy_id"):
        form.add("policy_id", "使用预防服务经费须选择有效保单。")
    if not form.ok:
        return await _booking_page(request, user, offering_id, form, form.value("week"), 400)
    booking, error = await mutate(request, BOOK, {"input": {
        "offeringId": offering_id, "enterpriseId": user.org_id, "start": slot_start, "expertId": expert_id or None,
        "policyId": form.value("policy_id") if funding == "INSURER" else None, "funding": funding},
        "key": f"web:book:{user.org_id}:{offering_id}:{slot_start}"}, "bookVisit")
    if error is not None:
        if error.code == "SLOT_TAKEN":
            form.add("slot", "该时段刚被预约，请另选时间。")
        else:
            form.from_operation_error(error, {"policyId": "policy_id", "start": "slot", "expertId": "slot"})
        return await _booking_page(request, user, offering_id, form, form.value("week"), 400)
    return redirect(f"/firm/visits/{booking['id']}", "booked")


# ---------------------------------------------------------------- visits


@router.get("/visits")
async def my_visits(request: Request, user: SessionUser = Firm, after: str = "", status: str = "") -> Response:
    data = (await query(request, VISITS, {"filter": {"enterpriseId": user.org_id, "status": status or None},
                                          "after": after or None,
                                          "first": request.app.state.settings.page_size})).data
    return render(request, "enterprise/visits.html", {"bookings": data.get("bookings"), "status": status})


async def own_booking(request: Request, user: SessionUser, booking_id: str) -> dict[str, Any] | None:
    booking = (await query(request, VISIT, {"id": booking_id})).data.get("booking")
    if booking is not None and (booking.get("enterprise") or {}).get("id") != user.org_id and user.role != "ADMIN":
        raise PermissionError(booking_id)
    return booking


@router.get("/visits/{booking_id}")
async def visit_page(request: Request, booking_id: str, user: SessionUser = Firm) -> Response:
    booking = await owned(request, own_booking(request, user, booking_id))
    if isinstance(booking, Response):
        return booking
    return await _visit_page(request, booking, Form())


async def _visit_page(request: Request, booking: dict[str, Any], review_form: Form, error: Any = None,
                      status: int = 200) -> Response:
    review = None
    if booking["status"] == "ACKNOWLEDGED":
        nodes = ((await query(request, REVIEW_OF_VISIT, {"id": booking["id"]})).data.get("reviews") or {}).get(
            "nodes") or []
        review = nodes[0] if nodes else None
    return render(request, "enterprise/visit.html", {"booking": booking, "error": error, "review": review,
                                                     "review_form": review_form}, status_code=status)


@router.post("/visits/{booking_id}/acknowledge")
async def acknowledge(request: Request, booking_id: str, user: SessionUser = Firm) -> Response:
    _, error = await mutate(request, ACKNOWLEDGE, {"id": booking_id}, "acknowledgeVisitReport")
    if error is not None:
        booking = await own_booking(request, user, booking_id)
        if booking is None:
            return not_found(request)
        return await _visit_page(request, booking, Form(), error, 400)
    return redirect(f"/firm/visits/{booking_id}", "acknowledged")


@router.post("/visits/{booking_id}/review")
async def review_visit(request: Request, booking_id: str, user: SessionUser = Firm) -> Response:
    form = await read_form(request)
    booking = await owned(request, own_booking(request, user, booking_id))
    if isinstance(booking, Response):
        return booking
    if form.value("rating") not in ("1", "2", "3", "4", "5"):
        form.add("rating", "请选择 1 到 5 星。")
    if len(form.value("text")) > 2000:
        form.add("text", "评价内容不超过 2000 字。")
    if not form.ok:
        return await _visit_page(request, booking, form, status=400)
    # no idempotency key: a second review of the visit must be refused by the service, not replayed as a success
    _, error = await mutate(request, REVIEW_VISIT, {
        "id": booking_id, "input": {"rating": int(form.value("rating")), "text": form.value("text")}},
        "reviewVisit")
    if error is not None:
        if error.code == "CONFLICT":
            form.add(None, "本次服务已评价过，每次服务只能评价一次。")
        elif error.code == "INVALID_STATE":  # providers learns of the acknowledgement by an event, moments later
            form.add(None, "确认服务记录后才能评价，请稍后再试。")
        else:
            form.from_operation_error(error)
        return await _visit_page(request, booking, form, status=400)
    return redirect(f"/firm/visits/{booking_id}", "review_posted")


# ---------------------------------------------------------------- hazards and rectification


@router.get("/hazards")
async def my_hazards(request: Request, user: SessionUser = Firm, after: str = "", status: str = "") -> Response:
    data = (await query(request, HAZARDS, {"filter": {"enterpriseId": user.org_id, "status": status or None},
                                           "after": after or None,
                                           "first": request.app.state.settings.page_size})).data
    return render(request, "enterprise/hazards.html", {"hazards": data.get("hazards"), "status": status,
                                                       "today": clock.today().isoformat()})


async def _hazard_page(request: Request, user: SessionUser, hazard_id: str, form: Form, status: int = 200
                       ) -> Response:
    hazard = (await query(request, HAZARD, {"id": hazard_id})).data.get("hazard")
    if hazard is None:
        return not_found(request)
    if (hazard["booking"].get("enterprise") or {}).get("id") != user.org_id and user.role != "ADMIN":
        return forbidden(request)
    return render(request, "enterprise/hazard.html", {"hazard": hazard, "form": form}, status_code=status)


@router.get("/hazards/{hazard_id}")
async def hazard_page(request: Request, hazard_id: str, user: SessionUser = Firm) -> Response:
    return await _hazard_page(request, user, hazard_id, Form())


@router.post("/hazards/{hazard_id}/rectify")
async def rectify(request: Request, hazard_id: str, user: SessionUser = Firm) -> Response:
    form = await read_form(request)
    # the photos go up first: a refused one stops the rectification, and those that went up stay on the form
    photo_ids = await photos.attach(request, form, "photos")
    if len(form.value("description")) < 4:
        form.add("description", "请说明整改措施和完成情况。")
    if not form.ok:
        return await _hazard_page(request, user, hazard_id, form, 400)
    _, error = await mutate(request, RECTIFY, {"id": hazard_id, "input": {
        "description": form.value("description"), "photoIds": photo_ids}}, "submitRectification")
    if error is not None:
        form.from_operation_error(error, {"photoIds": "photos"})
        return await _hazard_page(request, user, hazard_id, form, 400)
    return redirect(f"/firm/hazards/{hazard_id}", "rectified")
