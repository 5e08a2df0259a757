"""The providers service on NATS JetStream (the distributed transport): its decisions reach the stream,
and the bookings events it consumes arrive from it."""

from __future__ import annotations

import asyncio

import pytest

from services.kernel import testing
from services.kernel.events import Event, NatsBus
from services.providers.app import MIGRATIONS, create_app
from services.providers.settings import ProvidersSettings
from tests.providers.conftest import Kit, visit_payload


async def _eventually(predicate, attempts: int = 200) -> None:
    for _ in range(attempts):
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting")


@pytest.fixture
async def nats_kit(keys, tmp_path, nats_url):
    kernel = keys.kernel_settings(tmp_path, bus_url=nats_url)
    settings = ProvidersSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'providers.db'}", kernel=kernel)
    app = create_app(settings)
    await testing.migrate_app(app, MIGRATIONS)
    try:
        async with testing.running(app) as client:
            yield Kit(app=app, client=client, keys=keys), kernel.bus_stream
    finally:
        probe = NatsBus(nats_url, kernel.bus_stream)
        await probe.start()
        await probe.js.delete_stream(kernel.bus_stream)
        await probe.close()


async def test_an_approval_is_published_and_an_acknowledged_visit_arrives_over_nats(nats_kit, nats_url):
    kit, stream = nats_kit
    agency = await kit.approved_agency()
    seen: list[Event] = []
    other_part = NatsBus(nats_url, stream)
    await other_part.start()

    async def collect(event: Event) -> None:
        seen.append(event)

    subscription = await other_part.subscribe("test-listener", ["providers.agency.approved"], collect)
    try:
        async def approved() -> bool:
            return any(e.payload["agency_id"] == agency["id"] for e in seen)

        await _eventually(approved)
        await other_part.publish(Event(name="bookings.visit.acknowledged",
                                       payload=visit_payload("bkg_nats1", agency["id"], "ent_n1")))

        async def reviewable() -> bool:
            response = await kit.client.post("/v1/reviews", json={"booking_id": "bkg_nats1", "stars": 5},
                                             headers=kit.enterprise("ent_n1"))
            return response.status_code == 201

        await _eventually(reviewable)
        assert (await kit.client.get(f"/v1/agencies/{agency['id']}")).json()["rating"] == 5.0
    finally:
        await subscription.stop()
        await other_part.close()
