"""A JetStream cluster of three real ``nats-server`` processes, as the scaled overlay runs it: with the
stream on three replicas, losing the server that leads the stream loses no event and delivers none twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.kernel.events import Event, NatsBus
from services.kernel.testing import NATS_SERVER, nats_cluster

pytestmark = pytest.mark.skipif(not Path(NATS_SERVER).exists(), reason="nats-server is not installed")


async def _eventually(action, seconds: float = 30.0):
    """What the outbox relay does: try again until the cluster answers (it elects leaders after a loss)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            return await action()
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


async def test_a_three_server_cluster_keeps_every_event_when_the_stream_leader_dies(tmp_path):
    async with asyncio.timeout(180):  # a cluster that stops answering fails the test, never hangs the suite
        await _leader_loss(tmp_path)


async def _leader_loss(tmp_path) -> None:
    with nats_cluster(tmp_path) as (urls, processes):
        bus = NatsBus(",".join(urls), "ANZE", replicas=3)
        await _eventually(bus.start)  # JetStream answers once the cluster has elected its meta leader
        received: list[str] = []

        async def handler(event: Event) -> None:
            received.append(event.id)

        subscription = await _eventually(lambda: bus.subscribe("cluster-test", ["policy.policy.activated"], handler))
        try:
            events = [Event(name="policy.policy.activated", payload={"n": n}) for n in range(10)]
            for event in events[:5]:
                await _eventually(lambda event=event: bus.publish(event))
            info = await bus.js.stream_info("ANZE")
            assert info.config.num_replicas == 3
            leader = info.cluster.leader
            assert leader in processes and len(info.cluster.replicas) == 2

            processes[leader].terminate()  # the server that leads the stream goes away
            processes[leader].wait(timeout=10)
            for event in events[5:]:
                await _eventually(lambda event=event: bus.publish(event))
            await _eventually(lambda event=events[0]: bus.publish(event))  # the relay re-sending one: dropped

            async def all_delivered() -> None:
                if len(received) < len(events):
                    raise AssertionError(f"{len(received)} of {len(events)} delivered")

            await _eventually(all_delivered)
            await asyncio.sleep(1.0)  # time for a duplicate to arrive, if one were coming
            assert sorted(received) == sorted(e.id for e in events)
            assert (await bus.js.stream_info("ANZE")).cluster.leader != leader
        finally:
            await subscription.stop()
            await bus.close()
