"""Photos through the gateway's REST door: the expert and the firm upload (JPEG, PNG, WebP only), cite the
ids in the report and the rectification, and read them back; whoever cannot see the hazard cannot fetch its
photos. GraphQL shows the ids on the hazard and on each rectification in its history."""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import timedelta

import pytest

from gateway.accounts import service as accounts
from services.kernel.auth import Role

from .test_platform_batching import book_visits
from .test_platform_journey import china_today, register_firm

pytestmark = pytest.mark.asyncio(loop_scope="package")


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A valid PNG of one colour, written by hand."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def upload(platform, data: bytes, content_type: str = "image/png", *, as_: str | None = None,
                 token: str | None = None):
    token = token or (platform.tokens[as_] if as_ else None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await platform.client.post("/uploads/photos", headers=headers,
                                      files={"file": ("photo.png", data, content_type)})


async def fetch(platform, photo_id: str, *, as_: str | None = None, token: str | None = None):
    token = token or (platform.tokens[as_] if as_ else None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await platform.client.get(f"/uploads/photos/{photo_id}", headers=headers)


async def another_firms_token(platform) -> str:
    firm = await register_firm(platform, employees=12)
    email = f"other-firm-{uuid.uuid4().hex[:6]}@test.anze.cn"
    gateway = platform.gateway
    async with gateway.database.transaction() as session:
        await accounts.add_account(session=session, email=email, password="other-firm-password", role=Role.ENTERPRISE,
                                   org_id=firm, hasher=gateway.account_policy.hasher)
    body = await platform.gql('mutation($e: String!) { login(email: $e, password: "other-firm-password") { '
                              "... on AuthPayload { token } } }", {"e": email})
    return str(body["data"]["login"]["token"])


async def checked_in_visit(platform) -> str:
    [booking] = await book_visits(platform, 1)
    confirmed = (await platform.data("""mutation($b: ID!, $x: ID) { confirmBooking(bookingId: $b, expertId: $x) {
        ... on Booking { status } ... on OperationError { code message } } }""",
                                     {"b": booking, "x": platform.ctx["demo_expert_id"]}, as_="agency"))
    assert confirmed["confirmBooking"] == {"status": "CONFIRMED"}, confirmed
    start = (await platform.data("query($b: ID!) { booking(id: $b) { start } }", {"b": booking}, as_="expert"))["booking"]["start"]
    async with platform.at_the_visit(start):  # check-in opens 2 hours before the start
        checked = (await platform.data("mutation($b: ID!) { checkIn(bookingId: $b) { ... on Booking { status } "
                                       "... on OperationError { code message } } }", {"b": booking}, as_="expert"))
    assert checked["checkIn"] == {"status": "CHECKED_IN"}, checked
    return booking


REPORT = """mutation($b: ID!, $in: VisitReportInput!) { submitVisitReport(bookingId: $b, input: $in) {
    __typename ... on Booking { hazards { id photoIds } } ... on OperationError { code message field } } }"""


async def report_with_photo(platform, booking: str, photo_id: str) -> str:
    reported = (await platform.data(REPORT, {"b": booking, "in": {
        "summary": "检查(照片测试)", "items": ["电气"],
        "hazards": [{"grade": "GENERAL", "description": "配电箱门缺失(照片测试)",
                     "deadline": (china_today() + timedelta(days=90)).isoformat(), "photoIds": [photo_id]}]}},
                                    as_="expert"))["submitVisitReport"]
    assert reported["__typename"] == "Booking", reported
    [hazard] = reported["hazards"]
    assert hazard["photoIds"] == [photo_id]
    return str(hazard["id"])


async def test_an_expert_uploads_a_hazard_photo_and_the_firm_sees_it_once_the_hazard_cites_it(platform):
    booking = await checked_in_visit(platform)
    image = png()
    uploaded = await upload(platform, image, as_="expert")
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json()
    assert photo["contentType"] == "image/png" and photo["sizeBytes"] == len(image) and photo["id"]
    assert (await fetch(platform, photo["id"], as_="expert")).content == image  # the uploader's agency
    before = await fetch(platform, photo["id"], as_="enterprise")
    assert before.status_code == 403 and before.json()["code"] == "FORBIDDEN"  # not cited yet: not the firm's

    await report_with_photo(platform, booking, photo["id"])
    seen = await fetch(platform, photo["id"], as_="enterprise")
    assert seen.status_code == 200 and seen.content == image
    assert seen.headers["content-type"] == "image/png"
    assert seen.headers["cache-control"].startswith("private")


async def test_whoever_cannot_see_the_hazard_cannot_fetch_its_photo(platform):
    booking = await checked_in_visit(platform)
    photo = (await upload(platform, png(rgb=(10, 90, 10)), as_="expert")).json()
    await report_with_photo(platform, booking, photo["id"])
    stranger = await fetch(platform, photo["id"], token=await another_firms_token(platform))
    assert stranger.status_code == 403 and stranger.json()["code"] == "FORBIDDEN"
    assert stranger.headers["content-type"].startswith("application/problem+json")
    insurer = await fetch(platform, photo["id"], as_="insurer")  # a self-paid visit: not on the insurer's book
    assert insurer.status_code == 403
    assert (await fetch(platform, photo["id"])).status_code == 401
    missing = await fetch(platform, "pho_doesnotexist", as_="enterprise")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


async def test_the_firm_rectifies_with_its_photo_and_the_history_shows_it_to_the_expert(platform):
    booking = await checked_in_visit(platform)
    hazard = await report_with_photo(platform, booking,
                                     (await upload(platform, png(rgb=(0, 0, 200)), as_="expert")).json()["id"])
    own = (await upload(platform, png(rgb=(0, 200, 0)), as_="enterprise")).json()["id"]
    rectified = (await platform.data("""mutation($h: ID!, $p: [ID!]) { submitRectification(hazardId: $h, input: {
        description: "已装配电箱门(照片测试)", photoIds: $p}) { __typename ... on Hazard { status }
        ... on OperationError { code message field } } }""", {"h": hazard, "p": [own]},
                                     as_="enterprise"))["submitRectification"]
    assert rectified == {"__typename": "Hazard", "status": "RECTIFICATION_SUBMITTED"}, rectified
    history = (await platform.data("query($h: ID!) { hazard(id: $h) { history { kind description photoIds } } }",
                                   {"h": hazard}, as_="expert"))["hazard"]["history"]
    assert history == [{"kind": "RECTIFICATION", "description": "已装配电箱门(照片测试)", "photoIds": [own]}]
    assert (await fetch(platform, own, as_="expert")).status_code == 200
    assert (await fetch(platform, own, as_="agency")).status_code == 200


async def test_a_firm_cannot_cite_a_photo_it_did_not_upload(platform):
    booking = await checked_in_visit(platform)
    hazard = await report_with_photo(platform, booking, (await upload(platform, png(), as_="expert")).json()["id"])
    experts = (await upload(platform, png(rgb=(1, 2, 3)), as_="expert")).json()["id"]
    borrowed = (await platform.data("""mutation($h: ID!, $p: [ID!]) { submitRectification(hazardId: $h, input: {
        description: "借用别人的照片", photoIds: $p}) { __typename ... on OperationError { code field } } }""",
                                    {"h": hazard, "p": [experts]}, as_="enterprise"))["submitRectification"]
    assert borrowed["__typename"] == "OperationError" and borrowed["code"] == "VALIDATION", borrowed
    status = (await platform.data("query($h: ID!) { hazard(id: $h) { status history { kind } } }", {"h": hazard},
                                  as_="enterprise"))["hazard"]
    assert status == {"status": "OPEN", "history": []}


async def test_only_images_from_experts_and_firms_are_accepted(platform):
    wrong = await upload(platform, b"just some text", "text/plain", as_="enterprise")
    assert wrong.status_code == 415
    assert wrong.json()["code"] == "UNSUPPORTED_MEDIA_TYPE" and wrong.json()["fields"][0]["field"] == "file"
    assert (await upload(platform, png(), as_="insurer")).status_code == 403
    assert (await upload(platform, png())).status_code == 401
    nothing = await platform.client.post("/uploads/photos", headers={
        "Authorization": f"Bearer {platform.tokens['enterprise']}"}, data={"x": "1"})
    assert nothing.status_code == 422 and nothing.json()["code"] == "VALIDATION"


async def test_a_photo_over_the_limit_is_refused_as_too_large(platform):
    settings = platform.gateway.settings
    limit = settings.upload_max_bytes
    settings.upload_max_bytes = 1000
    try:
        big = await upload(platform, png(width=400, height=400, rgb=(7, 7, 7)) + b"\0" * 2000, as_="expert")
    finally:
        settings.upload_max_bytes = limit
    assert big.status_code == 413 and big.json()["code"] == "TOO_LARGE"


async def test_the_thumbnail_passes_through_under_the_same_rule(platform):
    booking = await checked_in_visit(platform)
    image = png(width=800, height=400, rgb=(120, 30, 200))
    photo = (await upload(platform, image, as_="expert")).json()["id"]
    await report_with_photo(platform, booking, photo)
    thumb = await platform.client.get(f"/uploads/photos/{photo}", params={"size": "thumb"},
                                      headers={"Authorization": f"Bearer {platform.tokens['enterprise']}"})
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.content.startswith(b"\xff\xd8\xff") and thumb.content != image
    assert thumb.headers["cache-control"].startswith("private, max-age=")
    assert struct.unpack(">HH", thumb.content[thumb.content.index(b"\xff\xc0") + 5:][:4]) == (160, 320)  # h, w
    stranger = await platform.client.get(f"/uploads/photos/{photo}", params={"size": "thumb"},
                                         headers={"Authorization": f"Bearer {await another_firms_token(platform)}"})
    assert stranger.status_code == 403 and stranger.json()["code"] == "FORBIDDEN"
    other = await platform.client.get(f"/uploads/photos/{photo}", params={"size": "large"},
                                      headers={"Authorization": f"Bearer {platform.tokens['enterprise']}"})
    assert other.status_code == 422 and other.json()["code"] == "VALIDATION"
