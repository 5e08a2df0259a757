"""What every part that draws a PDF with Chinese text needs: a font with CJK glyphs, found once on this machine
(the configured one first, else a common system font; the image installs fonts-wqy-zenhei)."""

from __future__ import annotations

from pathlib import Path

from services.kernel.errors import ServiceUnavailable

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)


def find_cjk_font(configured: Path | None) -> Path | None:
    for path in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if path is not None and path.exists():
            return path
    return None


def require_cjk_font(configured: Path | None) -> Path:
    """The font, or a 503 that says what to install (a PDF without glyphs would print empty boxes)."""
    font = find_cjk_font(configured)
    if font is None:
        raise ServiceUnavailable("no font with Chinese glyphs is installed (e.g. fonts-wqy-zenhei)",
                                 code="SERVICE_UNAVAILABLE")
    return font
