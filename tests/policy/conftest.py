"""Fixtures of the policy tests: one running policy service per module and backend, and helpers that
create insurers, products and firms through its HTTP API."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.kernel import testing
from services.kernel.auth import Role
from services.policy import uscc
from services.policy.app import MIGRATIONS, create_app
from services.policy.settings import PolicySettings

GUANHAIWEI = "330282107"
_serial = itertools.count(1)


def new_uscc() -> str:
    """A made-up valid code, different in every call of the session."""
    return uscc.make(f"91330282TKT{next(_serial):06d}")


@dataclass
class World:
    client: httpx.AsyncClient
    keys: testing.TestKeys
    app: Any
    admin: dict[str, str] = field(default_factory=dict)

    def as_(self, role: Role, org: str | None = None, region: str | None = None) -> dict[str, str]:
        return self.keys.headers(role, org=org, region=region)

    async def insurer(self, name: str | None = None) -> str:
        r = await self.client.post("/v1/insurers", headers=self.admin, json={
            "name": name or f"测试保险{next(_serial)}", "bank_name": "测试银行", "bank_account_name": "测试保险",
            "bank_account_no": "6222000011112222"})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def product(self, insurer_id: str, **overrides: Any) -> str:
        body = {"insurer_id": insurer_id, "name": "安责险测试条款", "limit_options_fen": [40_000_000, 60_000_000],
                "base_rates_ppm": {"LOW": 500, "MEDIUM": 800, "HIGH": 1200}, "prevention_share": 0.2,
                "min_premium_fen": 0, **overrides}
        r = await self.client.post("/v1/products", headers=self.as_(Role.INSURER, insurer_id), json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def firm_body(self, **overrides: Any) -> dict[str, Any]:
        return {"uscc": new_uscc(), "name": "演示-测试五金厂", "town_code": GUANHAIWEI, "sector": "INDUSTRY",
                "industry_code": "C33", "employees": 8, "annual_revenue_fen": 200 * 1_000_000,
                "principal_name": "测试", "contact_phone": "13900000000", **overrides}

    async def firm(self, **overrides: Any) -> dict[str, Any]:
        r = await self.client.post("/v1/enterprises", headers=self.admin, json=self.firm_body(**overrides))
        assert r.status_code == 201, r.text
        return r.json()

    async def quote(self, firm: dict[str, Any], product_id: str, **overrides: Any) -> httpx.Response:
        from services.policy.dates import today

        body = {"enterprise_id": firm["id"], "product_id": product_id, "headcount": firm["employees"],
                "limit_per_person_fen": 40_000_000, "start_date": today().isoformat(), **overrides}
        return await self.client.post("/v1/quotes", headers=self.as_(Role.ENTERPRISE, firm["id"]), json=body)

    async def active_policy(self, firm: dict[str, Any], product_id: str, insurer_id: str) -> dict[str, Any]:
        """quote → bind → pay by transfer → insurer confirms: the policy as it ends up."""
        me = self.as_(Role.ENTERPRISE, firm["id"])
        quote = (await self.quote(firm, product_id)).json()
        policy = (await self.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
        payment = (await self.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                          json={"method": "BANK_TRANSFER"})).json()
        r = await self.client.post(f"/v1/payments/{payment['id']}/confirm-offline",
                                   headers=self.as_(Role.INSURER, insurer_id), json={"reference": "BANK-1"})
        assert r.status_code == 200, r.text
        return (await self.client.get(f"/v1/policies/{policy['id']}", headers=me)).json()


@pytest.fixture(scope="module", params=testing.backends())
def module_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@contextlib.asynccontextmanager
async def running_world(backend: str, keys: testing.TestKeys, tmp: Path, **settings: Any) -> AsyncIterator[World]:
    """A migrated policy service on a fresh database of ``backend``, running with its lifespan."""
    async with testing.database_url(backend, tmp, "policy") as url:
        app = create_app(PolicySettings(database_url=url, kernel=keys.kernel_settings(tmp), **settings))
        await testing.migrate_app(app, MIGRATIONS)
        async with testing.running(app) as client:
            yield World(client=client, keys=keys, app=app, admin=keys.headers(Role.ADMIN))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(module_backend: str, keys: testing.TestKeys, tmp_path_factory: pytest.TempPathFactory):
    async with running_world(module_backend, keys, tmp_path_factory.mktemp("policy")) as w:
        yield w
