"""The expert's day on a phone: assigned visits, check in, file the service record with its hazards,
verify the rectifications firms submit."""

from __future__ import annotations

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
    gateway_of,
    mutate,
    not_found,
    query,
    read_form,
    redirect,
    region_names,
    render,
    require,
)
from web.session import SessionUser

router = APIRouter(prefix="/expert", dependencies=[CsrfChecked])
Expert = Depends(require("EXPERT"))

BOOKING_FIELDS = """id number status funding start end
  offering { id serviceType title durationMinutes }
  enterprise { id name townCode villageCode parkName principalName contactPhone }
  expert { id name }"""
HAZARD_FIELDS = "id grade description status deadline location closedAt"

MY_VISITS = f"""
query MyVisits($filter: BookingFilter, $after: String, $first: Int) {{
  bookings(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ {BOOKING_FIELDS} }}
  }}
}}"""

VISIT = f"""
query Visit($id: ID!) {{ booking(id: $id) {{ {BOOKING_FIELDS} hazards {{ {HAZARD_FIELDS} photoIds }} }} }}"""

CHECK_IN = """
mutation CheckIn($id: ID!, $lat: Float, $lng: Float) {
  checkIn(bookingId: $id, latitude: $lat, longitude: $lng) {
    __typename ... on Booking { id status } ... on OperationError { code message field retryAt }
  }
}"""


def coordinate(text: str) -> float | None:
    """An optional coordinate posted with the check-in (a phone that shares its location); None if absent."""
    try:
        return float(text) if text else None
    except ValueError:
        return None

REPORT = """
mutation Report($id: ID!, $input: VisitReportInput!) {
  submitVisitReport(bookingId: $id, input: $input) {
    __typename ... on Booking { id status } ... on OperationError { code message field }
  }
}"""

TO_VERIFY = f"""
query ToVerify($after: String, $first: Int) {{
  hazards(filter: {{status: RECTIFICATION_SUBMITTED}}, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ {HAZARD_FIELDS} booking {{ id number enterprise {{ name }} }} }}
  }}
}}"""

HAZARD = f"""
query Hazard($id: ID!) {{
  hazard(id: $id) {{ {HAZARD_FIELDS} photoIds history {{ kind description photoIds createdAt }}
    booking {{ id number start enterprise {{ id name }} expert {{ name }} }} }}
}}"""

VERIFY = """
mutation Verify($id: ID!, $accepted: Boolean!, $note: String) {
  verifyRectification(hazardId: $id, accepted: $accepted, note: $note) {
    __typename ... on Hazard { id status } ... on OperationError { code message field }
  }
}"""

SIX_IN_PLACE = (  # a major hazard's "six in place": (form name, GraphQL name, label)
    ("personnel", "personnel", "整改人员"), ("responsibility", "responsibility", "整改责任"),
    ("measures", "measures", "整改措施"), ("funds", "funds", "整改资金"), ("deadline", "deadline", "整改时限"),
    ("contingency_plan", "contingencyPlan", "应急预案"))
HAZARD_SLOTS = 3  # blank hazard blocks on the report form; "add more" raises it without any script
GRADES = ("GENERAL", "MAJOR")


def today() -> date:
    return clock.today()


@router.get("")
async def my_day(request: Request, user: SessionUser = Expert, status: str = "", after: str = "") -> Response:
    data = (await query(request, MY_VISITS, {"filter": {"status": status or None}, "after": after or None,
                                             "first": request.app.state.settings.page_size})).data
    bookings = data.get("bookings")
    nodes = (bookings or {}).get("nodes") or []
    open_first = sorted(nodes, key=lambda b: (b["status"] not in ("CONFIRMED", "CHECKED_IN"), b["start"]))
    return render(request, "expert/day.html", {"bookings": bookings, "visits": open_first, "status": status})


async def firm_address(request: Request, firm: dict[str, Any] | None) -> str:
    """Where the visit goes: town · village · park, by name (the firm is empty when the gateway holds it back)."""
    if not firm:
        return ""
    names = await region_names(request, firm["townCode"]) if firm.get("townCode") else {}
    parts = [names.get(firm.get("townCode") or "", firm.get("townCode") or ""),
             names.get(firm.get("villageCode") or "", firm.get("villageCode") or ""), firm.get("parkName") or ""]
    return " · ".join(p for p in parts if p)


async def _visit_page(request: Request, booking_id: str, form: Form, error: Any = None, status: int = 200
                      ) -> Response:
    booking = (await query(request, VISIT, {"id": booking_id})).data.get("booking")
    if booking is None:
        return not_found(request)
    slots = max(HAZARD_SLOTS, int(form.value("hazard_slots", "0") or 0))
    form.values.setdefault("hazard_slots", str(slots))
    # 15 days from the visit (the service refuses a deadline before the visit day), or from today if later
    visit_day = datetime.fromisoformat(booking["start"]).astimezone(SHANGHAI).date()
    default_deadline = (max(today(), visit_day) + timedelta(days=15)).isoformat()
    return render(request, "expert/visit.html", {
        "booking": booking, "address": await firm_address(request, booking.get("enterprise")),
        "form": form, "error": error, "slots": range(slots), "grades": GRADES,
        "six_in_place": SIX_IN_PLACE,
        "default_deadline": default_deadline}, status_code=status)


@router.get("/visits/{booking_id}")
async def visit_page(request: Request, booking_id: str, user: SessionUser = Expert, more: int = 0) -> Response:
    form = Form(values={"hazard_slots": str(HAZARD_SLOTS + max(0, min(more, 20)))})
    return await _visit_page(request, booking_id, form)


