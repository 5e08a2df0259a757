"""Events between parts: written to an outbox in the business transaction, relayed to the bus after
commit, consumed by handlers that record each event id in an inbox so that a repeat changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import Database, UTCDateTime, utcnow
from services.kernel.ids import new_id
from services.kernel.observability import EVENT_DELAY, EVENTS_CONSUMED

log = logging.getLogger("anze.events")


@dataclass(frozen=True)
class Event:
    """One fact another part may need: ``<service>.<entity>.<verb>`` with a versioned JSON payload."""

    name: str
    payload: Mapping[str, Any]
    id: str = field(default_factory=lambda: new_id("evt"))
    version: int = 1
    occurred_at: datetime = field(default_factory=utcnow)

    def to_json(self) -> bytes:
        return json.dumps(
            {"id": self.id, "name": self.name, "version": self.version,
             "occurred_at": self.occurred_at.isoformat(), "payload": dict(self.payload)},
            ensure_ascii=False,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Event:
        data = json.loads(raw)
        return cls(name=data["name"], payload=data["payload"], id=data["id"], version=data["version"],
                   occurred_at=datetime.fromisoformat(data["occurred_at"]))


# ---------------------------------------------------------------- tables (each part declares its own)


class OutboxMixin:
    """``class Outbox(OutboxMixin, Base): __tablename__ = "outbox"`` in each part's models."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class InboxMixin:
    """``class Inbox(InboxMixin, Base): __tablename__ = "inbox"``: the ids of events already applied."""

    event_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


def record_event(session: AsyncSession, outbox_model: type[OutboxMixin], name: str,
                 payload: Mapping[str, Any], *, version: int = 1) -> Event:
    """Add an event to the outbox of the current transaction; it is published only if that commits."""
    event = Event(name=name, payload=dict(payload), version=version)
    session.add(outbox_model(id=event.id, name=event.name, version=event.version,  # type: ignore[call-arg]
                             payload=dict(event.payload), occurred_at=event.occurred_at))
    session.info["anze_events"] = True
    return event


# ---------------------------------------------------------------- the bus

Handler = Callable[[Event], Awaitable[object]]  # what a handler returns is ignored


