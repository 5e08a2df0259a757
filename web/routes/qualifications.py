"""The agency's qualifications: the list with their expiry (a warning 30 days before and once lapsed), the
platform's notices, adding one with its scan, attaching a scan later, and reading a scan (the agency, and the
bureau from its vetting page)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.kernel import clock
from web.gateway import GatewayError, download, upload
from web.pages import CsrfChecked, Form, gateway_of, mutate, not_found, query, redirect, render, require
from web.session import CSRF_FIELD, SessionUser

router = APIRouter(dependencies=[CsrfChecked])
Agency = Depends(require("AGENCY"))
Bureau = Depends(require("BUREAU"))

# Checked here too, before anything is stored, so that a wrong file never leaves a qualification without its
# scan behind; providers checks again and stays the authority (its refusal is shown the same way).
MAGIC = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
MAX_SCAN_BYTES = 10 * 1024 * 1024
SERVICE_TYPES = ("HAZARD_INSPECTION", "RISK_ASSESSMENT", "TRAINING", "EMERGENCY_DRILL", "STANDARDIZATION", "OTHER")
SCAN_MESSAGES = {"UNSUPPORTED_MEDIA_TYPE": "请上传 PDF、PNG 或 JPEG 格式的扫描件。",
                 "TOO_LARGE": "文件过大，扫描件不能超过 10 MB。"}
FIELDS = {"kind": "资质名称", "number": "证书编号", "issuer": "发证机关"}

PAGE = """
query AgencyQualifications($id: ID!) {
  agency(id: $id) {
    id name
    qualifications { id kind number issuer serviceTypes validFrom validUntil daysToExpiry status expiringSoon hasScan }
    notices { id kind message createdAt }
  }
}"""

ADD = """
mutation AddQualification($agency: ID!, $input: QualificationInput!, $key: String) {
  addQualification(agencyId: $agency, input: $input, idempotencyKey: $key) {
    __typename ... on Qualification { id } ... on OperationError { code message field }
  }
}"""


def today() -> date:
    return clock.today()


def blank_form() -> Form:
    return Form(values={"valid_from": today().isoformat(),
                        "valid_until": (today() + timedelta(days=3 * 365)).isoformat(),
                        "idempotency_key": uuid.uuid4().hex})


async def _page(request: Request, user: SessionUser, form: Form, chosen: list[str], status_code: int = 200
                ) -> Response:
    if not user.org_id:  # an applicant whose agency is not registered yet
        return redirect("/apply")
    agency = (await query(request, PAGE, {"id": user.org_id})).data.get("agency")
    if agency is None:
        return not_found(request)
    return render(request, "agency/qualifications.html", {
        "agency": agency, "form": form, "chosen": chosen, "service_types": SERVICE_TYPES,
        "warning_soon": [q for q in agency["qualifications"] if q["expiringSoon"]],
        "expired": [q for q in agency["qualifications"] if q["status"] == "EXPIRED"]}, status_code=status_code)


@router.get("/agency/qualifications")
async def qualifications(request: Request, user: SessionUser = Agency) -> Response:
    return await _page(request, user, blank_form(), [])


async def _read_scan(file: object, form: Form) -> tuple[bytes, str, str] | None:
    """The uploaded scan (content, name, type) if one was chosen and it is a PDF, PNG or JPEG within the limit."""
    if not isinstance(file, UploadFile) or not file.filename:
        return None
    content = await file.read(MAX_SCAN_BYTES + 1)
    if len(content) > MAX_SCAN_BYTES:
        form.add("scan", SCAN_MESSAGES["TOO_LARGE"])
    elif not content.startswith(MAGIC):
        form.add("scan", SCAN_MESSAGES["UNSUPPORTED_MEDIA_TYPE"])
    return content, file.filename, file.content_type or "application/octet-stream"


def _check(form: Form, chosen: list[str]) -> None:
    for name in FIELDS:
        if not form.value(name):
            form.add(name, "请填写此项。")
    if not chosen:
        form.add("service_types", "请至少选择一项服务类型。")
    dates = {}
    for name in ("valid_from", "valid_until"):
        try:
            dates[name] = date.fromisoformat(form.value(name))
        except ValueError:
            form.add(name, "请填写日期。")
    if len(dates) == 2 and dates["valid_until"] < dates["valid_from"]:
        form.add("valid_until", "有效期至不能早于有效期自。")


def _scan_path(agency_id: str, qualification_id: str) -> str:
    return f"/scans/agencies/{agency_id}/qualifications/{qualification_id}"


@router.post("/agency/qualifications")
async def add(request: Request, user: SessionUser = Agency) -> Response:
    data = await request.form()
    form = Form(values={k: v.strip() for k, v in data.items() if isinstance(v, str) and k != CSRF_FIELD})
    chosen = [t for t in data.getlist("service_types") if t in SERVICE_TYPES]
    _check(form, chosen)
    scan = await _read_scan(data.get("scan"), form)
    if not form.ok:
        return await _page(request, user, form, chosen, 400)
    payload, error = await mutate(request, ADD, {"agency": user.org_id, "key": form.value("idempotency_key") or None,
                                                 "input": {"kind": form.value("kind"), "number": form.value("number"),
                                                           "issuer": form.value("issuer"), "serviceTypes": chosen,
                                                           "validFrom": form.value("valid_from"),
                                                           "validUntil": form.value("valid_until")}},
                                  "addQualification")
    if error is not None:
        form.from_operation_error(error, {"validFrom": "valid_from", "validUntil": "valid_until",
                                          "serviceTypes": "service_types"})
        return await _page(request, user, form, chosen, 400)
    if scan is not None:
        refused = await upload(gateway_of(request), _scan_path(user.org_id or "", payload["id"]), filename=scan[1],
                               content=scan[0], content_type=scan[2], token=user.token)
        if refused is not None:  # the qualification is stored; its row offers the upload again
            fresh = blank_form()
            fresh.add(None, "资质已保存，但扫描件未能上传，请在下方列表中重新上传。")
            fresh.add(None, SCAN_MESSAGES.get(refused.code, refused.message))
            return await _page(request, user, fresh, [], 400)
    return redirect("/agency/qualifications", "qualification_added")


@router.post("/agency/qualifications/{qualification_id}/scan")
async def attach_scan(request: Request, qualification_id: str, user: SessionUser = Agency) -> Response:
    data = await request.form()
    form = blank_form()
    scan = await _read_scan(data.get("scan"), form)
    if scan is None and form.ok:
        form.add("scan", "请选择扫描件文件。")
    if form.ok and scan is not None:
        refused = await upload(gateway_of(request), _scan_path(user.org_id or "", qualification_id),
                               filename=scan[1], content=scan[0], content_type=scan[2], token=user.token)
        if refused is None:
            return redirect("/agency/qualifications", "scan_uploaded")
        form.add("scan", SCAN_MESSAGES.get(refused.code, refused.message))
    # the error belongs to that row's upload, not to the add form below
    form.values["scan_for"] = qualification_id
    form.errors["row_scan"] = form.errors.pop("scan", "")
    return await _page(request, user, form, [], 400)


async def _scan(request: Request, agency_id: str, qualification_id: str, user: SessionUser) -> Response:
    try:
        file = await download(gateway_of(request), _scan_path(agency_id, qualification_id), {}, token=user.token)
    except GatewayError:  # no scan (404) or no such qualification
        return not_found(request)
    return Response(file.body, media_type=file.media_type,
                    headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"})


@router.get("/agency/qualifications/{qualification_id}/scan")
async def agency_scan(request: Request, qualification_id: str, user: SessionUser = Agency) -> Response:
    return await _scan(request, user.org_id or "", qualification_id, user)


@router.get("/bureau/agencies/{agency_id}/qualifications/{qualification_id}/scan")
async def bureau_scan(request: Request, agency_id: str, qualification_id: str, user: SessionUser = Bureau
                      ) -> Response:
    return await _scan(request, agency_id, qualification_id, user)
