"""The mechanisms every part gets from the kernel, seen from outside: tokens, default deny, problem+json,
Idempotency-Key, cursor paging, health."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel import testing
from services.kernel.auth import PUBLIC, CurrentPrincipal, Role, TokenSigner, allow, generate_keypair
from services.kernel.db import after_commit, make_base
from services.kernel.errors import InvalidState
from services.kernel.events import InboxMixin, OutboxMixin
from services.kernel.idempotency import IdempotencyKey, IdempotencyMixin
from services.kernel.ids import new_id
from services.kernel.paging import PageParams, page_params, paginate
from services.kernel.runtime import ServiceRuntime, Session, build_service_app
from services.kernel.settings import PartSettings

Base = make_base()


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"


class Inbox(InboxMixin, Base):
    __tablename__ = "inbox"


class IdempotencyRecord(IdempotencyMixin, Base):
    __tablename__ = "idempotency_keys"


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=200)


router = APIRouter(prefix="/v1")


@router.post("/notes", status_code=201, dependencies=[allow(Role.ENTERPRISE)])
async def create_note(body: NoteIn, session: Session, idem: IdempotencyKey) -> dict:
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    note = Note(id=new_id("note"), text=body.text)
    session.add(note)
    await session.flush()
    return await idem.remember(session, IdempotencyRecord, {"id": note.id, "text": note.text}, 201)


@router.get("/notes", dependencies=[allow(Role.ENTERPRISE, Role.BUREAU)])
async def list_notes(session: Session, page: PageParams = Depends(page_params)) -> dict:
    rows, cursor, total = await paginate(session, select(Note), Note.id, page)
    return {"items": [r.text for r in rows], "next_cursor": cursor, "total": total}


@router.get("/public", dependencies=[PUBLIC])
async def public() -> dict:
    return {"hello": "world"}


@router.get("/whoami", dependencies=[allow(Role.BUREAU)])
async def whoami(principal: CurrentPrincipal) -> dict:
    return {"sub": principal.sub, "region": principal.region}


@router.post("/boom", dependencies=[allow(Role.ENTERPRISE)])
async def boom(session: Session) -> dict:
    session.add(Note(id=new_id("note"), text="must not stay"))
    await session.flush()
    raise InvalidState("the note cannot be written in this state")


@router.get("/crash", dependencies=[PUBLIC])
async def crash() -> dict:
    raise RuntimeError("secret internals")


class _Settings(PartSettings):
    pass


@pytest.fixture
async def client(keys, db_url, tmp_path):
    settings = _Settings(database_url=db_url, kernel=keys.kernel_settings(tmp_path))
    runtime = ServiceRuntime(name="kernel-test", settings=settings, outbox=Outbox, inbox=Inbox, audience="policy")
    async with runtime.database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    app = build_service_app(runtime=runtime, title="t", description="t", routers=[router])
    async with testing.running(app) as c:
        yield c


async def test_a_route_without_an_access_declaration_stops_the_app_from_starting(keys, tmp_path):
    bare = APIRouter(prefix="/v1")

    @bare.get("/open")
    async def open_route() -> dict:
        return {}

    settings = _Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db", kernel=keys.kernel_settings(tmp_path))
    runtime = ServiceRuntime(name="t", settings=settings, outbox=Outbox, inbox=Inbox, audience="policy")
    with pytest.raises(RuntimeError, match="GET /v1/open"):
        build_service_app(runtime=runtime, title="t", description="t", routers=[bare])
    await runtime.database.dispose()


async def test_calls_without_a_token_are_unauthenticated(client):
    r = await client.get("/v1/notes")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "UNAUTHENTICATED"


async def test_a_role_not_allowed_is_forbidden(client, keys):
    r = await client.get("/v1/notes", headers=keys.headers(Role.INSURER, org="ins_1"))
    assert r.status_code == 403
    assert r.json()["code"] == "FORBIDDEN"


async def test_public_routes_need_no_token(client):
    assert (await client.get("/v1/public")).json() == {"hello": "world"}


async def test_token_claims_reach_the_route(client, keys):
    r = await client.get("/v1/whoami", headers=keys.headers(Role.BUREAU, region="330282"))
    assert r.json()["region"] == "330282"


async def test_expired_tampered_and_foreign_tokens_are_refused(client, keys):
    expired = keys.signer.issue(sub="u", role=Role.BUREAU, lifetime=timedelta(seconds=-5))
    foreign = TokenSigner(generate_keypair()[0], issuer="anze-gateway").issue(sub="u", role=Role.BUREAU)
    good = keys.token(Role.BUREAU, region="330282")
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    for token, words in ((expired, "expired"), (foreign, "not valid"), (tampered, "not valid")):
        r = await client.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
        assert words in r.json()["detail"]


async def test_invalid_body_is_a_validation_problem_naming_the_field(client, keys):
    r = await client.post("/v1/notes", json={"text": ""}, headers=keys.headers(Role.ENTERPRISE, org="e1"))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "VALIDATION"
    assert body["fields"][0]["field"] == "text"


async def test_a_business_refusal_rolls_back_everything_the_request_wrote(client, keys):
    headers = keys.headers(Role.ENTERPRISE, org="e1")
    r = await client.post("/v1/boom", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE"
    assert (await client.get("/v1/notes", headers=headers)).json()["total"] == 0


async def test_an_unexpected_error_is_a_500_problem_without_internals(client):
    r = await client.get("/v1/crash")
    assert r.status_code == 500
    assert r.json()["code"] == "INTERNAL"
    assert "secret internals" not in r.text


async def test_the_same_idempotency_key_replays_the_first_answer(client, keys):
    headers = {**keys.headers(Role.ENTERPRISE, org="e1"), "Idempotency-Key": "k-1"}
    first = await client.post("/v1/notes", json={"text": "a"}, headers=headers)
    again = await client.post("/v1/notes", json={"text": "a"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert (await client.get("/v1/notes", headers=headers)).json()["total"] == 1
    other = await client.post("/v1/notes", json={"text": "b"}, headers=headers)
    assert other.status_code == 409 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_lists_page_with_an_opaque_cursor_until_the_end(client, keys):
    headers = keys.headers(Role.ENTERPRISE, org="e1")
    for i in range(5):
        await client.post("/v1/notes", json={"text": f"n{i}"}, headers=headers)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/notes", params=params, headers=headers)).json()
        assert page["total"] == 5
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"n{i}" for i in range(5)]
    bad = await client.get("/v1/notes", params={"cursor": "%%%"}, headers=headers)
    assert bad.status_code == 422


async def test_health_ready_and_metrics_answer(client, keys):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    await client.get("/v1/public")
    metrics = (await client.get("/metrics")).text
    assert 'anze_http_requests_total{method="GET",route="/v1/public",service="kernel-test",status="200"}' in metrics


async def test_a_scrape_of_metrics_samples_the_outbox_without_a_readiness_probe(keys, db_url, tmp_path):
    """Prometheus scrapes /metrics only: the outbox backlog must be current there, not only after /readyz."""
    settings = _Settings(database_url=db_url, kernel=keys.kernel_settings(tmp_path))
    runtime = ServiceRuntime(name="kernel-scrape", settings=settings, outbox=Outbox, inbox=Inbox)
    async with runtime.database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    app = build_service_app(runtime=runtime, title="t", description="t", routers=[router])
    async with testing.running(app) as client:
        metrics = (await client.get("/metrics")).text
    assert 'anze_outbox_backlog{service="kernel-scrape"} 0.0' in metrics
    assert 'anze_outbox_oldest_age_seconds{service="kernel-scrape"} 0.0' in metrics


async def test_work_after_commit_runs_only_for_a_committed_unit_of_work(keys, db_url, tmp_path):
    """A call to the outside world registered in a unit of work happens after its commit, never after a
    rollback, and its own failure does not undo the committed business change."""
    settings = _Settings(database_url=db_url, kernel=keys.kernel_settings(tmp_path))
    database = ServiceRuntime(name="kernel-after", settings=settings, outbox=Outbox, inbox=Inbox).database
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    seen: list[list[str]] = []

    async def look(session) -> None:  # what the outside world would see when called
        async with database.transaction() as other:
            seen.append(sorted((await other.scalars(select(Note.text))).all()))

    async def fail(session) -> None:
        session.add(Note(id=new_id("n"), text="half-done"))
        raise RuntimeError("the provider failed")

    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            session.add(Note(id=new_id("n"), text="rolled back"))
            after_commit(session, look)
            raise RuntimeError("business failure")
    assert seen == []
    async with database.transaction() as session:
        session.add(Note(id=new_id("n"), text="kept"))
        after_commit(session, fail)
        after_commit(session, look)
    assert seen == [["kept"]]  # ran after the commit; the failed work left nothing
    await database.dispose()


async def test_a_write_is_committed_before_the_response_starts(keys, db_url, tmp_path):
    """A client that reads right after an answer must see the write: the commit precedes the response."""
    settings = _Settings(database_url=db_url, kernel=keys.kernel_settings(tmp_path))
    runtime = ServiceRuntime(name="kernel-test", settings=settings, outbox=Outbox, inbox=Inbox, audience="policy")
    async with runtime.database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    app = build_service_app(runtime=runtime, title="t", description="t", routers=[router])
    visible_at_start: list[int] = []
    body = b'{"text": "seen"}'

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            async with runtime.database.transaction() as other:
                visible_at_start.append(len((await other.scalars(select(Note))).all()))

    token = keys.token(Role.ENTERPRISE, org="e1")
    scope = {"type": "http", "method": "POST", "path": "/v1/notes", "query_string": b"", "root_path": "",
             "headers": [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")],
             "http_version": "1.1", "scheme": "http", "server": ("test", 80), "client": ("c", 1)}
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    assert visible_at_start == [1]
