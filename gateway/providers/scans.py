"""Qualification scans over REST (GraphQL carries no files): ``POST`` a multipart ``file`` to
``/scans/agencies/{agency_id}/qualifications/{qualification_id}`` and ``GET`` it back. The caller's Bearer token
goes through to providers, which decides who may (the agency itself uploads; it, the bureau and admin read) and
checks the file (PDF, PNG or JPEG, size-limited); its problem+json answers pass through with their codes."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from gateway.clients.base import ServiceEndpoint
from gateway.context import build_context
from gateway.errors import ServiceDown
from services.kernel.auth import Role
from services.kernel.errors import ProblemError
from services.kernel.http import problem_from_response

router = APIRouter(prefix="/scans", tags=["qualification scans"])

UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "UNAUTHENTICATED: no or an expired Bearer token"},
    403: {"description": "FORBIDDEN: not this agency's account"},
    413: {"description": "TOO_LARGE: the file is over the size limit"},
    415: {"description": "UNSUPPORTED_MEDIA_TYPE: not a PDF, PNG or JPEG"},
}


def _path(agency_id: str, qualification_id: str) -> str:
    return f"/v1/agencies/{agency_id}/qualifications/{qualification_id}/scan"


async def _send(request: Request, method: str, path: str, *roles: Role, **kwargs: Any) -> httpx.Response:
    """One call to providers with the caller's token, through the same circuit breaker as GraphQL's calls."""
    ctx = await build_context(request)
    ctx.require(*roles)
    endpoint: ServiceEndpoint = ctx.gateway.endpoints["providers"]
    if not endpoint.breaker.allow():
        raise ServiceDown("providers", "the providers service is unavailable (circuit open)")
    endpoint.calls += 1
    try:
        response = await endpoint.client.request(method, path, token=ctx.token, **kwargs)
    except ProblemError as exc:
        endpoint.breaker.failed()
        raise ServiceDown("providers", "the providers service did not answer") from exc
    if response.status_code >= 500:
        endpoint.breaker.failed()
        raise ServiceDown("providers", f"the providers service failed ({response.status_code})")
    endpoint.breaker.succeeded()
    if response.status_code >= 400:
        raise problem_from_response("providers", response)
    return response


@router.post("/agencies/{agency_id}/qualifications/{qualification_id}", status_code=201, responses=UPLOAD_ERRORS,
             summary="Upload the scan of one of the agency's qualifications (multipart field `file`)")
async def upload_scan(request: Request, agency_id: str, qualification_id: str,
                      file: Annotated[UploadFile, File(description="PDF, PNG or JPEG")]) -> JSONResponse:
    # the body was capped on the way in (ANZE_GATEWAY_UPLOAD_MAX_BYTES + framing, 413 PAYLOAD_TOO_LARGE) and
    # spooled to disk; the file itself goes on, read in chunks, never held whole in memory
    await file.seek(0)
    files = {"file": (file.filename or "scan", file.file, file.content_type or "application/octet-stream")}
    response = await _send(request, "POST", _path(agency_id, qualification_id), Role.AGENCY, files=files)
    return JSONResponse(response.json(), status_code=response.status_code)


@router.get("/agencies/{agency_id}/qualifications/{qualification_id}",
            responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
            summary="Read the scan (the agency itself, the bureau and admin)")
async def read_scan(request: Request, agency_id: str, qualification_id: str) -> Response:
    response = await _send(request, "GET", _path(agency_id, qualification_id), Role.AGENCY, Role.BUREAU)
    return Response(response.content, media_type=response.headers.get("content-type", "application/octet-stream"),
                    headers={"Content-Disposition": response.headers.get("content-disposition", "inline"),
                             "X-Content-Type-Options": "nosniff"})
