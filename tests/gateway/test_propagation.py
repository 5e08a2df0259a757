"""The caller's token, request id and trace go on to every service call; the gateway answers with the
request id."""

from __future__ import annotations

import httpx
import pytest

from gateway.app import MIGRATIONS as GATEWAY_MIGRATIONS
from gateway.app import create_app
from services.kernel import testing
from services.kernel.auth import Role
from services.kernel.runtime import Wiring
from services.policy.app import MIGRATIONS as POLICY_MIGRATIONS
from services.policy.app import create_app as create_policy
from services.policy.settings import PolicySettings

from .conftest import gateway_settings


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


class Recording(httpx.AsyncBaseTransport):
    """Passes requests to the real service and keeps their headers."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.headers = inner, []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.headers.append(dict(request.headers))
        return await self.inner.handle_async_request(request)


async def test_token_request_id_and_traceparent_reach_the_service(keys, tmp_path, db_url):
    policy = create_policy(PolicySettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
                                          kernel=keys.kernel_settings(tmp_path)))
    await testing.migrate_app(policy, POLICY_MIGRATIONS)
    recording = Recording(httpx.ASGITransport(app=policy))
    gateway = create_app(gateway_settings(keys, tmp_path, db_url), Wiring(transports={"policy": recording}))
    await testing.migrate_app(gateway, GATEWAY_MIGRATIONS)
    token = keys.token(Role.BUREAU, region="330282")
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with policy.router.lifespan_context(policy), testing.running(gateway) as client:
        response = await client.post("/graphql", json={"query": '{ coverage(regionCode: "330282") { total { '
                                                                 "enterprises } } }"},
                                     headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-gw-42",
                                              "traceparent": trace})
    assert response.status_code == 200 and "errors" not in response.json(), response.json()
    assert response.headers["x-request-id"] == "req-gw-42"
    [sent] = recording.headers
    assert sent["authorization"] == f"Bearer {token}"
    assert sent["x-request-id"] == "req-gw-42"
    assert sent["traceparent"].split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
