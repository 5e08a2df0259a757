"""No event is lost and none is applied twice, with every part its own process on PostgreSQL and NATS:
a policy activated while the bookings service is down reaches its ledger once bookings is back, and the
same event delivered again changes nothing."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import httpx
import pytest

from services.kernel.events import NatsBus

pytestmark = pytest.mark.distributed


async def _ledger(config, token: str, policy_id: str) -> dict | None:
    async with httpx.AsyncClient(base_url=config.url("bookings"), timeout=10) as http:
        r = await http.get("/v1/ledgers", params={"policy_ids": policy_id},
                           headers={"Authorization": f"Bearer {token}"})
    if r.status_code != 200:
        return None
    body = r.json()
    rows = body["items"] if isinstance(body, dict) else body
    return next((row for row in rows if row["policy_id"] == policy_id), None)


async def _activation_event(config, policy_id: str) -> tuple[str, bytes]:
    """The activation exactly as the policy service put it in its outbox."""
    url = config.database_url("policy").replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT id, name, version, payload, occurred_at FROM outbox "
                                "WHERE name = 'policy.policy.activated'")
    finally:
        await conn.close()
    for row in rows:
        payload = json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
        if payload.get("policy_id") == policy_id:
            body = json.dumps({"id": row["id"], "name": row["name"], "version": row["version"],
                               "occurred_at": row["occurred_at"].isoformat(), "payload": payload}).encode()
            return row["id"], body
    raise AssertionError("the activation is not in the policy outbox")


async def _consumer_idle(bus: NatsBus, stream: str) -> bool:
    info = await bus.js.consumer_info(stream, "bookings")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_activation_while_bookings_is_down_reaches_the_ledger_exactly_once(distributed, steps):
    config, supervisor = distributed.config, distributed.supervisor
    s = steps(distributed.gql)
    who = await s.accounts()
    enterprise, insurer = who["enterprise"], who["insurer"]
    insurer_id = (await insurer("query { me { orgId } }"))["me"]["orgId"]
    firm = await s.my_firm(enterprise)

    await asyncio.to_thread(supervisor.stop, "bookings")
    bound = await s.quote_and_bind(enterprise, firm, insurer_id)
    policy_id, budget = bound["policy"]["id"], bound["quote"]["preventionBudgetFen"]
    await s.pay_by_bank_transfer(enterprise, insurer, policy_id)
    await asyncio.sleep(1.0)  # the activation is published while nobody consumes it

    await asyncio.to_thread(supervisor.start, "bookings")
    await asyncio.to_thread(supervisor.wait_ready, "bookings")
    ledger = await steps.eventually(lambda: _ledger(config, insurer.token, policy_id), within=90)  # a restart + catch-up
    assert ledger["budget_fen"] == budget

    # The same event once more, under a new message id so that JetStream does not drop it itself:
    # the bookings inbox must.
    _, body = await _activation_event(config, policy_id)
    bus = NatsBus(config.nats_url, config.stream)
    await bus.start()
    try:
        await bus.js.publish(bus.subject("policy.policy.activated"), body, stream=config.stream,
                             headers={"Nats-Msg-Id": uuid.uuid4().hex})
        await steps.eventually(lambda: _consumer_idle(bus, config.stream), within=90)
    finally:
        await bus.close()
    again = await _ledger(config, insurer.token, policy_id)
    assert again["budget_fen"] == budget
    assert again["available_fen"] == budget
