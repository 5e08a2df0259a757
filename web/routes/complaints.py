"""Complaints about agencies on the AQ 9010 clock: the firm files and follows its own; the agency complained
about answers (or records a fact check, or extends once); the bureau follows its region's, overdue ones
first, and records a fact check or an extension. The gateway and the providers service decide who may do
what; these pages only offer what the user's group may do."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.pages import (
    CsrfChecked,
    Form,
    forbidden,
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

router = APIRouter(dependencies=[CsrfChecked])
Firm = Depends(require("ENTERPRISE"))
Agency = Depends(require("AGENCY"))
Bureau = Depends(require("BUREAU"))

SUBJECT_MAX, TEXT_MAX, EXTENSION_MAX_DAYS = 200, 4000, 30

COMPLAINT_FIELDS = """id subject description status townCode receivedOn dueOn overdue factCheck factCheckReason
  extensionDays extensionReason createdAt answer { request facts basis measures answeredAt late }
  agency { id name contactPhone } enterprise { id name } booking { id number start }"""

LIST = """
query Complaints($filter: ComplaintFilter, $after: String, $first: Int) {
  complaints(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id subject status townCode receivedOn dueOn overdue factCheck extensionDays
            answer { answeredAt late } agency { id name } enterprise { id name } booking { id number } }
  }
}"""

ONE = f"query Complaint($id: ID!) {{ complaint(id: $id) {{ {COMPLAINT_FIELDS} }} }}"

NEW = """
query NewComplaint($firm: ID!) {
  enterprise(id: $firm) { id name townCode }
  agencies(filter: {approvedOnly: true}, first: 200) { nodes { id name } }
}"""

VISIT = "query Visit($id: ID!) { booking(id: $id) { id number start enterprise { id } agency { id name } } }"

RESULT = "__typename ... on Complaint { id status dueOn } ... on OperationError { code message field }"
FILE = f"""mutation File($input: ComplaintInput!, $key: String) {{
  fileComplaint(input: $input, idempotencyKey: $key) {{ {RESULT} }} }}"""
ANSWER = f"""mutation Answer($id: ID!, $input: ComplaintAnswerInput!) {{
  answerComplaint(complaintId: $id, input: $input) {{ {RESULT} }} }}"""
FACT_CHECK = f"""mutation FactCheck($id: ID!, $reason: String!) {{
  requireComplaintFactCheck(complaintId: $id, reason: $reason) {{ {RESULT} }} }}"""
EXTEND = f"""mutation Extend($id: ID!, $days: Int!, $reason: String!) {{
  extendComplaintDeadline(complaintId: $id, days: $days, reason: $reason) {{ {RESULT} }} }}"""

ANSWER_PARTS = (("request", "投诉请求", "请填写投诉人的请求。"), ("facts", "核实的事实", "请填写核实的事实。"),
                ("basis", "处理依据", "请填写处理依据。"), ("measures", "处理措施", "请填写采取的措施。"))
STATUSES = ("OPEN", "ANSWERED")


def _long_text(form: Form, name: str, missing: str, limit: int = TEXT_MAX) -> None:
    if not form.value(name):
        form.add(name, missing)
    elif len(form.value(name)) > limit:
        form.add(name, "内容过长，请精简。")


async def _list(request: Request, flt: dict[str, Any], after: str) -> dict[str, Any] | None:
    data = (await query(request, LIST, {"filter": flt, "after": after or None,
                                        "first": request.app.state.settings.page_size})).data
    return data.get("complaints")  # type: ignore[no-any-return]


async def _complaint(request: Request, complaint_id: str) -> dict[str, Any] | None:
    """The complaint, or None when it does not exist; another user's answers FORBIDDEN (the 403 page)."""
    return (await query(request, ONE, {"id": complaint_id})).data.get("complaint")  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the firm


@router.get("/firm/complaints")
async def firm_complaints(request: Request, user: SessionUser = Firm, status: str = "", after: str = "") -> Response:
    status = status if status in STATUSES else ""
    complaints = await _list(request, {"status": status or None}, after)
    return render(request, "complaints/firm_list.html", {"complaints": complaints, "status": status})


