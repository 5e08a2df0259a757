"""Documents to download from the pages: the policy certificate (保险凭证) for the firm and the insurer, a visit's
written hazard notice (事故隐患整改通知书) for the firm and the expert, and a firm's annual evaluation report
(年度服务评估报告) and its whole AQ 9010 file (服务档案, a ZIP) for the firm, the insurer of its policies and the
bureau of its region. Each is fetched through the gateway's ``/reports`` with the user's token, so the service
decides who may have it: another firm's policy is the 403 page, never the PDF."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.kernel import clock
from web.gateway import DownloadRefused, download
from web.pages import error_page, gateway_of, not_found, require
from web.session import SessionUser

router = APIRouter()
Firm = Depends(require("ENTERPRISE"))
Insurer = Depends(require("INSURER"))
Expert = Depends(require("EXPERT"))
Bureau = Depends(require("BUREAU"))

DOCUMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # the gateway's rule; anything else is no such page
# what the page says when the service has no such document (yet), by document
NO_CERTIFICATE = ("暂无保险凭证", "保单缴费生效后才能下载保险凭证。")
NO_FILE = ("暂无服务档案", "该企业尚无可下载的服务档案。")
NO_NOTICE = ("暂无整改通知书", "本次服务未发现隐患，或服务记录尚未提交，没有事故隐患整改通知书。")


async def _pdf(request: Request, user: SessionUser, document_id: str, path: str, missing: tuple[str, str],
               params: dict[str, Any] | None = None, media_type: str = "application/pdf") -> Response:
    if not DOCUMENT_ID.match(document_id):
        return not_found(request)
    try:
        file = await download(gateway_of(request), path, params or {}, token=user.token)  # 403 → the 403 page
    except DownloadRefused as refused:
        if refused.code == "INVALID_STATE":
            return error_page(request, 409, *missing)
        if refused.status in (404, 422):
            return not_found(request)
        raise
    return Response(file.body, media_type=media_type, headers={
        "Content-Disposition": file.disposition, "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


def _certificate(policy_id: str) -> str:
    return f"/reports/policies/{policy_id}/certificate.pdf"


def _notice(booking_id: str) -> str:
    return f"/reports/bookings/{booking_id}/hazard-notice.pdf"


@router.get("/firm/policies/{policy_id}/certificate.pdf")
async def firm_certificate(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    return await _pdf(request, user, policy_id, _certificate(policy_id), NO_CERTIFICATE)


@router.get("/insurer/policies/{policy_id}/certificate.pdf")
async def insurer_certificate(request: Request, policy_id: str, user: SessionUser = Insurer) -> Response:
    return await _pdf(request, user, policy_id, _certificate(policy_id), NO_CERTIFICATE)


@router.get("/firm/visits/{booking_id}/hazard-notice.pdf")
async def firm_hazard_notice(request: Request, booking_id: str, user: SessionUser = Firm) -> Response:
    return await _pdf(request, user, booking_id, _notice(booking_id), NO_NOTICE)


@router.get("/expert/visits/{booking_id}/hazard-notice.pdf")
async def expert_hazard_notice(request: Request, booking_id: str, user: SessionUser = Expert) -> Response:
    return await _pdf(request, user, booking_id, _notice(booking_id), NO_NOTICE)


Year = Annotated[int | None, Query(ge=2000, le=2100)]


def _report(enterprise_id: str) -> str:
    return f"/reports/archive/{enterprise_id}/annual-report.pdf"


def _file(enterprise_id: str) -> str:
    return f"/reports/archive/{enterprise_id}/file.zip"


@router.get("/firm/archive/annual-report.pdf")
async def firm_annual_report(request: Request, user: SessionUser = Firm, year: Year = None) -> Response:
    firm = user.org_id or ""
    return await _pdf(request, user, firm, _report(firm), NO_FILE, {"year": year or clock.today().year})


@router.get("/firm/archive/file.zip")
async def firm_whole_file(request: Request, user: SessionUser = Firm) -> Response:
    firm = user.org_id or ""
    return await _pdf(request, user, firm, _file(firm), NO_FILE, media_type="application/zip")


@router.get("/insurer/firms/{enterprise_id}/annual-report.pdf")
async def insurer_annual_report(request: Request, enterprise_id: str, user: SessionUser = Insurer,
                                year: Year = None) -> Response:
    return await _pdf(request, user, enterprise_id, _report(enterprise_id), NO_FILE,
                      {"year": year or clock.today().year})


@router.get("/insurer/firms/{enterprise_id}/file.zip")
async def insurer_whole_file(request: Request, enterprise_id: str, user: SessionUser = Insurer) -> Response:
    return await _pdf(request, user, enterprise_id, _file(enterprise_id), NO_FILE, media_type="application/zip")


@router.get("/bureau/enterprises/{enterprise_id}/annual-report.pdf")
async def bureau_annual_report(request: Request, enterprise_id: str, user: SessionUser = Bureau,
                               year: Year = None) -> Response:
    return await _pdf(request, user, enterprise_id, _report(enterprise_id), NO_FILE,
                      {"year": year or clock.today().year})


@router.get("/bureau/enterprises/{enterprise_id}/file.zip")
async def bureau_whole_file(request: Request, enterprise_id: str, user: SessionUser = Bureau) -> Response:
    return await _pdf(request, user, enterprise_id, _file(enterprise_id), NO_FILE, media_type="application/zip")
