"""How long events stop when a JetStream server dies, in the scaled overlay's shape: three real
``nats-server`` processes routed to each other, the stream on three replicas (``ANZE_BUS_REPLICAS=3``).

Each run starts a fresh cluster, publishes 200 events through ``NatsBus`` (what every part's outbox relay
uses) while a durable consumer applies them, kills the server that leads the stream, then publishes 200 more,
retrying a refused publish as the relay does. It prints, per run and as medians:

- the publish gap: from the kill to the first publish the cluster accepts again;
- the catch-up: from the kill to the moment the consumer has applied all 400 events;
- lost and duplicated events (both must be 0).

    .venv/bin/python bench/nats_failover.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.kernel.events import Event, NatsBus
from services.kernel.testing import NATS_SERVER, nats_cluster

EVENTS = 200


async def _retry(action, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return await action()
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def one_run(folder: Path) -> tuple[float, float, int, int]:
    with nats_cluster(folder) as (urls, processes):
        bus = NatsBus(",".join(urls), "ANZE", replicas=3)
        await _retry(bus.start)
        applied: list[str] = []
        everything = asyncio.Event()

        async def handler(event: Event) -> None:
            applied.append(event.id)
            if len(set(applied)) >= 2 * EVENTS:
                everything.set()

        subscription = await _retry(lambda: bus.subscribe("bench", ["policy.policy.activated"], handler))
        try:
            events = [Event(name="policy.policy.activated", payload={"n": n}) for n in range(2 * EVENTS)]
            for event in events[:EVENTS]:
                await _retry(lambda event=event: bus.publish(event))
            leader = (await bus.js.stream_info("ANZE")).cluster.leader
            killed = time.monotonic()
            processes[leader].kill()
            await _retry(lambda: bus.publish(events[EVENTS]))
            gap = time.monotonic() - killed
            for event in events[EVENTS + 1:]:
                await _retry(lambda event=event: bus.publish(event))
            await asyncio.wait_for(everything.wait(), timeout=120)
            catch_up = time.monotonic() - killed
            await asyncio.sleep(1.0)  # room for a duplicate to show
            lost = len({e.id for e in events} - set(applied))
            return gap, catch_up, lost, len(applied) - len(set(applied))
        finally:
            await subscription.stop()
            await bus.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    # the NATS client leaves a cancelled internal future behind when its server is killed: not news here
    loop.set_exception_handler(lambda lp, ctx: None if isinstance(ctx.get("exception"), asyncio.CancelledError)
                               else lp.default_exception_handler(ctx))
    gaps, catch_ups = [], []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as folder:
            gap, catch_up, lost, duplicated = await one_run(Path(folder))
        gaps.append(gap)
        catch_ups.append(catch_up)
        print(f"run {run}: publish gap {gap * 1000:.0f} ms, all {2 * EVENTS} applied {catch_up * 1000:.0f} ms after "
              f"the kill, lost {lost}, duplicated {duplicated}", flush=True)
        if lost or duplicated:
            sys.exit("events were lost or duplicated")
    print(f"median over {args.runs} runs: publish gap {statistics.median(gaps) * 1000:.0f} ms "
          f"(max {max(gaps) * 1000:.0f}), catch-up {statistics.median(catch_ups) * 1000:.0f} ms; "
          f"0 lost, 0 duplicated")


if __name__ == "__main__":
    if not Path(NATS_SERVER).exists():
        print("skipped: nats-server is not installed")
        sys.exit(0)
    asyncio.run(main())
