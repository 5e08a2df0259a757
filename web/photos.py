"""Photos on the forms and pages: uploads through the gateway's ``/uploads/photos`` with the user's token, the
ids kept on the form when it comes back with an error (a file input cannot be filled again), and a photo's
bytes fetched for the page's ``/photos/{id}``."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import httpx
from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from web.gateway import GatewayError, file_request
from web.pages import Form, gateway_of, not_found, optional_user, query, render

log = logging.getLogger("anze.web.photos")

UPLOAD_PATH = "/uploads/photos"
PHOTO_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_PHOTOS = 20  # per hazard or rectification, as the bookings service allows
UPLOAD_MESSAGES = {
    "UNSUPPORTED_MEDIA_TYPE": "照片须为 JPEG、PNG 或 WebP 格式。",
    "TOO_LARGE": "照片太大，每张不超过 10 MB。",
}


class PhotoRefused(Exception):
    """The gateway refused one upload; ``message`` is what the user reads next to the field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def upload(request: Request, file: UploadFile) -> str:
    """Send one file to the gateway as the logged-in user; its id, or ``PhotoRefused``."""
    user = optional_user(request)
    data = await file.read()
    response = await file_request(
        gateway_of(request), "POST", UPLOAD_PATH, token=user.token if user else None, forbidden=False,
        files={"file": (file.filename or "photo", data, file.content_type or "application/octet-stream")})
    if response.status_code >= 400:
        code = _code(response)
        log.info("a photo upload was refused: %s", code)
        raise PhotoRefused(UPLOAD_MESSAGES.get(code, "照片未能上传，请重试。"))
    return str(response.json()["id"])


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code") or "")
    except ValueError:
        return ""


def kept_ids(form: Form, name: str) -> list[str]:
    """The photos already uploaded for field ``name`` (kept on the form as ``<name>_kept``)."""
    return [p for p in form.value(f"{name}_kept").split(",") if PHOTO_ID.match(p)]


async def attach(request: Request, form: Form, name: str) -> list[str]:
    """Upload the files chosen in the file field ``name`` and return every photo id of that field: those kept
    from an earlier try (ticked) and the new ones. A refused file puts its message next to the field; the
    others stay uploaded and kept, so the user only picks again what was wrong."""
    data = await request.form()
    ids = [p for p in data.getlist(f"{name}_kept") if isinstance(p, str) and PHOTO_ID.match(p)]
    files = [f for f in data.getlist(name) if isinstance(f, UploadFile) and (f.filename or f.size)]
    for file in files:
        if len(ids) >= MAX_PHOTOS:
            form.add(name, "每项最多 20 张照片。")
            break
        try:
            ids.append(await upload(request, file))
        except PhotoRefused as refused:
            form.add(name, refused.message)
    form.values[f"{name}_kept"] = ",".join(ids)
    return ids


@dataclass
class Photo:
    body: bytes
    media_type: str


async def fetch(request: Request, photo_id: str, *, thumb: bool = False) -> Photo | None:
    """A photo's bytes as the logged-in user may see them (its thumbnail, a JPEG at most 320 px on its longer
    side, with ``thumb``); None when there is no such photo."""
    if not PHOTO_ID.match(photo_id):
        return None
    user = optional_user(request)
    path = f"{UPLOAD_PATH}/{photo_id}" + ("?size=thumb" if thumb else "")
    response = await file_request(gateway_of(request), "GET", path, token=user.token if user else None)
    if response.status_code in (404, 422):
        return None
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if response.status_code != 200 or media_type not in IMAGE_TYPES:
        raise GatewayError(f"the photo {photo_id} answered {response.status_code} {media_type}")
    return Photo(body=response.content, media_type=media_type)


HAZARD = """
query Hazard($id: ID!) {
  hazard(id: $id) { id grade description status deadline location closedAt photoIds
    history { kind description photoIds createdAt }
    booking { id number start enterprise { name } agency { name } } }
}"""


async def hazard_page(request: Request, hazard_id: str, *, back: str) -> Response:
    """One hazard with the expert's photos and the firm's rectifications, for the agency and the insurer (the
    bookings service decides who sees it: another's hazard is not found)."""
    hazard = (await query(request, HAZARD, {"id": hazard_id})).data.get("hazard")
    if hazard is None:
        return not_found(request)
    return render(request, "hazard_view.html", {"hazard": hazard, "back": back})
