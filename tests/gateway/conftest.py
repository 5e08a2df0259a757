"""Fixtures of the gateway's tests: the gateway alone (its own accounts database; the services at addresses
where nothing listens), GraphQL calls, and accounts made directly in its database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from gateway.accounts import service as accounts
from gateway.app import MIGRATIONS, create_app
from gateway.settings import GatewaySettings
from services.kernel import testing
from services.kernel.auth import Role

PASSWORD = "a-long-test-password"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers there


@dataclass
class GatewayUnderTest:
    client: httpx.AsyncClient
    app: Any

    async def gql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None,
                  **extra: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body: dict[str, Any] = {"query": query, "variables": variables or {}, **extra}
        response = await self.client.post("/graphql", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def account(self, email: str, role: Role, org: str | None = None, region: str | None = None,
                      expert: str | None = None) -> None:
        async with self.app.state.gateway.database.transaction() as session:
            await accounts.add_account(session=session, email=email, password=PASSWORD, role=role, org_id=org,
                                       region_code=region, expert_id=expert,
                                       hasher=self.app.state.gateway.account_policy.hasher)

    async def login(self, email: str, password: str = PASSWORD) -> str:
        data = await self.gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { "
                              "__typename ... on AuthPayload { token } ... on OperationError { code message } } }",
                              {"e": email, "p": password})
        assert data["data"]["login"]["__typename"] == "AuthPayload", data
        return str(data["data"]["login"]["token"])


def gateway_settings(keys: testing.TestKeys, tmp_path, db_url: str, **extra: Any) -> GatewaySettings:
    values: dict[str, Any] = {"policy_url": NOWHERE, "providers_url": NOWHERE, "bookings_url": NOWHERE,
                              "breaker_reset_seconds": 0.5,
                              "argon2_time_cost": 1, "argon2_memory_kib": 8192}
    values.update(extra)
    return GatewaySettings(database_url=db_url, kernel=keys.kernel_settings(tmp_path),
                           jwt_private_key=keys.private_pem.decode(), **values)


@pytest.fixture
async def gateway(keys, tmp_path, db_url) -> AsyncIterator[GatewayUnderTest]:
    app = create_app(gateway_settings(keys, tmp_path, db_url))
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        yield GatewayUnderTest(client, app)
