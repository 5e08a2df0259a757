"""Photos over plain HTTP, since GraphQL carries no files: ``POST /uploads/photos`` passes a multipart file on to
the bookings service with the caller's token and answers the id to cite in ``HazardInput.photoIds`` /
``RectificationInput.photoIds``; ``GET /uploads/photos/{id}`` passes the bytes back under the service's rule (the
uploader's organisation, and once a hazard cites the photo, whoever sees that hazard), and with ``?size=thumb``
the service's thumbnail (a JPEG at most 320 px on its longer side) under the same rule. The service's problems
(``UNSUPPORTED_MEDIA_TYPE``, ``TOO_LARGE``, ``VALIDATION``, ``FORBIDDEN``, ``NOT_FOUND``) pass through as they are."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from gateway.clients.base import ServiceEndpoint
from services.kernel.auth import CurrentPrincipal, Role, allow
from services.kernel.errors import ProblemError

router = APIRouter(tags=["photos"])

PhotoId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the id the upload answered")]
PhotoSize = Annotated[Literal["thumb"] | None, Query(
    description="`thumb`: the thumbnail, a JPEG at most 320 px on its longer side; none: the photo as uploaded")]
# who may fetch a photo is the service's rule; the gateway only asks for a valid token
ANY_ROLE = allow(*Role)


class PhotoOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    id: str
    content_type: str
    size_bytes: int


def _bookings(request: Request) -> ServiceEndpoint:
    return request.app.state.gateway.endpoints["bookings"]  # type: ignore[no-any-return]


@router.post("/uploads/photos", status_code=201, response_model=PhotoOut, response_model_by_alias=True,
             dependencies=[allow(Role.EXPERT, Role.ENTERPRISE)],
             summary="upload a hazard or rectification photo (JPEG, PNG or WebP; multipart field `file`)",
             responses={413: {"description": "TOO_LARGE"}, 415: {"description": "UNSUPPORTED_MEDIA_TYPE"}})
async def upload_photo(request: Request, principal: CurrentPrincipal, file: UploadFile) -> PhotoOut:
    limit: int = request.app.state.gateway.settings.upload_max_bytes
    if file.size is None or file.size > limit:  # refused here rather than carried to the service
        raise ProblemError("the photo is too large", code="TOO_LARGE", status=413, field="file")
    await file.seek(0)
    # the spooled file itself goes on (httpx reads it in chunks): the photo is never held whole in memory
    response = await _bookings(request).send(
        "POST", "/v1/photos", token=principal.token,
        files={"file": (file.filename or "photo", file.file, file.content_type or "application/octet-stream")})
    body = response.json()
    return PhotoOut(id=body["id"], content_type=body["content_type"], size_bytes=body["size_bytes"])


@router.get("/uploads/photos/{photo_id}", dependencies=[ANY_ROLE], response_class=Response,
            summary="a photo's bytes (or its thumbnail with `size=thumb`), for who may see it",
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}})
async def get_photo(request: Request, principal: CurrentPrincipal, photo_id: PhotoId,
                    size: PhotoSize = None) -> Response:
    response = await _bookings(request).send("GET", f"/v1/photos/{photo_id}", token=principal.token,
                                             params={"size": size} if size else None)
    # private: the answer depends on who asks, so no shared cache may keep it
    return Response(response.content, media_type=response.headers.get("content-type", "application/octet-stream"),
                    headers={"Cache-Control": "private, max-age=600", "X-Content-Type-Options": "nosniff"})
