"""Thumbnails of hazard photos: a JPEG at most 320 px on its longer side, made at upload (bytes Pillow cannot
decode are refused there), upright by the EXIF orientation, without the photo's EXIF or GPS, under the same
rule as the full photo, and made on first request for a photo stored before thumbnails were made."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.bookings.thumbnails import thumbnail_key
from tests.bookings.conftest import at, general_hazard, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def picture(width: int, height: int, fmt: str = "PNG", **save: object) -> bytes:
    """A photo with some detail (a gradient and a block) so that sizes mean something."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste((200, 40, 40), (width // 4, height // 4, width // 2, height // 2))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def with_gps(width: int, height: int, orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: EXIF with the camera, the orientation and where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 12.5), 3: "E", 4: (121.0, 22.0, 5.25)}
    return picture(width, height, "JPEG", quality=90, exif=exif.tobytes())


async def _upload(kit, headers, data: bytes, content_type: str = "image/png"):
    return await kit.client.post("/v1/photos", headers=headers, files={"file": ("hazard", data, content_type)})


async def _thumb(kit, photo_id: str, headers):
    return await kit.client.get(f"/v1/photos/{photo_id}", params={"size": "thumb"}, headers=headers)


async def test_a_large_png_gets_a_small_jpeg_thumbnail_under_the_photos_rule(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    full = picture(2000, 1500)
    uploaded = await _upload(kit, kit.expert(agency), full)
    assert uploaded.status_code == 201, uploaded.text
    photo_id = uploaded.json()["id"]
    thumb = await _thumb(kit, photo_id, kit.expert(agency))
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.headers["cache-control"].startswith("private, max-age=")
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 240)
    assert len(thumb.content) < len(full) / 5
    whole = await kit.client.get(f"/v1/photos/{photo_id}", headers=kit.expert(agency))
    assert whole.content == full and whole.headers["content-type"] == "image/png"  # the full photo unchanged
    assert (await _thumb(kit, photo_id, kit.enterprise(firm))).status_code == 403  # not cited yet
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    reported = await kit.visited(agency, booking, hazards=[{**general_hazard(booking), "photo_ids": [photo_id]}])
    assert reported.status_code == 200, reported.text
    assert (await _thumb(kit, photo_id, kit.enterprise(firm))).content == thumb.content  # now the firm's hazard
    assert (await _thumb(kit, photo_id, kit.enterprise("ent_other"))).status_code == 403  # another firm
    bad_size = await kit.client.get(f"/v1/photos/{photo_id}", params={"size": "huge"}, headers=kit.expert(agency))
    assert bad_size.status_code == 422


async def test_the_thumbnail_is_upright_and_carries_no_exif_or_gps(kit):
    firm = await kit.firm()
    full = with_gps(1200, 800, orientation=6)  # taken with the phone turned: shown 800 wide, 1200 high
    assert Image.open(io.BytesIO(full)).getexif().get_ifd(GPS_IFD)  # the upload does carry GPS
    photo_id = (await _upload(kit, kit.enterprise(firm), full, "image/jpeg")).json()["id"]
    thumb = Image.open(io.BytesIO((await _thumb(kit, photo_id, kit.enterprise(firm))).content))
    assert thumb.format == "JPEG" and thumb.size == (213, 320)
    exif = thumb.getexif()
    assert not exif.get_ifd(GPS_IFD) and ORIENTATION not in exif and len(exif) == 0
    assert "exif" not in thumb.info


async def test_bytes_that_only_look_like_an_image_are_refused(kit):
    firm = await kit.firm()
    broken = picture(64, 64)[:40] + b"\x00" * 200  # the PNG signature and header, then nothing decodable
    response = await _upload(kit, kit.enterprise(firm), broken)
    assert response.status_code == 415 and response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    fake_jpeg = await _upload(kit, kit.enterprise(firm), b"\xff\xd8\xff" + b"not a jpeg" * 20, "image/jpeg")
    assert fake_jpeg.status_code == 415 and fake_jpeg.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_photo_stored_before_thumbnails_gets_one_on_first_request(kit):
    firm = await kit.firm()
    full = picture(1000, 1000, "WEBP", quality=90)
    photo_id = (await _upload(kit, kit.enterprise(firm), full, "image/webp")).json()["id"]
    stored = kit.ctx.storage.root / thumbnail_key(photo_id)
    stored.unlink()  # as a photo uploaded before thumbnails were made
    thumb = await _thumb(kit, photo_id, kit.enterprise(firm))
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 320)
    assert stored.read_bytes() == thumb.content  # kept for the next time
    stored.write_bytes(b"kept")  # the next request answers the stored one rather than making it again
    assert (await _thumb(kit, photo_id, kit.enterprise(firm))).content == b"kept"
