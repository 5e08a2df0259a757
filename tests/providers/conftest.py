"""One providers app per test module and backend (SQLite, and PostgreSQL when it runs), and a kit of the
calls the tests make again and again (apply, approve, tokens of the right roles)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select

from services.kernel import testing
from services.kernel.auth import Role
from services.kernel.db import utcnow
from services.kernel.events import Event
from services.providers.app import MIGRATIONS, create_app
from services.providers.clock import local_today
from services.providers.models import Inbox, Outbox
from services.providers.settings import ProvidersSettings
from services.providers.uscc import ALPHABET, check_character

CIXI = "330282"
GUANHAIWEI = "330282107"


def make_uscc() -> str:
    first17 = "91" + CIXI + "".join(random.choice(ALPHABET) for _ in range(9))
    return first17 + check_character(first17)


@dataclass
class Kit:
    app: FastAPI
    client: httpx.AsyncClient
    keys: testing.TestKeys

    @property
    def today(self) -> date:
        return local_today()

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def bureau(self, region: str = CIXI) -> dict[str, str]:
        return self.keys.headers(Role.BUREAU, region=region)

    def agency(self, agency_id: str | None = None) -> dict[str, str]:
        return self.keys.headers(Role.AGENCY, org=agency_id)

    def applicant(self) -> dict[str, str]:
        """A fresh agency account that has not applied yet (no org)."""
        return {"Authorization": "Bearer " + self.keys.token(Role.AGENCY, sub=f"usr_{random.random()}")}

    def insurer(self, insurer_id: str) -> dict[str, str]:
        return self.keys.headers(Role.INSURER, org=insurer_id)

    def enterprise(self, enterprise_id: str = "ent_test") -> dict[str, str]:
        return self.keys.headers(Role.ENTERPRISE, org=enterprise_id)

    def qualification(self, types: list[str], *, start: int = -100, end: int = 365) -> dict[str, Any]:
        return {"kind": "安全评价机构资质", "number": f"Q-{random.randint(1, 10**8)}", "issuer": "浙江省应急管理厅",
                "service_types": types, "valid_from": self.day(start), "valid_until": self.day(end)}

    def application(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": "测试安全技术服务有限公司", "uscc": make_uscc(),
                "service_types": ["HAZARD_INSPECTION", "TRAINING"], "town_codes": [GUANHAIWEI],
                "contact_name": "张三", "contact_phone": "0574-63000000",
                "qualifications": [self.qualification(["HAZARD_INSPECTION", "TRAINING"])]}
        body.update(overrides)
        return body

    async def apply(self, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post("/v1/agencies", json=self.application(**overrides),
                                          headers=self.applicant())
        assert response.status_code == 201, response.text
        return response.json()

    async def decide(self, agency_id: str, decision: str, note: str | None = "理由") -> httpx.Response:
        return await self.client.post(f"/v1/agencies/{agency_id}/decisions",
                                      json={"decision": decision, "note": note}, headers=self.bureau())

    async def approved_agency(self, **overrides: Any) -> dict[str, Any]:
        agency = await self.apply(**overrides)
        response = await self.decide(agency["id"], "APPROVE", None)
        assert response.status_code == 200, response.text
        return response.json()

    async def offering(self, agency_id: str, service_type: str = "HAZARD_INSPECTION", price_fen: int = 80_000,
                       towns: list[str] | None = None) -> dict[str, Any]:
        response = await self.client.post(f"/v1/agencies/{agency_id}/offerings", headers=self.agency(agency_id), json={
            "service_type": service_type, "title": "隐患排查", "description": "上门排查", "price_fen": price_fen,
            "duration_minutes": 120, "town_codes": towns or [GUANHAIWEI], "travel_buffer_minutes": 30})
        assert response.status_code == 201, response.text
        return response.json()

    async def events(self, name: str) -> list[dict[str, Any]]:
        async with self.app.state.runtime.database.transaction() as session:
            rows = (await session.scalars(select(Outbox).where(Outbox.name == name)
                                          .order_by(Outbox.occurred_at))).all()
            return [r.payload for r in rows]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=testing.backends())
async def kit(request: pytest.FixtureRequest, keys: testing.TestKeys, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("providers")
    async with testing.database_url(request.param, tmp) as url:
        settings = ProvidersSettings(database_url=url, kernel=keys.kernel_settings(tmp),
                                     storage_dir=tmp / "uploads")
        app = create_app(settings)
        await testing.migrate_app(app, MIGRATIONS)
        async with testing.running(app) as client:
            yield Kit(app=app, client=client, keys=keys)


async def deliver(kit: Kit, name: str, payload: dict[str, Any], occurred_at: datetime | None = None) -> Event:
    """Publish an event of another part on the app's bus and wait until the consumer has applied it."""
    event = Event(name=name, payload=payload, occurred_at=occurred_at or utcnow())
    runtime = kit.app.state.runtime
    await runtime.bus.publish(event)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while True:
        async with runtime.database.transaction() as session:
            if await session.get(Inbox, event.id) is not None:
                return event
        if loop.time() > deadline:
            raise AssertionError(f"{name} was not applied")
        await asyncio.sleep(0.02)


def visit_payload(booking_id: str, agency_id: str, enterprise_id: str) -> dict[str, Any]:
    return {"booking_id": booking_id, "number": "B-1", "enterprise_id": enterprise_id, "agency_id": agency_id,
            "policy_id": None, "insurer_id": None, "expert_id": None, "start": "2026-12-01T01:00:00+00:00",
            "funding": "SELF", "price_fen": 80_000, "hazards_found": 0}


def hazard_payload(hazard_id: str, agency_id: str, grade: str = "GENERAL") -> dict[str, Any]:
    return {"hazard_id": hazard_id, "booking_id": "bkg_x", "enterprise_id": "ent_x", "agency_id": agency_id,
            "policy_id": None, "insurer_id": None, "grade": grade, "town_code": GUANHAIWEI,
            "deadline": "2026-12-31"}
