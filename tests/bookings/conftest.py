"""A bookings app wired to a real providers app (in-process HTTP) on one shared bus, one world per test
module and backend, and a kit of the steps the tests repeat: firms and policies as the policy service
would publish them, approved agencies with experts and offerings, bookings walked through their life."""

from __future__ import annotations

import contextlib
import random
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select

from services.bookings.app import MIGRATIONS as BOOKINGS_MIGRATIONS
from services.bookings.app import create_app as create_bookings
from services.bookings.availability import Calendar
from services.bookings.models import Outbox
from services.bookings.settings import BookingsSettings
from services.kernel import clock, testing
from services.kernel.auth import Role
from services.kernel.clock import SHANGHAI
from services.kernel.events import Event, MemoryBus
from services.kernel.ids import new_id
from services.kernel.runtime import Wiring
from services.providers.app import MIGRATIONS as PROVIDERS_MIGRATIONS
from services.providers.app import create_app as create_providers
from services.providers.settings import ProvidersSettings
from services.providers.uscc import ALPHABET, check_character

CIXI = "330282"
GUANHAIWEI = "330282107"
OTHER_TOWN = "330282101"
CALENDAR = Calendar.build(tz="Asia/Shanghai", default_hours="09:00-17:00")


def uscc() -> str:
    first17 = "91" + CIXI + "".join(random.choice(ALPHABET) for _ in range(9))
    return first17 + check_character(first17)


def working_day(after_days: int = 2) -> date:
    """The first working day (not a weekend or public holiday) at least ``after_days`` from today (the pinned
    clock's today)."""
    day = clock.today() + timedelta(days=after_days)
    while not CALENDAR.is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_after(instant: datetime) -> date:
    """The first working day that starts after ``instant`` (its 09:00 is later than ``instant``)."""
    day = instant.astimezone(SHANGHAI).date()
    while not (CALENDAR.is_working_day(day) and at(day, 9) > instant):
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


@dataclass
class Agency:
    id: str
    expert_id: str
    offering_id: str
    price_fen: int


