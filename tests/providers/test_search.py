"""Searching the directory: service type, town, approved only, minimum rating, price range; sorted by
rating, price or completed visits; paged with an opaque cursor."""

from __future__ import annotations

import random
import uuid

import pytest

from tests.providers.conftest import deliver, visit_payload

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _town() -> str:
    return "330282" + "".join(random.choice("0123456789") for _ in range(6))


async def _rate(kit, agency_id, stars):
    for n, star in enumerate(stars):
        booking = f"bkg_{uuid.uuid4().hex[:12]}"
        await deliver(kit, "bookings.visit.acknowledged", visit_payload(booking, agency_id, f"ent_s{n}"))
        response = await kit.client.post("/v1/reviews", json={"booking_id": booking, "stars": star},
                                         headers=kit.enterprise(f"ent_s{n}"))
        assert response.status_code == 201


async def _market(kit):
    """Three approved agencies and one pending in a town of their own."""
    town = _town()
    cheap = await kit.approved_agency(name="便宜", town_codes=[town])
    dear = await kit.approved_agency(name="贵", town_codes=[town])
    trainer = await kit.approved_agency(name="培训", town_codes=[town], service_types=["TRAINING"],
                                        qualifications=[kit.qualification(["TRAINING"])])
    pending = await kit.apply(name="待审", town_codes=[town])
    await kit.offering(cheap["id"], price_fen=50_000, towns=[town])
    await kit.offering(dear["id"], price_fen=150_000, towns=[town])
    await kit.offering(trainer["id"], "TRAINING", price_fen=30_000, towns=[town])
    return town, cheap, dear, trainer, pending


async def _search(kit, headers=None, **params):
    response = await kit.client.get("/v1/agencies", params={"limit": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _names(page):
    return [a["name"] for a in page["items"]]


async def test_filters_by_town_service_type_and_approved_only(kit):
    town, *_ = await _market(kit)
    assert sorted(_names(await _search(kit, town_code=town))) == sorted(["便宜", "贵", "培训"])
    assert sorted(_names(await _search(kit, town_code=town, service_type="HAZARD_INSPECTION"))) == ["便宜", "贵"]
    everyone = await _search(kit, kit.bureau(), town_code=town, approved_only=False)
    assert "待审" in _names(everyone)
    # Anonymous callers see approved agencies whatever they ask for.
    assert "待审" not in _names(await _search(kit, town_code=town, approved_only=False))


async def test_filters_by_price_range(kit):
    town, *_ = await _market(kit)
    assert _names(await _search(kit, town_code=town, service_type="HAZARD_INSPECTION",
                                price_max_fen=100_000)) == ["便宜"]
    assert _names(await _search(kit, town_code=town, price_min_fen=100_000)) == ["贵"]


async def test_filters_by_minimum_rating_and_sorts_by_rating(kit):
    town, cheap, dear, trainer, _ = await _market(kit)
    await _rate(kit, cheap["id"], [3, 4])
    await _rate(kit, dear["id"], [5, 5])
    await _rate(kit, trainer["id"], [2])
    assert _names(await _search(kit, town_code=town, sort="rating")) == ["贵", "便宜", "培训"]
    assert _names(await _search(kit, town_code=town, min_rating=3.5, sort="rating")) == ["贵", "便宜"]
    shown = (await _search(kit, town_code=town, sort="rating"))["items"][1]
    assert shown["rating"] == 3.5 and shown["rating_count"] == 2


async def test_sorts_by_price_and_by_completed_visits(kit):
    town, _cheap, dear, trainer, _ = await _market(kit)
    assert _names(await _search(kit, town_code=town, sort="price")) == ["培训", "便宜", "贵"]
    for n in range(2):
        await deliver(kit, "bookings.visit.reported",
                      visit_payload(f"bkg_{uuid.uuid4().hex[:12]}", dear["id"], f"ent_v{n}"))
    await deliver(kit, "bookings.visit.reported", visit_payload(f"bkg_{uuid.uuid4().hex[:12]}", trainer["id"], "e"))
    assert _names(await _search(kit, town_code=town, sort="visits")) == ["贵", "培训", "便宜"]


async def test_pages_follow_the_sort_with_a_cursor(kit):
    town, *_ = await _market(kit)
    first = await _search(kit, town_code=town, sort="price", limit=2)
    assert first["total"] == 3 and _names(first) == ["培训", "便宜"] and first["next_cursor"]
    second = await _search(kit, town_code=town, sort="price", limit=2, cursor=first["next_cursor"])
    assert _names(second) == ["贵"] and second["next_cursor"] is None
    bad = await kit.client.get("/v1/agencies", params={"cursor": "not-a-cursor!"})
    assert bad.status_code == 422 and bad.json()["code"] == "VALIDATION"


async def test_a_suspended_agency_disappears_from_search(kit):
    town, cheap, *_ = await _market(kit)
    await kit.decide(cheap["id"], "SUSPEND", "投诉查实")
    assert "便宜" not in _names(await _search(kit, town_code=town))
    assert "便宜" not in _names(await _search(kit, kit.insurer("ins_s"), town_code=town))