async def _new_page(request: Request, user: SessionUser, form: Form, code: int = 200) -> Response:
    data = (await query(request, NEW, {"firm": user.org_id})).data
    agencies = list((data.get("agencies") or {}).get("nodes") or [])
    booking = None
    if form.value("booking_id"):
        booking = (await query(request, VISIT, {"id": form.value("booking_id")})).data.get("booking")
        if booking is None:
            return not_found(request)
        if (booking.get("enterprise") or {}).get("id") != user.org_id and user.role != "ADMIN":
            return forbidden(request)
        agency = booking.get("agency")
        if agency:
            if not form.value("agency_id"):
                form.values["agency_id"] = agency["id"]
            if all(a["id"] != agency["id"] for a in agencies):  # e.g. an agency suspended since the visit
                agencies.insert(0, agency)
    if not form.value("key"):
        form.values["key"] = secrets.token_urlsafe(12)  # one complaint per form, however often it is sent
    return render(request, "complaints/firm_form.html", {
        "form": form, "agencies": agencies, "booking": booking, "firm": data.get("enterprise")}, status_code=code)


@router.get("/firm/complaints/new")
async def new_complaint(request: Request, user: SessionUser = Firm, agency: str = "", booking: str = "") -> Response:
    return await _new_page(request, user, Form(values={"agency_id": agency, "booking_id": booking}))


@router.post("/firm/complaints")
async def file_complaint(request: Request, user: SessionUser = Firm) -> Response:
    form = await read_form(request)
    if not form.value("agency_id"):
        form.add("agency_id", "请选择被投诉的机构。")
    _long_text(form, "subject", "请填写投诉事项。", SUBJECT_MAX)
    _long_text(form, "description", "请说明具体情况。")
    if not form.ok:
        return await _new_page(request, user, form, 400)
    complaint, error = await mutate(request, FILE, {"input": {
        "agencyId": form.value("agency_id"), "bookingId": form.value("booking_id") or None,
        "subject": form.value("subject"),
        "description": form.value("description")},
        "key": f"web:complaint:{user.org_id}:{form.value('key')}" if form.value("key") else None}, "fileComplaint")
    if error is not None:
        if error.code == "IDEMPOTENCY_KEY_REUSED":  # this form was sent before, then changed: a new complaint
            form.values["key"] = ""
            form.add(None, "这份表单已提交过投诉；如需再次投诉，请确认内容后重新提交。")
        else:
            form.from_operation_error(error, {"agencyId": "agency_id", "bookingId": "booking_id"})
        return await _new_page(request, user, form, 400)
    return redirect(f"/firm/complaints/{complaint['id']}", "complaint_filed")


@router.get("/firm/complaints/{complaint_id}")
async def firm_complaint(request: Request, complaint_id: str, user: SessionUser = Firm) -> Response:
    complaint = await _complaint(request, complaint_id)
    if complaint is None:
        return not_found(request)
    if complaint.get("enterprise") and complaint["enterprise"]["id"] != user.org_id and user.role != "ADMIN":
        return forbidden(request)
    return render(request, "complaints/firm_detail.html", {
        "complaint": complaint, "regions": await region_names(request)})


# ---------------------------------------------------------------- the agency and the bureau


def _blank_forms() -> dict[str, Form]:
    return {"answer": Form(), "fact_check": Form(), "extension": Form()}


async def _handling_list(request: Request, area: str, status: str, overdue: str, after: str) -> Response:
    """``status`` is OPEN, ANSWERED or ALL (named, so that paging keeps it whatever the page's default)."""
    status = status if status in STATUSES else "ALL"
    overdue = "1" if overdue else ""
    flt = {"status": None if status == "ALL" else status, "overdue": True if overdue else None}
    complaints = await _list(request, flt, after)
    return render(request, "complaints/handling_list.html", {
        "complaints": complaints, "status": status, "overdue": bool(overdue), "area": area,
        "base": f"/{area}/complaints?status={status}" + ("&overdue=1" if overdue else ""),
        "regions": await region_names(request)})


