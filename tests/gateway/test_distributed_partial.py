"""Partial answers on real processes (distributed mode: each part its own process on PostgreSQL and NATS):
with the bookings service stopped, a policy query still answers, the bookings-fed fields are null, and
``errors`` names the service with SERVICE_UNAVAILABLE; the gateway itself stays ready."""

from __future__ import annotations

import asyncio
import socket
import uuid

import httpx
import pytest

from anze.composition import migrate_all, seed_all
from services.kernel import testing
from services.kernel.settings import KernelSettings

pytestmark = pytest.mark.distributed
PARTS = ("policy", "providers", "bookings", "gateway")


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.fixture
async def distributed(tmp_path, monkeypatch, subprocess_clock):
    if not (testing.postgres_available() and testing.nats_available()):
        pytest.skip("the distributed mode needs PostgreSQL and NATS JetStream running")
    from anze.distributed import DistributedConfig, Supervisor, drop_databases, ensure_databases

    ports = dict(zip((*PARTS, "web"), _free_ports(5), strict=True))
    tag = uuid.uuid4().hex[:8]
    config = DistributedConfig(pg_admin_url=testing.PG_ADMIN_URL, nats_url=testing.NATS_URL, var_dir=tmp_path,
                               db_prefix=f"anze_gw_{tag}", stream=f"GW{tag.upper()}", ports=ports, env_name="test")
    await ensure_databases(config)
    for key, value in config.environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ANZE_LOG_JSON", "false")
    monkeypatch.setenv("ANZE_GATEWAY_SERVICE_TIMEOUT_SECONDS", "2")
    supervisor = Supervisor(config, log_dir=tmp_path / "logs")
    try:
        await migrate_all(KernelSettings(), parts=PARTS)
        await seed_all(KernelSettings(), firms=40)
        await asyncio.to_thread(supervisor.start_all, PARTS)
        async with httpx.AsyncClient(base_url=config.url("gateway"), timeout=30) as http:
            yield http, supervisor
    finally:
        await asyncio.to_thread(supervisor.stop_all)
        await _delete_stream(config.nats_url, config.stream)
        await drop_databases(config)


async def _delete_stream(url: str, stream: str) -> None:
    """The stream covers every event subject: left behind, it would keep other runs from making theirs."""
    from services.kernel.events import NatsBus

    bus = NatsBus(url, stream)
    try:
        await bus.start()
        await bus.js.delete_stream(stream)
    except Exception:
        pass
    finally:
        await bus.close()


async def _login(http: httpx.AsyncClient, who: str) -> dict[str, str]:
    query = 'mutation($e: String!) { login(email: $e, password: "anze-demo-2026") { ... on AuthPayload { token } } }'
    body = (await http.post("/graphql", json={"query": query, "variables": {"e": f"{who}@demo.anze.cn"}})).json()
    return {"Authorization": f"Bearer {body['data']['login']['token']}"}


QUERY = """{ policies(first: 5) { totalCount nodes { id number enterprise { name } preventionSpentFen
  bookings { id } } } }"""


async def test_a_stopped_service_leaves_its_fields_null_and_is_named_in_errors(distributed):
    http, supervisor = distributed
    insurer = await _login(http, "insurer")
    healthy = (await http.post("/graphql", json={"query": QUERY}, headers=insurer)).json()
    assert "errors" not in healthy and healthy["data"]["policies"]["nodes"], healthy

    await asyncio.to_thread(supervisor.stop, "bookings")
    partial = (await http.post("/graphql", json={"query": QUERY}, headers=insurer)).json()
    nodes = partial["data"]["policies"]["nodes"]
    assert [n["id"] for n in nodes] == [n["id"] for n in healthy["data"]["policies"]["nodes"]]
    assert all(n["enterprise"]["name"] and n["preventionSpentFen"] is None and n["bookings"] is None for n in nodes)
    assert {e["extensions"]["code"] for e in partial["errors"]} == {"SERVICE_UNAVAILABLE"}
    assert {e["extensions"]["service"] for e in partial["errors"]} == {"bookings"}
    assert (await http.get("/readyz")).status_code == 200
    bureau = await _login(http, "bureau")
    coverage = (await http.post("/graphql", json={"query": '{ coverage(regionCode: "330282") { partial '
                                                           "total { enterprises } } }"}, headers=bureau)).json()
    assert coverage["data"]["coverage"]["partial"] is False and "errors" not in coverage

    await asyncio.to_thread(supervisor.stop, "policy")
    down = (await http.post("/graphql", json={"query": '{ coverage(regionCode: "330282") { partial '
                                                       "total { enterprises } } }"}, headers=bureau)).json()
    assert down["data"]["coverage"] == {"partial": True, "total": {"enterprises": 0}}
    assert down["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "policy"}
