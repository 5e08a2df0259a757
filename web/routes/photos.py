"""``/photos/{id}``: a hazard or rectification photo served from this site (the pages' CSP allows only 'self'),
fetched through the gateway with the user's token, so a user sees only the photos the service lets them see;
``?size=thumb`` is its thumbnail (made by the bookings service), any other size the photo itself."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web import photos
from web.pages import not_found, require
from web.session import SessionUser

router = APIRouter()
LoggedIn = Depends(require())


@router.get("/photos/{photo_id}")
async def photo(request: Request, photo_id: str, size: str | None = None, user: SessionUser = LoggedIn) -> Response:
    found = await photos.fetch(request, photo_id, thumb=size == "thumb")
    if found is None:
        return not_found(request)
    # the browser may keep it a while, for this session only (the session cookie changes at the next login)
    return Response(found.body, media_type=found.media_type,
                    headers={"Cache-Control": "private, max-age=600", "Vary": "Cookie"})
