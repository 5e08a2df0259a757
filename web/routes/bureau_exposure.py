"""The bureau's side of the exposure board: publish a case for a MAJOR hazard of its region that is overdue
or whose rectification was rejected, see its live and withdrawn cases, withdraw one with a reason."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.pages import CsrfChecked, Form, mutate, not_found, query, read_form, redirect, region_names, render, require
from web.session import SessionUser

router = APIRouter(prefix="/bureau/exposure", dependencies=[CsrfChecked])
Bureau = Depends(require("BUREAU"))

CASES = """
query Cases($region: String, $withdrawn: Boolean!, $after: String, $first: Int) {
  exposureCases(townCode: $region, withdrawn: $withdrawn, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id number title summary enterpriseName townCode hazardDescription hazardDeadline hazardStatus
            publishedAt withdrawnAt withdrawReason }
  }
}"""

HAZARD = """
query Hazard($id: ID!) {
  hazard(id: $id) {
    id grade description location status deadline rejectionReason
    enterprise { id name townCode } agency { name }
  }
}"""

PUBLISH = """
mutation Publish($in: ExposureCaseInput!) {
  publishExposureCase(input: $in) {
    __typename ... on ExposureCase { id } ... on OperationError { code message field }
  }
}"""

WITHDRAW = """
mutation Withdraw($id: ID!, $reason: String!) {
  withdrawExposureCase(id: $id, reason: $reason) {
    __typename ... on ExposureCase { id } ... on OperationError { code message field }
  }
}"""


def publishable(hazard: dict) -> bool:
    """The board's rule as the bookings service applies it, to offer the link only where it can succeed."""
    return hazard.get("grade") == "MAJOR" and (
        hazard.get("status") == "OVERDUE" or (hazard.get("status") == "OPEN" and bool(hazard.get("rejectionReason"))))


async def _cases_page(request: Request, user: SessionUser, withdrawn: bool, after: str, form: Form,
                      code: int = 200) -> Response:
    data = (await query(request, CASES, {"region": user.region_code, "withdrawn": withdrawn, "after": after or None,
                                         "first": request.app.state.settings.page_size})).data
    return render(request, "bureau/exposure.html", {
        "cases": data.get("exposureCases"), "withdrawn": withdrawn, "form": form,
        "regions": await region_names(request)}, status_code=code)


@router.get("")
async def cases(request: Request, user: SessionUser = Bureau, withdrawn: str = "", after: str = "") -> Response:
    return await _cases_page(request, user, bool(withdrawn), after, Form())


async def _form_page(request: Request, hazard_id: str, form: Form, code: int = 200) -> Response:
    hazard = (await query(request, HAZARD, {"id": hazard_id})).data.get("hazard") if hazard_id else None
    if hazard is None:
        return not_found(request)
    return render(request, "bureau/exposure_form.html", {
        "hazard": hazard, "form": form, "publishable": publishable(hazard),
        "regions": await region_names(request)}, status_code=code)


@router.get("/new")
async def new_case(request: Request, hazard: str = "", user: SessionUser = Bureau) -> Response:
    return await _form_page(request, hazard, Form(values={"hazard_id": hazard}))


@router.post("")
async def publish(request: Request, user: SessionUser = Bureau) -> Response:
    form = await read_form(request)
    for name, message in (("title", "请填写标题。"), ("summary", "请填写案例说明。")):
        if not form.value(name):
            form.add(name, message)
    if form.ok:
        _, error = await mutate(request, PUBLISH, {"in": {
            "hazardId": form.value("hazard_id"), "title": form.value("title"), "summary": form.value("summary")}},
            "publishExposureCase")
        if error is None:
            return redirect("/bureau/exposure", "published")
        form.from_operation_error(error, {"hazardId": "hazard_id"})
        if "hazard_id" in form.errors:  # not a field the bureau types: say it above the form
            form.general.append(form.errors.pop("hazard_id"))
    return await _form_page(request, form.value("hazard_id"), form, 400)


@router.post("/{case_id}/withdrawal")
async def withdraw(request: Request, case_id: str, user: SessionUser = Bureau) -> Response:
    form = await read_form(request)
    if not form.value("reason"):
        form.add("reason", "请说明撤下的理由。")
    if form.ok:
        _, error = await mutate(request, WITHDRAW, {"id": case_id, "reason": form.value("reason")},
                                "withdrawExposureCase")
        if error is None:
            return redirect("/bureau/exposure", "withdrawn")
        form.from_operation_error(error)
    form.values["case_id"] = case_id
    return await _cases_page(request, user, False, "", form, 400)