class Bus:
    """Publishes events and runs durable consumers; a consumer that is stopped misses nothing."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, event: Event) -> None:
        raise NotImplementedError

    async def subscribe(self, durable: str, names: list[str], handler: Handler) -> Subscription:
        raise NotImplementedError

    @property
    def healthy(self) -> bool:
        return True


class Subscription:
    async def stop(self) -> None: ...


def _matches(patterns: list[str], name: str) -> bool:
    for pattern in patterns:
        if pattern == name or pattern == ">" or (pattern.endswith(".>") and name.startswith(pattern[:-1])):
            return True
    return False


class MemoryBus(Bus):
    """The embedded transport: one log in memory, each durable consumer with its own position in it, so
    that a consumer stopped and started again resumes where it was (as a JetStream durable does).

    Consumers the composition root declares with ``expect`` are waited for: ``publish`` returns only once
    each of them has applied the event, so the relay marks an outbox row published only after delivery.
    A crash in between leaves the row unpublished; it goes out again and the inbox drops the repeat."""

    def __init__(self, redeliver_after: float = 0.5, delivery_timeout: float = 10.0) -> None:
        self.log: list[Event] = []
        self.positions: dict[str, int] = {}
        self.expected: dict[str, list[str]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._progress = asyncio.Condition()
        self.redeliver_after = redeliver_after
        self.delivery_timeout = delivery_timeout

    def expect(self, durable: str, names: list[str]) -> None:
        """Declare a consumer that must apply each matching event before ``publish`` returns."""
        self.expected[durable] = list(names)
        self.positions.setdefault(durable, 0)

    async def publish(self, event: Event) -> None:
        self.log.append(event)
        index = len(self.log) - 1
        for wake in self._wake.values():
            wake.set()
        waiting = [d for d, names in self.expected.items() if _matches(names, event.name)]
        if not waiting:
            return

        def delivered() -> bool:
            return all(self.positions.get(d, 0) > index for d in waiting)

        async with self._progress:
            try:
                await asyncio.wait_for(self._progress.wait_for(delivered), self.delivery_timeout)
            except TimeoutError as exc:
                raise RuntimeError(f"{event.name} was not applied by {', '.join(waiting)} in time") from exc

    async def subscribe(self, durable: str, names: list[str], handler: Handler) -> Subscription:
        self.positions.setdefault(durable, 0)
        wake = self._wake.setdefault(durable, asyncio.Event())
        wake.set()
        task = asyncio.create_task(self._run(durable, names, handler, wake), name=f"memorybus:{durable}")
        return _TaskSubscription(task, lambda: self._wake.pop(durable, None))

    async def _run(self, durable: str, names: list[str], handler: Handler, wake: asyncio.Event) -> None:
        while True:
            await wake.wait()
            wake.clear()
            while self.positions[durable] < len(self.log):
                event = self.log[self.positions[durable]]
                if _matches(names, event.name):
                    try:
                        await handler(event)
                    except Exception:
                        log.exception("consumer %s failed on %s; redelivering", durable, event.name)
                        await asyncio.sleep(self.redeliver_after)
                        continue
                self.positions[durable] += 1
                async with self._progress:
                    self._progress.notify_all()


class _TaskSubscription(Subscription):
    def __init__(self, task: asyncio.Task[None], on_stop: Callable[[], Any],
                 stopping: asyncio.Event | None = None) -> None:
        self.task, self.on_stop, self.stopping = task, on_stop, stopping

    async def stop(self) -> None:
        """Ends the consuming task, never waiting on it for ever: a client library that swallows one
        cancellation (seen with a NATS fetch during a leader change) is asked again, and the loop also
        checks ``stopping``."""
        if self.stopping is not None:
            self.stopping.set()
        for _ in range(5):
            self.task.cancel()
            done, _ = await asyncio.wait({self.task}, timeout=2)
            if done:
                if not self.task.cancelled():
                    self.task.exception()  # retrieved, so never reported as lost
                break
        else:
            log.warning("the consumer task %s did not stop", self.task.get_name())
        self.on_stop()


class NatsBus(Bus):
    """The distributed transport: NATS JetStream, one stream for all events, a durable pull consumer per
    consuming part. The event id is the message id, so JetStream drops a re-published duplicate."""

    def __init__(self, url: str, stream: str = "ANZE", replicas: int = 1) -> None:
        # ``url`` may list several servers of a cluster, comma-separated; the client also learns the
        # others from the server it reaches. ``replicas`` copies of the stream survive a server's loss.
        self.url, self.stream, self.replicas = url, stream, replicas
        # Subjects belong to one stream: the production stream carries ``anze.>``; any other (a test's,
        # a second deployment's on a shared server) its own namespace, so streams never overlap.
        self.prefix = "anze" if stream == "ANZE" else f"anze_{stream.lower()}"
        self.nc: Any = None
        self.js: Any = None

    def subject(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    async def start(self) -> None:
        import nats
        from nats.js.api import StreamConfig
        from nats.js.errors import NotFoundError

        servers = [server.strip() for server in self.url.split(",") if server.strip()]
        async def error(exc: Exception) -> None:  # one line, not the client's traceback (a server lost is news,
            log.warning("NATS: %s: %s", exc.__class__.__name__, exc)  # its stack is not)

        async def reconnected() -> None:
            log.info("NATS: reconnected to %s", getattr(self.nc, "connected_url", None))

        self.nc = await nats.connect(servers=servers, name="anze", max_reconnect_attempts=-1,
                                     reconnect_time_wait=0.5, error_cb=error, reconnected_cb=reconnected)
        self.js = self.nc.jetstream()
        config = StreamConfig(name=self.stream, subjects=[f"{self.prefix}.>"], duplicate_window=120.0,
                              num_replicas=self.replicas)
        try:
            info = await self.js.stream_info(self.stream)
        except NotFoundError:
            await self.js.add_stream(config)
            return
        if (info.config.num_replicas or 1) != self.replicas:  # scaled out (or in) since it was created
            log.info("stream %s: %s replicas, now %s", self.stream, info.config.num_replicas, self.replicas)
            info.config.num_replicas = self.replicas
            await self.js.update_stream(info.config)

    async def close(self) -> None:
        if self.nc is not None and not self.nc.is_closed:
            try:  # drain what is in flight, within bounds (a cluster that lost a server may not answer)
                await asyncio.wait_for(self.nc.drain(), timeout=10)
            except Exception:
                log.warning("draining the NATS connection failed; closing it")
                await self.nc.close()

    @property
    def healthy(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    async def publish(self, event: Event) -> None:
        await self.js.publish(self.subject(event.name), event.to_json(), stream=self.stream,
                              headers={"Nats-Msg-Id": event.id})

    async def subscribe(self, durable: str, names: list[str], handler: Handler) -> Subscription:
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        config = ConsumerConfig(
            durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
            ack_wait=30, max_deliver=-1, filter_subject=f"{self.prefix}.>",
        )
        # One durable per consuming part over the whole stream keeps events in the order they happened
        # (activated before cancelled); names the part does not handle are acknowledged and skipped.
        # Creating a durable that exists with the same config is a no-op.
        await self.js.add_consumer(self.stream, config=config)
        sub = await self.js.pull_subscribe_bind(durable=durable, stream=self.stream)
        stopping = asyncio.Event()
        task = asyncio.create_task(self._run(sub, names, handler, stopping), name=f"nats:{durable}")
        return _TaskSubscription(task, lambda: None, stopping)

    async def _run(self, sub: Any, names: list[str], handler: Handler, stopping: asyncio.Event) -> None:
        import nats.errors

        while not stopping.is_set():
            try:
                msgs = await sub.fetch(batch=50, timeout=1)
            except nats.errors.TimeoutError:
                continue
            except Exception:
                log.exception("fetching events failed; retrying")
                await asyncio.sleep(1)
                continue
            for msg in msgs:
                try:
                    event = Event.from_json(msg.data)
                    if _matches(names, event.name):
                        await handler(event)
                except Exception:
                    log.exception("handling %s failed; it will be redelivered", msg.subject)
                    await msg.nak(delay=1)
                    continue
                await msg.ack()


def make_bus(url: str, stream: str = "ANZE", replicas: int = 1) -> Bus:
    if url.startswith("memory"):
        return MemoryBus()
    if url.startswith("nats"):
        return NatsBus(url, stream, replicas)
    raise ValueError(f"unknown bus URL {url!r}: use memory:// or nats://host:port")


# ---------------------------------------------------------------- relay and consumer


class OutboxRelay:
    """Publishes committed outbox rows, oldest first; woken after each commit, and polling as a safety
    net so that rows left by a process that died before publishing still go out."""

    def __init__(self, database: Database, outbox_model: type[OutboxMixin], bus: Bus,
                 poll_seconds: float = 1.0, batch: int = 100,
                 on_published: Callable[[Event], None] | None = None) -> None:
        self.database, self.model, self.bus = database, outbox_model, bus
        self.poll_seconds, self.batch = poll_seconds, batch
        self.on_published = on_published
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                while await self.publish_pending():
                    pass
            except Exception:
                log.exception("outbox relay failed; retrying")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def publish_pending(self) -> int:
        """Publish one batch, oldest first; returns how many went out. On PostgreSQL the rows stay locked
        (SKIP LOCKED) while they are published, so replicas share the work without sending twice. SQLite
        has one writer: rows are read, published, then marked in a second transaction."""
        model = self.model
        stmt = (select(model).where(model.published_at.is_(None))
                .order_by(model.occurred_at, model.id).limit(self.batch))
        if not self.database.is_sqlite:
            async with self.database.transaction() as session:
                rows = (await session.scalars(stmt.with_for_update(skip_locked=True))).all()
                sent, failure = await self._publish(rows)
                await self._mark(session, [r.id for r in rows[:sent]], rows[sent].id if failure else None, failure)
                return sent
        async with self.database.transaction() as session:
            rows = (await session.scalars(stmt)).all()
        sent, failure = await self._publish(rows)
        async with self.database.transaction() as session:
            await self._mark(session, [r.id for r in rows[:sent]], rows[sent].id if failure else None, failure)
        return sent

    async def _publish(self, rows: Sequence[Any]) -> tuple[int, str | None]:
        for sent, row in enumerate(rows):
            event = Event(name=row.name, payload=row.payload, id=row.id, version=row.version,
                          occurred_at=row.occurred_at)
            try:
                await self.bus.publish(event)
            except Exception as exc:
                log.warning("publishing %s failed: %s", row.name, exc)
                return sent, str(exc)[:500] or exc.__class__.__name__
            if self.on_published is not None:
                self.on_published(event)
        return len(rows), None

    async def _mark(self, session: AsyncSession, published: list[str], failed: str | None,
                    error: str | None) -> None:
        model = self.model
        if published:
            await session.execute(update(model).where(model.id.in_(published)).values(published_at=utcnow()))
        if failed is not None:
            await session.execute(update(model).where(model.id == failed).values(
                attempts=model.attempts + 1, last_error=error))


EventHandler = Callable[[AsyncSession, Event], Awaitable[None]]


class Consumer:
    """Applies events to one part's database exactly once: the inbox row and the handler's changes
    commit together, and an event id already in the inbox is skipped."""

    def __init__(self, database: Database, inbox_model: type[InboxMixin], durable: str,
                 handlers: Mapping[str, EventHandler], on_commit: Callable[[], None] | None = None) -> None:
        self.database, self.inbox, self.durable = database, inbox_model, durable
        self.handlers = dict(handlers)
        self.on_commit = on_commit
        self.subscription: Subscription | None = None

    async def handle(self, event: Event) -> bool:
        """Apply one event; False when it had been applied before."""
        handler = self.handlers.get(event.name)
        if handler is None:
            return False
        try:
            async with self.database.transaction() as session:
                if await session.get(self.inbox, event.id) is not None:
                    return False
                session.add(self.inbox(event_id=event.id, name=event.name,  # type: ignore[call-arg]
                                       received_at=utcnow()))
                await session.flush()
                await handler(session, event)
        except IntegrityError:
            # Another replica applied the same event at the same moment: its inbox row won.
            return False
        EVENTS_CONSUMED.labels(self.durable, event.name).inc()
        EVENT_DELAY.labels(self.durable).observe(max(0.0, (utcnow() - event.occurred_at).total_seconds()))
        if self.on_commit is not None:
            self.on_commit()
        return True

    async def start(self, bus: Bus) -> None:
        if self.handlers:
            self.subscription = await bus.subscribe(self.durable, list(self.handlers), self.handle)

    async def stop(self) -> None:
        if self.subscription is not None:
            await self.subscription.stop()
            self.subscription = None