@router.post("/visits/{booking_id}/check-in")
async def check_in(request: Request, booking_id: str, user: SessionUser = Expert) -> Response:
    form = await read_form(request)
    lat, lng = coordinate(form.value("latitude")), coordinate(form.value("longitude"))
    located = lat is not None and lng is not None
    _, error = await mutate(request, CHECK_IN, {"id": booking_id, "lat": lat if located else None,
                                                "lng": lng if located else None}, "checkIn")
    if error is not None:
        return await _visit_page(request, booking_id, Form(), error, 400)
    return redirect(f"/expert/visits/{booking_id}", "checked_in")


def parse_report(form: Form, *, six_in_place: bool = True, photo_ids: dict[int, list[str]] | None = None
                 ) -> dict[str, Any]:
    """The report as the schema's ``VisitReportInput`` (with each hazard's uploaded photos); problems go on the
    form next to each field."""
    summary = form.value("summary")
    if len(summary) < 4:
        form.add("summary", "请填写服务过程和结论。")
    items = [line.strip() for line in form.value("items").splitlines() if line.strip()]
    if not items:
        form.add("items", "请至少填写一项检查内容。")
    hazards = []
    for index in range(int(form.value("hazard_slots", str(HAZARD_SLOTS)) or HAZARD_SLOTS)):
        description = form.value(f"hazard_{index}_description")
        cited = (photo_ids or {}).get(index) or []
        if not description:
            if cited:  # a photo of no hazard would be dropped without a word
                form.add(f"hazard_{index}_description", "请描述照片中的隐患。")
            continue
        grade = form.value(f"hazard_{index}_grade", "GENERAL")
        if grade not in GRADES:
            form.add(f"hazard_{index}_grade", "请选择隐患等级。")
        deadline = form.value(f"hazard_{index}_deadline")
        try:
            if date.fromisoformat(deadline) < today():
                form.add(f"hazard_{index}_deadline", "整改期限不能早于今天。")
        except ValueError:
            form.add(f"hazard_{index}_deadline", "请选择整改期限。")
        hazard: dict[str, Any] = {"grade": grade, "description": description, "deadline": deadline,
                                  "location": form.value(f"hazard_{index}_location") or None}
        if cited:
            hazard["photoIds"] = cited
        if grade == "MAJOR":
            six = {}
            for name, key, _label in SIX_IN_PLACE:
                value = form.value(f"hazard_{index}_six_{name}")
                if not value:
                    form.add(f"hazard_{index}_six_{name}", "重大事故隐患须写明此项。")
                six[key] = value
            if six_in_place:
                hazard["sixInPlace"] = six
        hazards.append(hazard)
    return {"summary": summary, "items": items, "hazards": hazards}


@router.post("/visits/{booking_id}/report")
async def submit_report(request: Request, booking_id: str, user: SessionUser = Expert) -> Response:
    form = await read_form(request)
    slots = min(int(form.value("hazard_slots", str(HAZARD_SLOTS)) or HAZARD_SLOTS), HAZARD_SLOTS + 20)
    # photos go up first; a refused one stops the report, and those that went up stay on the form
    photo_ids = {i: await photos.attach(request, form, f"hazard_{i}_photos") for i in range(slots)}
    if form.value("add_hazard"):  # the "add another hazard" button keeps what was typed
        form.values["hazard_slots"] = str(slots + 1)
        return await _visit_page(request, booking_id, form)
    accepted = await gateway_of(request).input_fields("HazardInput")
    report = parse_report(form, six_in_place="sixInPlace" in accepted, photo_ids=photo_ids)
    if not form.ok:
        return await _visit_page(request, booking_id, form, status=400)
    _, error = await mutate(request, REPORT, {"id": booking_id, "input": report}, "submitVisitReport")
    if error is not None:
        form.from_operation_error(error, {"photo_ids": "photos"})  # hazards.1.photo_ids → hazard_1_photos
        return await _visit_page(request, booking_id, form, status=400)
    return redirect(f"/expert/visits/{booking_id}", "reported")


# ---------------------------------------------------------------- verifying rectifications


@router.get("/hazards")
async def to_verify(request: Request, user: SessionUser = Expert, after: str = "") -> Response:
    data = (await query(request, TO_VERIFY, {"after": after or None,
                                             "first": request.app.state.settings.page_size})).data
    return render(request, "expert/hazards.html", {"hazards": data.get("hazards")})


async def _hazard_page(request: Request, hazard_id: str, form: Form, status: int = 200) -> Response:
    hazard = (await query(request, HAZARD, {"id": hazard_id})).data.get("hazard")
    if hazard is None:
        return not_found(request)
    return render(request, "expert/hazard.html", {"hazard": hazard, "form": form}, status_code=status)


@router.get("/hazards/{hazard_id}")
async def hazard_page(request: Request, hazard_id: str, user: SessionUser = Expert) -> Response:
    return await _hazard_page(request, hazard_id, Form())


@router.post("/hazards/{hazard_id}/verify")
async def verify(request: Request, hazard_id: str, user: SessionUser = Expert) -> Response:
    form = await read_form(request)
    decision = form.value("accepted")
    if decision not in ("yes", "no"):
        form.add("accepted", "请选择验收结论。")
    elif decision == "no" and not form.value("note"):
        form.add("note", "不通过时请说明原因。")
    if not form.ok:
        return await _hazard_page(request, hazard_id, form, 400)
    _, error = await mutate(request, VERIFY, {"id": hazard_id, "accepted": decision == "yes",
                                              "note": form.value("note") or None}, "verifyRectification")
    if error is not None:
        form.from_operation_error(error)
        return await _hazard_page(request, hazard_id, form, 400)
    return redirect("/expert/hazards", "verified")
