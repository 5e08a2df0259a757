"""The event path: outbox written in the transaction, relayed after commit, applied once by consumers."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel import testing
from services.kernel.db import Database, make_base
from services.kernel.events import (
    Consumer,
    Event,
    InboxMixin,
    MemoryBus,
    NatsBus,
    OutboxMixin,
    OutboxRelay,
    record_event,
)

Base = make_base()


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"


class Inbox(InboxMixin, Base):
    __tablename__ = "inbox"


class Applied(Base):
    __tablename__ = "applied"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)


async def _database(url: str) -> Database:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return db


async def _applied(db: Database) -> int:
    async with db.transaction() as s:
        return await s.scalar(select(func.count()).select_from(Applied)) or 0


async def _wait_for(predicate, within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


async def _apply(session, event: Event) -> None:
    session.add(Applied(id=event.payload["ref"]))


async def _exercise(bus, db_url: str) -> None:
    producer_db, consumer_db = await _database(db_url), await _database(db_url.replace("part", "other"))
    await bus.start()
    relay = OutboxRelay(producer_db, Outbox, bus, poll_seconds=0.1)
    consumer = Consumer(consumer_db, Inbox, "test-consumer", {"policy.policy.activated": _apply})
    try:
        # A rolled-back transaction publishes nothing.
        with pytest.raises(RuntimeError):
            async with producer_db.transaction() as s:
                record_event(s, Outbox, "policy.policy.activated", {"ref": "never"})
                raise RuntimeError("business failure")
        # Committed while the consumer is down: kept on the bus, applied once when it comes back.
        async with producer_db.transaction() as s:
            record_event(s, Outbox, "policy.policy.activated", {"ref": "p1"})
        relay.start()
        relay.notify()
        await asyncio.sleep(0.5)
        assert await _applied(consumer_db) == 0
        delays_before = _delay_samples()
        await consumer.start(bus)
        await _wait_for(lambda: _count_is(consumer_db, 1))
        # the consumer's lag is measured: one event, applied at least the half second it waited later
        count, total = (a - b for a, b in zip(_delay_samples(), delays_before, strict=True))
        assert count == 1 and total >= 0.5
        # The same event delivered again changes nothing.
        async with producer_db.transaction() as s:
            row = (await s.scalars(select(Outbox))).one()
            duplicate = Event(name=row.name, payload=row.payload, id=row.id, occurred_at=row.occurred_at)
        assert await consumer.handle(duplicate) is False
        assert await _applied(consumer_db) == 1
    finally:
        await consumer.stop()
        await relay.stop()
        await bus.close()
        await producer_db.dispose()
        await consumer_db.dispose()


def _delay_samples() -> tuple[float, float]:
    labels = {"service": "test-consumer"}
    return (REGISTRY.get_sample_value("anze_event_delay_seconds_count", labels) or 0.0,
            REGISTRY.get_sample_value("anze_event_delay_seconds_sum", labels) or 0.0)


async def _count_is(db: Database, n: int) -> bool:
    return await _applied(db) == n


async def test_memory_bus_delivers_committed_events_once(tmp_path):
    await _exercise(MemoryBus(), f"sqlite+aiosqlite:///{tmp_path / 'part.db'}")


async def test_nats_bus_delivers_committed_events_once(tmp_path, nats_url):
    stream = f"T{testing.uuid.uuid4().hex[:8].upper()}"
    bus = NatsBus(nats_url, stream)
    try:
        await _exercise(bus, f"sqlite+aiosqlite:///{tmp_path / 'part.db'}")
    finally:
        probe = NatsBus(nats_url, stream)
        await probe.start()
        await probe.js.delete_stream(stream)
        await probe.close()


async def test_memory_bus_returns_from_publish_only_after_expected_consumers_applied_the_event(tmp_path):
    """In the embedded mode the relay marks an event published only once it was applied, so a crash
    between the two cannot lose it."""
    bus = MemoryBus(delivery_timeout=1.0)
    applied: list[str] = []

    async def slow_handler(event: Event) -> None:
        await asyncio.sleep(0.2)
        applied.append(event.id)

    bus.expect("bookings", ["policy.policy.activated"])
    subscription = await bus.subscribe("bookings", ["policy.policy.activated"], slow_handler)
    event = Event(name="policy.policy.activated", payload={"ref": "p1"})
    await bus.publish(event)
    assert applied == [event.id]
    await bus.publish(Event(name="policy.enterprise.registered", payload={}))  # not expected: no wait
    await subscription.stop()


async def test_an_event_the_consumer_cannot_apply_stays_unpublished_in_the_outbox(tmp_path):
    db = await _database(f"sqlite+aiosqlite:///{tmp_path / 'part.db'}")
    bus = MemoryBus(delivery_timeout=0.3, redeliver_after=0.05)

    async def failing(event: Event) -> None:
        raise RuntimeError("consumer cannot apply this yet")

    bus.expect("bookings", ["policy.policy.activated"])
    subscription = await bus.subscribe("bookings", ["policy.policy.activated"], failing)
    relay = OutboxRelay(db, Outbox, bus, poll_seconds=0.1)
    async with db.transaction() as s:
        record_event(s, Outbox, "policy.policy.activated", {"ref": "p1"})
    assert await relay.publish_pending() == 0
    async with db.transaction() as s:
        row = (await s.scalars(select(Outbox))).one()
        assert row.published_at is None and row.attempts == 1 and "not applied" in row.last_error
    await subscription.stop()
    await db.dispose()
