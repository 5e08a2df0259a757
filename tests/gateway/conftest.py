"""Fixtures of the gateway's tests: the gateway alone (its own accounts database; the services at addresses
where nothing listens), GraphQL calls, and accounts made directly in its database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

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


# ---------------------------------------------------------------- the whole platform, embedded

DEMO_PASSWORD = "anze-demo-2026"
PLATFORM_FIRMS = 80


@dataclass
class Platform:
    """The embedded platform (every part, one process) seeded with the demo data, reached through GraphQL."""

    client: httpx.AsyncClient
    app: Any
    ctx: dict[str, Any]
    tokens: dict[str, str]

    @property
    def gateway(self) -> Any:
        return self.app.state.platform.apps["gateway"].state.gateway

    async def gql(self, query: str, variables: dict[str, Any] | None = None, as_: str | None = None,
                  token: str | None = None) -> dict[str, Any]:
        token = token or (self.tokens[as_] if as_ else None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post("/graphql", json={"query": query, "variables": variables or {}},
                                          headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    @contextlib.asynccontextmanager
    async def at_the_visit(self, start: str, who: str = "expert") -> AsyncIterator[None]:
        """On the visit's day (the pinned clock travels to just after ``start``: check-in opens 2 hours before),
        ``who`` logged in again then, as a person would be (the morning's token has long expired)."""
        from tests.visit_day import at_the_visit

        with at_the_visit(start):
            saved = self.tokens[who]
            body = await self.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { '
                                  "... on AuthPayload { token } } }", {"e": f"{who}@demo.anze.cn", "p": DEMO_PASSWORD})
            self.tokens[who] = body["data"]["login"]["token"]
            try:
                yield
            finally:
                self.tokens[who] = saved

    async def data(self, query: str, variables: dict[str, Any] | None = None, as_: str | None = None) -> Any:
        body = await self.gql(query, variables, as_)
        assert not body.get("errors"), body["errors"]
        return body["data"]


def platform_overrides(backend: str, kernel: Any, urls: dict[str, str]) -> dict[str, Any]:
    from anze.composition import part_app_module

    overrides: dict[str, Any] = {}
    for part in ("policy", "providers", "bookings", "gateway"):
        cls = part_app_module(part).SETTINGS
        extra: dict[str, Any] = {"database_url": urls[part]} if backend == "postgres" else {}
        if part == "gateway":
            extra.update(argon2_time_cost=1, argon2_memory_kib=8192)
        overrides[part] = cls(kernel=kernel, **extra)
    return overrides


@pytest_asyncio.fixture(scope="package", loop_scope="package", params=testing.backends())
async def platform(request, tmp_path_factory) -> AsyncIterator[Platform]:
    from anze.composition import create_embedded_app, migrate_all, seed_all
    from services.kernel.settings import KernelSettings

    backend = request.param
    tmp = tmp_path_factory.mktemp(f"platform-{backend}")
    kernel = KernelSettings(env="test", var_dir=tmp, bus_url="memory://", relay_poll_seconds=0.2, log_json=False)
    urls = {part: await testing.create_pg_database() for part in ("policy", "providers", "bookings", "gateway")} \
        if backend == "postgres" else {}
    try:
        overrides = platform_overrides(backend, kernel, urls)
        await migrate_all(kernel, overrides)
        ctx = await seed_all(kernel, overrides, firms=PLATFORM_FIRMS)
        app = create_embedded_app(kernel, overrides)
        async with testing.running(app) as client:
            platform = Platform(client, app, ctx, {})
            for who in ("bureau", "insurer", "agency", "expert", "enterprise", "admin"):
                body = await platform.gql(
                    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { '
                    "... on AuthPayload { token } ... on OperationError { code message } } }",
                    {"e": f"{who}@demo.anze.cn", "p": DEMO_PASSWORD})
                platform.tokens[who] = body["data"]["login"]["token"]
            yield platform
    finally:
        for url in urls.values():
            await testing.drop_pg_database(url)
