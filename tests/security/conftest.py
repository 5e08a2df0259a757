"""The seeded platform of the authorization matrix, built once per backend for the module: every part
embedded in one process, verifying tokens of the test key pair (so every role of every tenant can be
minted), the demo data, and a few rows the seed does not make (a booking, a claim, a complaint) owned by
tenant A. Tenant A and tenant B of each role are chosen from the seeded databases."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest_asyncio
import time_machine
from sqlalchemy import text

from services.kernel import clock, testing
from services.kernel.auth import Role
from services.policy import uscc

log = logging.getLogger("anze.tests.matrix")
FIRMS = 40
TRIED: dict[str, dict[str, int]] = {}  # backend -> what the matrix tried, for the terminal summary
TOWN_A, TOWN_B = "330282107", "330282108"


@dataclass
class Tenant:
    role: Role
    org: str | None = None
    region: str | None = None
    expert: str | None = None


@dataclass
class Matrix:
    client: httpx.AsyncClient
    app: Any
    keys: testing.TestKeys
    backend: str
    rows: dict[str, str]  # row kind ("enterprise_id", "policy_id", ...) -> an id owned by tenant A
    a: dict[Role, Tenant]  # the tenant that owns ``rows``
    b: dict[Role, Tenant]  # the same role of another tenant (and the matrix adds a bureau without a region)
    markers: set[str] = field(default_factory=set)  # ids that only tenant A (and admin) may see
    tried: dict[str, int] = field(default_factory=dict)

    def headers(self, tenant: Tenant | None) -> dict[str, str]:
        if tenant is None:
            return {}
        return self.keys.headers(tenant.role, org=tenant.org, region=tenant.region, expert=tenant.expert)

    def count(self, what: str, n: int = 1) -> None:
        self.tried[what] = self.tried.get(what, 0) + n
        TRIED.setdefault(self.backend, {})[what] = TRIED.get(self.backend, {}).get(what, 0) + n


async def _one(app: Any, part: str, sql: str, **params: Any) -> Any:
    database = app.state.platform.apps[part].state.runtime.database
    async with database.transaction() as session:
        return (await session.execute(text(sql), params)).first()


async def _choose(app: Any, ctx: dict[str, Any]) -> tuple[dict[str, str], dict[Role, Tenant], dict[Role, Tenant]]:
    # Tenant A's firm: an insured firm in Guanhaiwei (the demo offering's town); tenant B's: one in Xinpu.
    policy = await _one(app, "policy", "SELECT p.id, p.enterprise_id, p.insurer_id, p.quote_id FROM policies p "
                        "JOIN enterprises e ON e.id = p.enterprise_id WHERE e.town_code = :t "
                        "ORDER BY p.number LIMIT 1", t=TOWN_A)
    assert policy is not None, "the seed insured no firm in the first town"
    policy_id, firm_a, insurer_a, quote_id = policy
    firm_b = (await _one(app, "policy", "SELECT id FROM enterprises WHERE town_code = :t AND id <> :a "
                         "ORDER BY id LIMIT 1", t=TOWN_B, a=firm_a))[0]
    insurer_b = next(i for i in ctx["insurer_ids"] if i != insurer_a)
    payment = (await _one(app, "policy", "SELECT id FROM payments WHERE policy_id = :p LIMIT 1", p=policy_id))[0]
    agency_a = ctx["demo_agency_id"]
    agency_b = next(a for a in ctx["agency_ids"] if a != agency_a)
    expert_a = ctx["demo_expert_id"]
    expert_b = (await _one(app, "providers", "SELECT id FROM experts WHERE agency_id = :a ORDER BY id LIMIT 1",
                           a=agency_b))[0]
    qualification = (await _one(app, "providers", "SELECT id FROM qualifications WHERE agency_id = :a "
                                "ORDER BY id LIMIT 1", a=agency_a))
    offering = await _one(app, "providers", "SELECT id, service_type FROM offerings WHERE id = :o",
                          o=ctx["demo_offering_id"])
    rows = {"enterprise_id": firm_a, "policy_id": policy_id, "quote_id": quote_id, "payment_id": payment,
            "insurer_id": insurer_a, "agency_id": agency_a, "expert_id": expert_a, "offering_id": offering[0],
            "service_type": offering[1], "town_code": TOWN_A, "region_code": TOWN_A,
            "day": (clock.today() + timedelta(days=40)).isoformat(),
            "uscc": uscc.make("91330282MA2MX0001"),
            "product_id": (await _one(app, "policy", "SELECT id FROM products WHERE insurer_id = :i LIMIT 1",
                                      i=insurer_a))[0]}
    if qualification is not None:
        rows["qualification_id"] = qualification[0]
    a = {Role.ENTERPRISE: Tenant(Role.ENTERPRISE, org=firm_a), Role.INSURER: Tenant(Role.INSURER, org=insurer_a),
         Role.AGENCY: Tenant(Role.AGENCY, org=agency_a),
         Role.EXPERT: Tenant(Role.EXPERT, org=agency_a, expert=expert_a),
         Role.BUREAU: Tenant(Role.BUREAU, region=TOWN_A), Role.ADMIN: Tenant(Role.ADMIN)}
    b = {Role.ENTERPRISE: Tenant(Role.ENTERPRISE, org=firm_b), Role.INSURER: Tenant(Role.INSURER, org=insurer_b),
         Role.AGENCY: Tenant(Role.AGENCY, org=agency_b),
         Role.EXPERT: Tenant(Role.EXPERT, org=agency_b, expert=expert_b),
         Role.BUREAU: Tenant(Role.BUREAU, region=TOWN_B), Role.ADMIN: Tenant(Role.ADMIN)}
    return rows, a, b


async def _make_rows(matrix: Matrix) -> None:
    """A booking of firm A with agency A's expert, a claim on A's policy, a complaint of A against agency A."""
    rows, client = matrix.rows, matrix.client
    firm = matrix.headers(matrix.a[Role.ENTERPRISE])
    # bookings learns the seeded firms (their towns) from the policy service's events: wait for firm A's
    for _ in range(120):
        if await _one(matrix.app, "bookings", "SELECT id FROM enterprise_refs WHERE id = :e", e=rows["enterprise_id"]):
            break
        await asyncio.sleep(0.25)
    else:
        raise AssertionError("the bookings service never learnt tenant A's firm")
    start = clock.today() + timedelta(days=20)
    slots = await client.get("/api/bookings/v1/slots", headers=firm, params={
        "offering_id": rows["offering_id"], "from": start.isoformat(), "to": (start + timedelta(days=20)).isoformat(),
        "expert_id": rows["expert_id"], "enterprise_id": rows["enterprise_id"]})
    assert slots.status_code == 200, slots.text
    for slot in slots.json()[::7]:
        booked = await client.post("/api/bookings/v1/bookings", headers=firm, json={
            "offering_id": rows["offering_id"], "enterprise_id": rows["enterprise_id"], "start": slot["start"],
            "expert_id": slot.get("expert_id") or rows["expert_id"], "funding": "SELF"})
        if booked.status_code == 201 or booked.status_code == 200:
            rows["booking_id"] = booked.json()["id"]
            break
    assert "booking_id" in rows, "no booking could be made for tenant A"
    await _visit_with_a_hazard(matrix)
    claim = await client.post(f"/api/policy/v1/policies/{rows['policy_id']}/claims", headers=firm, json={
        "accident_date": (clock.today() - timedelta(days=1)).isoformat(), "accident_type": "INJURY",
        "injured": 1, "dead": 0, "description": "matrix: a cut finger", "claimed_fen": 100_00})
    if claim.status_code in (200, 201):
        rows["claim_id"] = claim.json()["id"]
    await _more_rows(matrix)
    complaint = await client.post("/api/providers/v1/complaints", headers=firm, json={
        "agency_id": rows["agency_id"], "booking_id": rows["booking_id"], "town_code": TOWN_A,
        "subject": "matrix: late", "description": "the expert came two hours late"})
    if complaint.status_code in (200, 201):
        rows["complaint_id"] = complaint.json()["id"]
    # Last, a refund: firm A cancels its policy (every later case is a refusal, which the state does not change)
    cancelled = await client.post(f"/api/policy/v1/policies/{rows['policy_id']}/cancel", headers=firm,
                                  json={"reason": "matrix: a refund to confirm"})
    if cancelled.status_code == 200:
        refund = await _one(matrix.app, "policy", "SELECT r.id FROM refunds r JOIN payments p ON p.id = r.payment_id "
                             "WHERE p.policy_id = :p", p=rows["policy_id"])
        if refund is not None:
            rows["refund_id"] = refund[0]
    # the logins of agency A and its expert (demo accounts): the accounts list of another tenant must not show them
    for email, key in (("agency@demo.anze.cn", "agency_account_id"), ("expert@demo.anze.cn", "expert_account_id")):
        account = await _one(matrix.app, "gateway", "SELECT id FROM accounts WHERE email = :e", e=email)
        if account is not None:
            rows[key] = account[0]
    matrix.markers = {rows[k] for k in ("enterprise_id", "policy_id", "quote_id", "payment_id", "booking_id",
                                        "claim_id", "complaint_id", "hazard_id", "review_id", "photo_id", "refund_id",
                                        "agency_account_id", "expert_account_id")
                      if k in rows}


async def _more_rows(matrix: Matrix) -> None:
    """A photo of expert A, a review of firm A's visit, and a case the bureau of town A publishes; a row the
    platform refuses to make is left out (its cases are then skipped, with the reason)."""
    import io

    from PIL import Image

    rows, client = matrix.rows, matrix.client
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, "JPEG")
    photo = await client.post("/api/bookings/v1/photos", headers=matrix.headers(matrix.a[Role.EXPERT]),
                              files={"file": ("photo.jpg", image.getvalue(), "image/jpeg")})
    if photo.status_code in (200, 201):
        rows["photo_id"] = photo.json()["id"]
    firm = matrix.headers(matrix.a[Role.ENTERPRISE])
    await client.post(f"/api/bookings/v1/bookings/{rows['booking_id']}/acknowledge", headers=firm, json={})
    # the other services learn the acknowledgement and the firm's town from events: try for a few seconds
    for _ in range(40):
        if "review_id" not in rows:
            review = await client.post("/api/providers/v1/reviews", headers=firm,
                                       json={"booking_id": rows["booking_id"], "stars": 4, "text": "matrix"})
            if review.status_code in (200, 201):
                rows["review_id"] = review.json()["id"]
        if "review_id" in rows:
            break
        await asyncio.sleep(0.25)
    else:
        log.warning("matrix: no review could be made: %s", review.text[:200])


async def _visit_with_a_hazard(matrix: Matrix) -> None:
    """Agency A confirms the booking; on the day its expert checks in and reports one hazard."""
    rows, client = matrix.rows, matrix.client
    booking_id = rows["booking_id"]
    confirmed = await client.post(f"/api/bookings/v1/bookings/{booking_id}/confirm",
                                  headers=matrix.headers(matrix.a[Role.AGENCY]), json={})
    assert confirmed.status_code == 200, confirmed.text
    start = datetime.fromisoformat(confirmed.json()["start"])
    expert = matrix.a[Role.EXPERT]
    with time_machine.travel(start + timedelta(minutes=5), tick=True):
        checked = await client.post(f"/api/bookings/v1/bookings/{booking_id}/check-in",
                                    headers=matrix.headers(expert), json={})
        assert checked.status_code == 200, checked.text
        deadline = (start.date() + timedelta(days=10)).isoformat()
        six = {"personnel": "matrix", "responsibility": "matrix", "measures": "matrix", "funds": "matrix",
               "deadline": deadline, "contingency_plan": "matrix"}
        reported = await client.post(f"/api/bookings/v1/bookings/{booking_id}/report", headers=matrix.headers(expert),
                                     json={"summary": "matrix visit", "hazards": [
                                         {"grade": "GENERAL", "description": "matrix: a blocked exit",
                                          "deadline": deadline},
                                         {"grade": "MAJOR", "description": "matrix: no gas alarm", "deadline": deadline,
                                          "six_in_place": six}]})
        assert reported.status_code == 200, reported.text
        hazard = await _one(matrix.app, "bookings", "SELECT id FROM hazards WHERE booking_id = :b AND grade = :g",
                            b=booking_id, g="GENERAL")
        major = await _one(matrix.app, "bookings", "SELECT id FROM hazards WHERE booking_id = :b AND grade = :g",
                           b=booking_id, g="MAJOR")
        # the major hazard's rectification is rejected: the bureau of town A may expose it
        await client.post(f"/api/bookings/v1/hazards/{major[0]}/rectifications",
                          headers=matrix.headers(matrix.a[Role.ENTERPRISE]), json={"description": "matrix: fixed"})
        await client.post(f"/api/bookings/v1/hazards/{major[0]}/verification", headers=matrix.headers(expert),
                          json={"accepted": False, "note": "matrix: not fixed"})
        case = await client.post("/api/bookings/v1/exposure-cases", headers=matrix.headers(matrix.a[Role.BUREAU]),
                                 json={"hazard_id": major[0], "title": "matrix", "summary": "matrix case",
                                       "enterprise_name": "matrix firm", "town_code": TOWN_A})
        if case.status_code in (200, 201):
            rows["case_id"] = case.json()["id"]
        else:
            log.warning("matrix: no exposure case: %s", case.text[:300])
    assert hazard is not None
    rows["hazard_id"] = hazard[0]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=testing.backends())
async def matrix(request, tmp_path_factory, keys) -> AsyncIterator[Matrix]:
    from anze.composition import create_embedded_app, migrate_all, part_app_module, seed_all

    backend = request.param
    tmp = tmp_path_factory.mktemp(f"matrix-{backend}")
    kernel = keys.kernel_settings(tmp)
    urls = {part: await testing.create_pg_database() for part in ("policy", "providers", "bookings", "gateway")} \
        if backend == "postgres" else {}
    try:
        overrides: dict[str, Any] = {}
        for part in ("policy", "providers", "bookings", "gateway"):
            extra: dict[str, Any] = {"database_url": urls[part]} if backend == "postgres" else {}
            if part == "gateway":
                # a service's failure shows as itself in its own case, never as an open circuit in the next ones
                extra.update(argon2_time_cost=1, argon2_memory_kib=8192, jwt_private_key=keys.private_pem.decode(),
                             breaker_failures=1_000_000)
            overrides[part] = part_app_module(part).SETTINGS(kernel=kernel, **extra)
        await migrate_all(kernel, overrides)
        ctx = await seed_all(kernel, overrides, firms=FIRMS)
        app = create_embedded_app(kernel, overrides)
        async with testing.running(app) as client:
            rows, a, b = await _choose(app, ctx)
            matrix = Matrix(client=client, app=app, keys=keys, backend=backend, rows=rows, a=a, b=b)
            await _make_rows(matrix)
            yield matrix
    finally:
        for url in urls.values():
            await testing.drop_pg_database(url)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The matrix's size: operations x roles x tenants tried, per backend."""
    if not TRIED:
        return
    from tests.security.test_matrix import operation_count

    rest, graphql = operation_count()
    terminalreporter.section("authorization matrix")
    for backend, tried in sorted(TRIED.items()):
        terminalreporter.write_line(
            f"{backend}: {rest + graphql} operations ({rest} REST routes, {graphql} GraphQL fields); "
            f"{tried.get('role calls', 0)} calls as a role that is refused (incl. anonymous), "
            f"{tried.get('tenant calls', 0)} as the same role of another tenant; "
            f"{tried.get('not applicable', 0)} tenant cases not applicable (the caller's own new row), "
            f"{tried.get('no row', 0)} without a row to try")
