"""Documents as files next to the report downloads (GraphQL carries no files): the policy certificate
(``/reports/policies/{id}/certificate.pdf``, from the policy service), a visit's written hazard notice
(``/reports/bookings/{id}/hazard-notice.pdf``), a firm's annual evaluation report and its whole AQ 9010 file as a ZIP
(``/reports/archive/{id}/annual-report.pdf``, ``/reports/archive/{id}/file.zip``), from the bookings service. The
caller's Bearer token goes through and the service decides who may read (the firm its own, the insurer its book, the
bureau its region; the visit's parties for a notice); its problems (``FORBIDDEN``, ``NOT_FOUND``, ``INVALID_STATE``)
come back as they are."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from gateway.clients.base import ServiceEndpoint
from services.kernel.auth import CurrentPrincipal, Role, allow

router = APIRouter(prefix="/reports", tags=["documents"])

DocumentId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
# who may read a document is the service's rule; the gateway only asks for a valid token
ANY_ROLE = allow(*Role)
PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}},
    403: {"description": "FORBIDDEN: not yours to read"},
    404: {"description": "NOT_FOUND"},
    409: {"description": "INVALID_STATE: there is no such document for it (yet)"},
}


def certificate_path(policy_id: str) -> str:
    """Where the gateway serves a policy's certificate (what ``Policy.certificateUrl`` answers)."""
    return f"/reports/policies/{policy_id}/certificate.pdf"


async def _pdf(request: Request, service: str, path: str, token: str | None, filename: str,
               media_type: str = "application/pdf") -> Response:
    endpoint: ServiceEndpoint = request.app.state.gateway.endpoints[service]
    response = await endpoint.send("GET", path, token=token)  # 4xx: the service's problem; 5xx: SERVICE_UNAVAILABLE
    disposition = response.headers.get("content-disposition") or f'attachment; filename="{filename}"'
    # private: the answer depends on who asks
    return Response(response.content, media_type=media_type,
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store",
                             "X-Content-Type-Options": "nosniff"})


@router.get("/policies/{policy_id}/certificate.pdf", dependencies=[ANY_ROLE], response_class=Response,
            responses=PDF_RESPONSES, summary="the policy certificate (保险凭证) as a PDF")
async def policy_certificate(request: Request, principal: CurrentPrincipal, policy_id: DocumentId) -> Response:
    return await _pdf(request, "policy", f"/v1/policies/{policy_id}/certificate.pdf", principal.token,
                      f"policy-{policy_id}.pdf")


@router.get("/bookings/{booking_id}/hazard-notice.pdf", dependencies=[ANY_ROLE], response_class=Response,
            responses=PDF_RESPONSES, summary="a visit's written hazard notice (事故隐患整改通知书) as a PDF")
async def hazard_notice(request: Request, principal: CurrentPrincipal, booking_id: DocumentId) -> Response:
    return await _pdf(request, "bookings", f"/v1/bookings/{booking_id}/hazard-notice.pdf", principal.token,
                      f"hazard-notice-{booking_id}.pdf")


@router.get("/archive/{enterprise_id}/annual-report.pdf", dependencies=[ANY_ROLE], response_class=Response,
            responses=PDF_RESPONSES, summary="a firm's annual evaluation report (年度服务评估报告, AQ 9010) as a PDF")
async def annual_report(request: Request, principal: CurrentPrincipal, enterprise_id: DocumentId,
                        year: Annotated[int, Query(ge=2000, le=2100)]) -> Response:
    return await _pdf(request, "bookings", f"/v1/archive/{enterprise_id}/annual-report.pdf?year={year}",
                      principal.token, f"annual-report-{enterprise_id}-{year}.pdf")


@router.get("/archive/{enterprise_id}/file.zip", dependencies=[ANY_ROLE], response_class=Response,
            responses={**PDF_RESPONSES, 200: {"content": {"application/zip": {}}}},
            summary="a firm's whole AQ 9010 file (服务档案) as a ZIP with a manifest of SHA-256s and the chain head")
async def whole_file(request: Request, principal: CurrentPrincipal, enterprise_id: DocumentId) -> Response:
    return await _pdf(request, "bookings", f"/v1/archive/{enterprise_id}/file.zip", principal.token,
                      f"aq9010-file-{enterprise_id}.zip", media_type="application/zip")