async def _handling_page(request: Request, area: str, complaint_id: str, forms: dict[str, Form] | None = None,
                         code: int = 200) -> Response:
    complaint = await _complaint(request, complaint_id)
    if complaint is None:
        return not_found(request)
    return render(request, "complaints/handling_detail.html", {
        "complaint": complaint, "area": area, "forms": forms or _blank_forms(), "answer_parts": ANSWER_PARTS,
        "max_days": EXTENSION_MAX_DAYS, "regions": await region_names(request)}, status_code=code)


async def _act(request: Request, area: str, complaint_id: str, which: str) -> Response:
    """One of the handling forms (answer, fact check, extension): checked here, then sent to the gateway."""
    form = await read_form(request)
    variables: dict[str, Any] = {"id": complaint_id}
    if which == "answer":
        for name, _label, missing in ANSWER_PARTS:
            _long_text(form, name, missing)
        variables["input"] = {name: form.value(name) for name, _label, _missing in ANSWER_PARTS}
        document, result, done = ANSWER, "answerComplaint", "complaint_answered"
    elif which == "fact_check":
        _long_text(form, "reason", "请说明需要核实的事实。")
        variables["reason"] = form.value("reason")
        document, result, done = FACT_CHECK, "requireComplaintFactCheck", "complaint_fact_check"
    else:
        days = form.value("days")
        if not days.isdigit() or not 1 <= int(days) <= EXTENSION_MAX_DAYS:
            form.add("days", "延长天数为 1 至 30 天。")
        _long_text(form, "reason", "请说明延长的理由。")
        variables.update(days=int(days) if days.isdigit() else 0, reason=form.value("reason"))
        document, result, done = EXTEND, "extendComplaintDeadline", "complaint_extended"
    if form.ok:
        _, error = await mutate(request, document, variables, result)
        if error is None:
            return redirect(f"/{area}/complaints/{complaint_id}", done)
        form.from_operation_error(error)
    return await _handling_page(request, area, complaint_id, {**_blank_forms(), which: form}, 400)


@router.get("/agency/complaints")
async def agency_complaints(request: Request, user: SessionUser = Agency, status: str = "OPEN", overdue: str = "",
                            after: str = "") -> Response:
    return await _handling_list(request, "agency", status, overdue, after)


@router.get("/agency/complaints/{complaint_id}")
async def agency_complaint(request: Request, complaint_id: str, user: SessionUser = Agency) -> Response:
    return await _handling_page(request, "agency", complaint_id)


@router.post("/agency/complaints/{complaint_id}/answer")
async def agency_answer(request: Request, complaint_id: str, user: SessionUser = Agency) -> Response:
    return await _act(request, "agency", complaint_id, "answer")


@router.post("/agency/complaints/{complaint_id}/fact-check")
async def agency_fact_check(request: Request, complaint_id: str, user: SessionUser = Agency) -> Response:
    return await _act(request, "agency", complaint_id, "fact_check")


@router.post("/agency/complaints/{complaint_id}/extension")
async def agency_extension(request: Request, complaint_id: str, user: SessionUser = Agency) -> Response:
    return await _act(request, "agency", complaint_id, "extension")


@router.get("/bureau/complaints")
async def bureau_complaints(request: Request, user: SessionUser = Bureau, status: str = "ALL", overdue: str = "",
                            after: str = "") -> Response:
    return await _handling_list(request, "bureau", status, overdue, after)


@router.get("/bureau/complaints/{complaint_id}")
async def bureau_complaint(request: Request, complaint_id: str, user: SessionUser = Bureau) -> Response:
    return await _handling_page(request, "bureau", complaint_id)


@router.post("/bureau/complaints/{complaint_id}/fact-check")
async def bureau_fact_check(request: Request, complaint_id: str, user: SessionUser = Bureau) -> Response:
    return await _act(request, "bureau", complaint_id, "fact_check")


@router.post("/bureau/complaints/{complaint_id}/extension")
async def bureau_extension(request: Request, complaint_id: str, user: SessionUser = Bureau) -> Response:
    return await _act(request, "bureau", complaint_id, "extension")
