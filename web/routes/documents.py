"""Documents to download from the pages: the policy certificate (保险凭证) for the firm and the insurer, and a visit's
written hazard notice (事故隐患整改通知书) for the firm and the expert. Each is fetched through the gateway's
``/reports`` with the user's token, so the service decides who may have it: another firm's policy is the 403 page,
never the PDF."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.gateway import DownloadRefused, download
from web.pages import error_page, gateway_of, not_found, require
from web.session import SessionUser

router = APIRouter()
Firm = Depends(require("ENTERPRISE"))
Insurer = Depends(require("INSURER"))
Expert = Depends(require("EXPERT"))

DOCUMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # the gateway's rule; anything else is no such page
# what the page says when the service has no such document (yet), by document
NO_CERTIFICATE = ("暂无保险凭证", "保单缴费生效后才能下载保险凭证。")
NO_NOTICE = ("暂无整改通知书", "本次服务未发现隐患，或服务记录尚未提交，没有事故隐患整改通知书。")


async def _pdf(request: Request, user: SessionUser, document_id: str, path: str, missing: tuple[str, str]
               ) -> Response:
    if not DOCUMENT_ID.match(document_id):
        return not_found(request)
    try:
        file = await download(gateway_of(request), path, {}, token=user.token)  # 403 → the 403 page
    except DownloadRefused as refused:
        if refused.code == "INVALID_STATE":
            return error_page(request, 409, *missing)
        if refused.status in (404, 422):
            return not_found(request)
        raise
    return Response(file.body, media_type="application/pdf", headers={
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