@dataclass
class Kit:
    bookings: FastAPI
    providers: FastAPI
    client: httpx.AsyncClient
    providers_client: httpx.AsyncClient
    keys: testing.TestKeys
    bus: MemoryBus

    # ------------------------------------------------------------ tokens

    def enterprise(self, enterprise_id: str) -> dict[str, str]:
        return self.keys.headers(Role.ENTERPRISE, org=enterprise_id)

    def insurer(self, insurer_id: str) -> dict[str, str]:
        return self.keys.headers(Role.INSURER, org=insurer_id)

    def agency(self, agency_id: str) -> dict[str, str]:
        return self.keys.headers(Role.AGENCY, org=agency_id)

    def expert(self, agency: Agency, expert_id: str | None = None) -> dict[str, str]:
        return self.keys.headers(Role.EXPERT, org=agency.id, expert=expert_id or agency.expert_id)

    def bureau(self, region: str = CIXI) -> dict[str, str]:
        return self.keys.headers(Role.BUREAU, region=region)

    def admin(self) -> dict[str, str]:
        return self.keys.headers(Role.ADMIN)

    # ------------------------------------------------------------ policy facts, as the policy service publishes them

    @property
    def ctx(self) -> Any:
        return self.bookings.state.runtime.state["ctx"]

    async def deliver(self, name: str, payload: dict[str, Any]) -> Event:
        event = Event(name=name, payload=payload)
        assert await self.bookings.state.runtime.consumer.handle(event) is True
        return event

    async def firm(self, town_code: str = GUANHAIWEI, principal_name: str = "王负责人") -> str:
        enterprise_id = new_id("ent")
        await self.deliver("policy.enterprise.registered", {
            "enterprise_id": enterprise_id, "uscc": uscc(), "name": "测试五金厂(演示)", "town_code": town_code,
            "village_code": None, "park_name": None, "size_class": "MICRO", "risk_color": "YELLOW",
            "principal_name": principal_name, "contact_phone": "13900000000"})
        return enterprise_id

    async def policy(self, enterprise_id: str, insurer_id: str = "ins_test", budget_fen: int = 200_000,
                     town_code: str = GUANHAIWEI, risk_color: str | None = "YELLOW", days: int = 365) -> str:
        policy_id = new_id("pol")
        today = clock.today()
        await self.deliver("policy.policy.activated", {
            "policy_id": policy_id, "number": f"AZ{random.randint(10**7, 10**8)}", "enterprise_id": enterprise_id,
            "insurer_id": insurer_id, "product_id": "prd_test", "town_code": town_code, "headcount": 8,
            "premium_fen": budget_fen * 5, "prevention_budget_fen": budget_fen,
            "start_date": (today - timedelta(days=1)).isoformat(),
            "end_date": (today + timedelta(days=days)).isoformat(), "risk_color": risk_color})
        return policy_id

    # ------------------------------------------------------------ providers, through its own API

    def _day(self, offset: int) -> str:
        return (clock.today() + timedelta(days=offset)).isoformat()

    async def agency_with_expert(self, insurer_id: str | None = "ins_test", price_fen: int = 80_000,
                                 duration: int = 120, experts: int = 1, buffer: int = 30) -> Agency:
        applicant = {"Authorization": "Bearer " + self.keys.token(Role.AGENCY, sub=f"usr_{random.random()}")}
        qualification = {"kind": "安全评价机构资质", "number": f"Q-{random.randint(1, 10**8)}",
                         "issuer": "浙江省应急管理厅", "service_types": ["HAZARD_INSPECTION", "TRAINING"],
                         "valid_from": self._day(-100), "valid_until": self._day(365)}
        response = await self.providers_client.post("/v1/agencies", headers=applicant, json={
            "name": "测试安全技术服务有限公司(演示)", "uscc": uscc(), "service_types": ["HAZARD_INSPECTION", "TRAINING"],
            "town_codes": [GUANHAIWEI], "contact_name": "张三", "contact_phone": "0574-63000000",
            "qualifications": [qualification]})
        assert response.status_code == 201, response.text
        agency_id = response.json()["id"]
        response = await self.providers_client.post(f"/v1/agencies/{agency_id}/decisions", headers=self.bureau(),
                                                    json={"decision": "APPROVE", "note": None})
        assert response.status_code == 200, response.text
        expert_ids = []
        for n in range(experts):
            response = await self.providers_client.post(
                f"/v1/agencies/{agency_id}/experts", headers=self.agency(agency_id), json={
                    "name": f"专家{n}(演示)", "specialties": ["机械"], "town_codes": [],
                    "certificates": [{"name": "注册安全工程师", "number": f"ZA-{random.randint(1, 10**9)}",
                                      "scope": ["HAZARD_INSPECTION"], "valid_from": self._day(-100),
                                      "valid_until": self._day(365)}]})
            assert response.status_code == 201, response.text
            expert_ids.append(response.json()["id"])
        response = await self.providers_client.post(
            f"/v1/agencies/{agency_id}/offerings", headers=self.agency(agency_id), json={
                "service_type": "HAZARD_INSPECTION", "title": "隐患排查", "description": "上门排查",
                "price_fen": price_fen, "duration_minutes": duration, "town_codes": [GUANHAIWEI],
                "travel_buffer_minutes": buffer})
        assert response.status_code == 201, response.text
        offering_id = response.json()["id"]
        if insurer_id:
            response = await self.providers_client.post(
                f"/v1/panels/{insurer_id}/agencies", headers=self.insurer(insurer_id),
                json={"agency_id": agency_id, "criteria": "资质有效", "start_date": self._day(-1)})
            assert response.status_code == 201, response.text
        return Agency(id=agency_id, expert_id=expert_ids[0], offering_id=offering_id, price_fen=price_fen)

    # ------------------------------------------------------------ bookings

    async def book(self, agency: Agency, enterprise_id: str, start: datetime, *, policy_id: str | None = None,
                   funding: str = "INSURER", expert_id: str | None = None, **extra: Any) -> httpx.Response:
        body = {"offering_id": agency.offering_id, "enterprise_id": enterprise_id, "start": start.isoformat(),
                "funding": funding, "policy_id": policy_id, "expert_id": expert_id, **extra}
        return await self.client.post("/v1/bookings", json=body, headers=self.enterprise(enterprise_id))

    async def booked(self, agency: Agency, enterprise_id: str, start: datetime, **kwargs: Any) -> dict[str, Any]:
        response = await self.book(agency, enterprise_id, start, **kwargs)
        assert response.status_code == 201, response.text
        return response.json()

    @contextlib.contextmanager
    def clock(self, instant: datetime):
        """Run as if it were ``instant`` (the visit day, a day past a deadline...)."""
        self.ctx.clock = lambda: instant
        try:
            yield
        finally:
            from services.kernel.db import utcnow

            self.ctx.clock = utcnow

    async def post(self, path: str, headers: dict[str, str], json: Any = None) -> httpx.Response:
        return await self.client.post(path, headers=headers, json=json)

    async def visited(self, agency: Agency, booking: dict[str, Any], hazards: list[dict[str, Any]] | None = None,
                      ) -> httpx.Response:
        """Confirm, check in on the day and file the report."""
        bid = booking["id"]
        assert (await self.post(f"/v1/bookings/{bid}/confirm", self.agency(agency.id))).status_code == 200
        with self.clock(datetime.fromisoformat(booking["start"]) + timedelta(minutes=5)):
            response = await self.post(f"/v1/bookings/{bid}/check-in", self.expert(agency),
                                       {"latitude": 30.17, "longitude": 121.27})
            assert response.status_code == 200, response.text
            return await self.post(f"/v1/bookings/{bid}/report", self.expert(agency), {
                "summary": "现场排查完成", "items": ["消防设施与疏散通道", "电气线路与配电箱"],
                "hazards": hazards if hazards is not None else [general_hazard(booking)]})

    async def ledger(self, policy_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.get("/v1/ledgers", params={"policy_ids": policy_id},
                                         headers=headers or self.admin())
        assert response.status_code == 200, response.text
        [row] = response.json()["items"]
        return row

    async def events(self, name: str) -> list[dict[str, Any]]:
        async with self.bookings.state.runtime.database.transaction() as session:
            rows = (await session.scalars(select(Outbox).where(Outbox.name == name)
                                          .order_by(Outbox.occurred_at, Outbox.id))).all()
            return [r.payload for r in rows]


def general_hazard(booking: dict[str, Any], days: int = 14) -> dict[str, Any]:
    visit_day = datetime.fromisoformat(booking["start"]).astimezone(SHANGHAI).date()
    return {"grade": "GENERAL", "description": "配电箱未接地", "deadline": (visit_day + timedelta(days=days)).isoformat(),
            "location": "一号车间"}


def major_hazard(booking: dict[str, Any], days: int = 30) -> dict[str, Any]:
    visit_day = datetime.fromisoformat(booking["start"]).astimezone(SHANGHAI).date()
    return {"grade": "MAJOR", "description": "喷漆房未设置防爆电气", "location": "喷漆房",
            "deadline": (visit_day + timedelta(days=days)).isoformat(),
            "six_in_place": {"personnel": "设备主管李四", "responsibility": "总经理负总责", "measures": "更换防爆电气",
                             "funds": "5万元", "deadline": "30日内", "contingency_plan": "停用喷漆房，配置灭火器"}}


@contextlib.asynccontextmanager
async def world(backend: str, keys: testing.TestKeys, tmp, **settings: Any):
    async with testing.database_url(backend, tmp, "providers") as providers_url, \
            testing.database_url(backend, tmp, "bookings") as bookings_url:
        bus = MemoryBus()
        kernel = keys.kernel_settings(tmp)
        providers = create_providers(ProvidersSettings(database_url=providers_url, kernel=kernel,
                                                       storage_dir=tmp / "p-uploads"), Wiring(bus=bus))
        bookings = create_bookings(
            BookingsSettings(database_url=bookings_url, kernel=kernel, storage_dir=tmp / "b-uploads", **settings),
            Wiring(bus=bus, transports={"providers": httpx.ASGITransport(app=providers)}))
        await testing.migrate_app(providers, PROVIDERS_MIGRATIONS)
        await testing.migrate_app(bookings, BOOKINGS_MIGRATIONS)
        async with testing.running(providers) as providers_client, testing.running(bookings) as client:
            yield Kit(bookings=bookings, providers=providers, client=client, providers_client=providers_client,
                      keys=keys, bus=bus)


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=testing.backends())
async def kit(request: pytest.FixtureRequest, keys: testing.TestKeys):
    # A directory of our own rather than pytest's numbered ones, which a concurrent pytest run on the same
    # machine may prune while this module's SQLite files are still open.
    with tempfile.TemporaryDirectory(prefix="anze-bookings-") as tmp:
        async with world(request.param, keys, Path(tmp)) as k:
            yield k
