"""Thumbnails of hazard and rectification photos: a JPEG at most ``THUMB_SIZE`` px on its longer side, turned
upright by the photo's EXIF orientation and carrying none of its metadata (no EXIF, no GPS). Made at upload
(a photo Pillow cannot decode is refused there) and stored under a key of its own derived from the photo's id."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

THUMB_SIZE = 320
THUMB_QUALITY = 80
THUMB_TYPE = "image/jpeg"


class NotAnImage(Exception):
    """The bytes look like an image (the signature) but Pillow cannot decode them."""


def thumbnail_key(photo_id: str) -> str:
    """Where a photo's thumbnail is stored (a plain name next to the photo's own key)."""
    return f"{photo_id}_thumb"


def make_thumbnail(data: bytes) -> bytes:
    """The JPEG thumbnail of a JPEG, PNG or WebP photo; ``NotAnImage`` when it cannot be decoded."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.draft("RGB", (THUMB_SIZE, THUMB_SIZE))  # a JPEG is decoded at a reduced scale: much faster
            upright = ImageOps.exif_transpose(opened)
            upright.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
            rgba = upright.convert("RGBA")
            # a fresh image: nothing of the original's info (EXIF, GPS, XMP, ICC) is carried over
            clean = Image.new("RGB", rgba.size, (255, 255, 255))
            clean.paste(rgba, mask=rgba.getchannel("A"))  # a transparent PNG on white, not on black
            out = io.BytesIO()
            clean.save(out, "JPEG", quality=THUMB_QUALITY, optimize=True)
            return out.getvalue()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc
