"""Routes for qualification scans (upload and download) and the notices an agency receives."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from services.kernel.auth import PUBLIC, MaybePrincipal, Principal, Role, allow
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, NotFound
from services.kernel.ids import new_id
from services.kernel.runtime import Runtime, Session
from services.providers import repository as repo
from services.providers import service
from services.providers.api.common import IdsQuery, parse_ids
from services.providers.clock import local_today
from services.providers.models import Agency, StoredFile
from services.providers.schemas import QualificationOut
from services.providers.schemas_feedback import NoticeOut
from services.providers.storage import read_checked

router = APIRouter(prefix="/v1", tags=["qualifications"])

UPLOAD_ERRORS: dict[int | str, dict[str, str]] = {
    413: {"description": "TOO_LARGE: the file is over the size limit"},
    415: {"description": "UNSUPPORTED_MEDIA_TYPE: not a PDF, PNG or JPEG"},
}


@router.get("/qualifications", response_model=list[QualificationOut], dependencies=[PUBLIC],
            summary="The qualifications of several agencies at once (the gateway's batch)")
async def qualifications_of_agencies(session: Session, principal: MaybePrincipal, agency_ids: IdsQuery = None
                                     ) -> list[QualificationOut]:
    """As on each agency's own page: those of the agencies the caller may see, scans named only to the agency
    itself, the bureau and admin."""
    visible = {a.id: a for a in await repo.agencies_by_ids(session, parse_ids(agency_ids) or [])
               if service.may_see_agency(principal, a)}
    today = local_today()
    out = []
    for q in await repo.qualifications_of(session, list(visible)):
        view = service.qualification_view(q, today)
        agency = visible[q.agency_id]
        if not service.may_read_private(principal, agency):
            view.scan_id = None
        out.append(view)
    return out


def _may_read_private(principal: Principal, agency: Agency) -> None:
    if not service.may_read_private(principal, agency):
        raise Forbidden("scans and notices are for the agency itself and the bureau of its region")


@router.post("/agencies/{agency_id}/qualifications/{qualification_id}/scan", response_model=QualificationOut,
             status_code=201, responses=UPLOAD_ERRORS,
             summary="Upload the scan of a qualification (PDF, PNG or JPEG; size-limited)")
async def upload_scan(agency_id: str, qualification_id: str, file: Annotated[UploadFile, File()],
                      session: Session, runtime: Runtime,
                      principal: Principal = allow(Role.AGENCY)) -> QualificationOut:
    agency = await service.load_agency(session, agency_id)
    service.require_own_agency(principal, agency)
    qualification = await repo.get_qualification(session, qualification_id)
    if qualification is None or qualification.agency_id != agency.id:
        raise NotFound(f"no qualification {qualification_id} of this agency")
    upload = await read_checked(file, max_bytes=runtime.settings.max_upload_bytes)  # type: ignore[attr-defined]
    stored = StoredFile(id=new_id("fil"), agency_id=agency.id, filename=upload.filename,
                        content_type=upload.content_type, size_bytes=len(upload.data), sha256=upload.sha256,
                        storage_key="", uploaded_by=principal.sub, created_at=utcnow())
    stored.storage_key = f"{agency.id}/{stored.id}"
    # The bytes are written before the row commits: a failed commit leaves an orphan file, never a row
    # pointing at nothing.
    await runtime.state["storage"].put(stored.storage_key, upload.data)
    session.add(stored)
    qualification.scan_id = stored.id
    await session.flush()
    return service.qualification_view(qualification, local_today())


@router.get("/agencies/{agency_id}/qualifications/{qualification_id}/scan",
            responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
            summary="Download the scan (the agency itself and the bureau)")
async def download_scan(agency_id: str, qualification_id: str, session: Session, runtime: Runtime,
                        principal: Principal = allow(Role.AGENCY, Role.BUREAU)) -> Response:
    agency = await service.load_agency(session, agency_id)
    _may_read_private(principal, agency)
    qualification = await repo.get_qualification(session, qualification_id)
    if qualification is None or qualification.agency_id != agency.id or qualification.scan_id is None:
        raise NotFound("no scan for this qualification")
    stored = await repo.get_file(session, qualification.scan_id)
    if stored is None:
        raise NotFound("no scan for this qualification")
    data = await runtime.state["storage"].get(stored.storage_key)
    return Response(data, media_type=stored.content_type,
                    headers={"Content-Disposition": f'inline; filename="{stored.id}"',
                             "X-Content-Type-Options": "nosniff"})


@router.get("/agencies/{agency_id}/notices", response_model=list[NoticeOut],
            summary="Messages for the agency: qualifications about to expire, service types withdrawn")
async def notices(agency_id: str, session: Session,
                  principal: Principal = allow(Role.AGENCY, Role.BUREAU)) -> list[NoticeOut]:
    agency = await service.load_agency(session, agency_id)
    _may_read_private(principal, agency)
    return [NoticeOut.model_validate(n) for n in await repo.notices_of(session, agency.id)]
