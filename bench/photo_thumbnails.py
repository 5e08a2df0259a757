"""What server-made thumbnails save a phone on a hazard page, and what making them costs at upload.

Uploads N realistic photos (3000×2000 JPEGs at quality 90, as a phone takes them: noise over shapes and a
gradient, generated with Pillow) to the bookings service in-process (SQLite, local storage), then prints the
bytes a hazard page loads with the full photos (the thumbnails scaled by CSS, as before) and with the
thumbnails, and the median upload time per photo with and without making the thumbnail.

    .venv/bin/python bench/photo_thumbnails.py [--photos 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import random
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

from PIL import Image, ImageDraw, ImageFilter

from services.bookings import thumbnails
from services.bookings.app import MIGRATIONS, create_app
from services.bookings.settings import BookingsSettings
from services.kernel import testing
from services.kernel.auth import Role
from services.kernel.runtime import Wiring

WIDTH, HEIGHT = 3000, 2000


def photo(rng: random.Random) -> bytes:
    """A 3000×2000 JPEG at quality 90 with a photo's detail: shapes and a gradient under sensor-like noise."""
    base = Image.linear_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB")
    draw = ImageDraw.Draw(base)
    for _ in range(40):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        w, h = rng.randrange(50, 900), rng.randrange(50, 700)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + w, y + h), fill=colour)
    base = base.filter(ImageFilter.GaussianBlur(2))
    noise = Image.merge("RGB", [Image.effect_noise((WIDTH, HEIGHT), 40) for _ in range(3)])
    image = Image.blend(base, noise, 0.3)  # about 2–3 MB, as a phone camera writes them
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


async def upload_all(client, headers: dict[str, str], photos: list[bytes]) -> tuple[list[str], list[float]]:
    ids, seconds = [], []
    for data in photos:
        started = time.perf_counter()
        response = await client.post("/v1/photos", headers=headers, files={"file": ("p.jpg", data, "image/jpeg")})
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids, seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rng = random.Random(args.seed)
    photos = [photo(rng) for _ in range(args.photos)]
    keys = testing.TestKeys.generate()
    with tempfile.TemporaryDirectory(prefix="anze-bench-thumbs-") as tmp:
        async with testing.database_url("sqlite", Path(tmp), "bookings") as url:
            app = create_app(BookingsSettings(database_url=url, kernel=keys.kernel_settings(Path(tmp)),
                                              storage_dir=Path(tmp) / "uploads"), Wiring())
            await testing.migrate_app(app, MIGRATIONS)
            async with testing.running(app) as client:
                headers = keys.headers(Role.EXPERT, org="agn_bench", expert="exp_bench")
                await upload_all(client, headers, photos[:1])  # warm up (imports, first connection)
                with mock.patch.object(thumbnails, "make_thumbnail", lambda data: b""):
                    _, without = await upload_all(client, headers, photos)
                ids, with_thumbs = await upload_all(client, headers, photos)
                full = thumbs = 0
                for photo_id in ids:
                    full += len((await client.get(f"/v1/photos/{photo_id}", headers=headers)).content)
                    thumb = await client.get(f"/v1/photos/{photo_id}", params={"size": "thumb"}, headers=headers)
                    thumbs += len(thumb.content)
    print(f"{args.photos} photos of {WIDTH}×{HEIGHT} (JPEG q90), a hazard page showing all of them:")
    print(f"  full photos   {full / 1e6:8.2f} MB  ({full / args.photos / 1e3:.0f} kB each)")
    print(f"  thumbnails    {thumbs / 1e6:8.2f} MB  ({thumbs / args.photos / 1e3:.1f} kB each)")
    print(f"  ratio         {full / thumbs:8.0f}×")
    print("upload per photo (median):")
    print(f"  without thumbnail  {statistics.median(without) * 1e3:6.0f} ms")
    print(f"  with thumbnail     {statistics.median(with_thumbs) * 1e3:6.0f} ms "
          f"(+{(statistics.median(with_thumbs) - statistics.median(without)) * 1e3:.0f} ms)")


if __name__ == "__main__":
    asyncio.run(main())
