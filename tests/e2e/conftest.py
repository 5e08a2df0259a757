"""The platform for journeys across parts: embedded (one process) and distributed (one process per part
on PostgreSQL and NATS), both seeded with the demo data and reached through GraphQL only."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from anze.composition import create_embedded_app, migrate_all, seed_all
from services.kernel import clock, testing
from services.kernel.settings import KernelSettings

DEMO_PASSWORD = "anze-demo-2026"
E2E_FIRMS = 120


class GraphQLError(AssertionError):
    pass


@dataclass
class Gql:
    """A GraphQL caller that logs in as a demo account and keeps its token."""

    http: httpx.AsyncClient
    token: str | None = None

    async def raw(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post("/graphql", json={"query": query, "variables": variables},
                                        headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.raw(query, **variables)
        if body.get("errors"):
            raise GraphQLError(body["errors"])
        return body["data"]

    async def login(self, who: str) -> Gql:
        data = await self("""mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
            __typename ... on AuthPayload { token user { id role orgId regionCode } }
            ... on OperationError { code message } } }""", e=f"{who}@demo.anze.cn", p=DEMO_PASSWORD)
        result = data["login"]
        assert result["__typename"] == "AuthPayload", result
        return Gql(self.http, result["token"])


async def eventually(check, within: float = 20.0, every: float = 0.2):
    """Poll until ``check()`` returns a truthy value (events cross parts asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within}s (last value {value!r})")
        await asyncio.sleep(every)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch) -> None:
    """Demo accounts are hashed with a cheap argon2 cost in tests (production keeps RFC 9106's)."""
    monkeypatch.setenv("ANZE_GATEWAY_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("ANZE_GATEWAY_ARGON2_MEMORY_KIB", "8192")


@pytest.fixture
async def embedded(tmp_path) -> AsyncIterator[Gql]:
    kernel = KernelSettings(env="test", var_dir=tmp_path, bus_url="memory://", relay_poll_seconds=0.2,
                            log_json=False)
    await migrate_all(kernel)
    await seed_all(kernel, firms=E2E_FIRMS)
    app = create_embedded_app(kernel)
    async with testing.running(app) as client:
        yield Gql(client)


def _free_ports(n: int) -> list[int]:
    sockets, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


@dataclass
class Distributed:
    gql: Gql
    supervisor: Any
    config: Any


@pytest.fixture
async def distributed(tmp_path, monkeypatch, subprocess_clock) -> AsyncIterator[Distributed]:
    if not (testing.postgres_available() and testing.nats_available()):
        pytest.skip("the distributed mode needs PostgreSQL and NATS JetStream running")
    from anze.distributed import DistributedConfig, Supervisor, drop_databases, ensure_databases

    ports = dict(zip(("gateway", "policy", "providers", "bookings", "web"), _free_ports(5), strict=True))
    tag = uuid.uuid4().hex[:8]
    config = DistributedConfig(pg_admin_url=testing.PG_ADMIN_URL, nats_url=testing.NATS_URL, var_dir=tmp_path,
                               db_prefix=f"anze_e2e_{tag}", stream=f"E2E{tag.upper()}", ports=ports, env_name="test")
    await ensure_databases(config)
    for key, value in config.environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ANZE_RELAY_POLL_SECONDS", "0.2")
    # the parts run in processes of their own on the pinned clock, which a test cannot travel: the journey's
    # check-in, days before its visit, needs a window that wide (the rule itself: tests/bookings/test_transitions.py)
    monkeypatch.setenv("ANZE_BOOKINGS_CHECKIN_EARLIEST_HOURS", str(24 * 30))
    monkeypatch.setenv("ANZE_LOG_JSON", "false")
    supervisor = Supervisor(config, log_dir=tmp_path / "logs")
    try:
        await migrate_all(KernelSettings())
        await seed_all(KernelSettings(), firms=E2E_FIRMS)
        await asyncio.to_thread(supervisor.start_all)
        async with httpx.AsyncClient(base_url=config.url("gateway"), timeout=30) as http:
            yield Distributed(Gql(http), supervisor, config)
    finally:
        await asyncio.to_thread(supervisor.stop_all)
        await _delete_stream(config)
        await drop_databases(config)


async def _delete_stream(config) -> None:
    from services.kernel.events import NatsBus

    bus = NatsBus(config.nats_url, config.stream)
    try:
        await bus.start()
        await bus.js.delete_stream(config.stream)
    except Exception:
        pass
    finally:
        await bus.close()


GUANHAIWEI = "330282107"


def shanghai_today() -> date:
    """Dates people see are Asia/Shanghai dates (the machine's clock is UTC)."""
    return clock.today()
CIXI = "330282"


class Steps:
    """The journey's steps as the demo accounts take them, reusable across modes and tests."""

    eventually = staticmethod(eventually)
    today = staticmethod(shanghai_today)

    def __init__(self, anonymous: Gql) -> None:
        self.anonymous = anonymous

    async def accounts(self) -> dict[str, Gql]:
        return {who: await self.anonymous.login(who)
                for who in ("bureau", "insurer", "agency", "expert", "enterprise")}

    @staticmethod
    async def insured_in_town(bureau: Gql, town: str = GUANHAIWEI, as_of: str | None = None) -> int:
        data = await bureau("""query($r: String!, $d: Date) { coverage(regionCode: $r, asOf: $d, groupBy: TOWN) {
            regionCode partial total { enterprises insured rate } rows { key label enterprises insured rate } } }""",
                            r=CIXI, d=as_of)
        rows = {row["key"]: row for row in data["coverage"]["rows"]}
        assert town in rows, f"no coverage row for {town}: {list(rows)}"
        return rows[town]["insured"]

    @staticmethod
    async def my_firm(enterprise: Gql) -> dict[str, Any]:
        me = (await enterprise("query { me { orgId role } }"))["me"]
        firm = (await enterprise("""query($id: ID!) { enterprise(id: $id) {
            id name townCode employees sizeClass insured } }""", id=me["orgId"]))["enterprise"]
        return firm

    @staticmethod
    async def quote_and_bind(enterprise: Gql, firm: dict[str, Any], insurer_id: str,
                             headcount: int | None = None) -> dict[str, Any]:
        products = (await enterprise("""query($i: ID) { products(insurerId: $i) {
            id name limitOptionsFen preventionShare insurer { id } } }""", i=insurer_id))["products"]
        product = products[0]
        quote = (await enterprise("""mutation($in: QuoteInput!) { requestQuote(input: $in) {
            __typename ... on Quote { id premiumFen preventionBudgetFen validUntil factors { name label value } }
            ... on OperationError { code message field } } }""", **{"in": {
            "enterpriseId": firm["id"], "productId": product["id"],
            "headcount": headcount or firm["employees"], "limitPerPersonFen": min(product["limitOptionsFen"]),
            "startDate": shanghai_today().isoformat()}}))["requestQuote"]
        assert quote["__typename"] == "Quote", quote
        policy = (await enterprise("""mutation($q: ID!) { bindQuote(quoteId: $q) {
            __typename ... on Policy { id number status premiumFen preventionBudgetFen }
            ... on OperationError { code message } } }""", q=quote["id"]))["bindQuote"]
        assert policy["__typename"] == "Policy" and policy["status"] == "PENDING_PAYMENT", policy
        return {"quote": quote, "policy": policy, "product": product}

    @staticmethod
    async def pay_by_bank_transfer(enterprise: Gql, insurer: Gql, policy_id: str) -> dict[str, Any]:
        payment = (await enterprise("""mutation($p: ID!) { startPayment(policyId: $p, method: BANK_TRANSFER) {
            __typename ... on Payment { id status method amountFen } ... on OperationError { code message } } }""",
                                    p=policy_id))["startPayment"]
        assert payment["__typename"] == "Payment" and payment["status"] == "PENDING", payment
        confirmed = (await insurer("""mutation($p: ID!, $r: String!) { confirmOfflinePayment(paymentId: $p, reference: $r) {
            __typename ... on Payment { id status amountFen } ... on OperationError { code message } } }""",
                                   p=payment["id"], r="BANK-REF-0001"))["confirmOfflinePayment"]
        assert confirmed["__typename"] == "Payment" and confirmed["status"] == "SUCCEEDED", confirmed
        return confirmed

    @staticmethod
    async def demo_offering(enterprise: Gql) -> dict[str, Any]:
        data = await enterprise("""query($t: String) { agencies(filter: {serviceType: HAZARD_INSPECTION, townCode: $t}) {
            nodes { id name status offerings { id serviceType priceFen durationMinutes } } } }""", t=GUANHAIWEI)
        for agency in data["agencies"]["nodes"]:
            for offering in agency["offerings"]:
                if offering["serviceType"] == "HAZARD_INSPECTION":
                    return {**offering, "agencyId": agency["id"]}
        raise AssertionError("no HAZARD_INSPECTION offering in 观海卫镇")

    @staticmethod
    async def slots(enterprise: Gql, offering_id: str) -> list[dict[str, Any]]:
        start = shanghai_today() + timedelta(days=2)
        data = await enterprise("""query($o: ID!, $f: Date!, $t: Date!) { availableSlots(offeringId: $o, from: $f, to: $t) {
            start end expertId } }""", o=offering_id, f=start.isoformat(), t=(start + timedelta(days=10)).isoformat())
        assert data["availableSlots"], "the demo expert has no free slot in the next working days"
        return data["availableSlots"]

    @staticmethod
    async def book(enterprise: Gql, *, offering_id: str, firm_id: str, start: str, funding: str,
                   policy_id: str | None = None) -> dict[str, Any]:
        data = await enterprise("""mutation($in: BookVisitInput!) { bookVisit(input: $in) {
            __typename ... on Booking { id number status funding start expert { id } }
            ... on OperationError { code message field } } }""", **{"in": {
            "offeringId": offering_id, "enterpriseId": firm_id, "start": start, "funding": funding,
            **({"policyId": policy_id} if policy_id else {})}})
        return data["bookVisit"]


@pytest.fixture
def steps() -> type[Steps]:
    return Steps
