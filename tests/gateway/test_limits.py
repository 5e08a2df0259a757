"""Limits against abusive queries, each with a clear error code, and persisted queries by hash."""

from __future__ import annotations

import hashlib

import pytest

from gateway.app import MIGRATIONS, create_app
from services.kernel import testing

from .conftest import GatewayUnderTest, gateway_settings


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"  # limits do not touch the database: one backend is enough


@pytest.fixture
async def limited(keys, tmp_path):
    settings = gateway_settings(keys, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'g.db'}", max_depth=6,
                                max_aliases=3, max_tokens=200, max_cost=1000)
    app = create_app(settings)
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        yield GatewayUnderTest(client, app)


def _code(body):
    return body["errors"][0]["extensions"]["code"]


async def test_too_deep_a_query_is_refused(limited):
    deep = "{ bookings { nodes { hazards { booking { hazards { booking { hazards { id } } } } } } } }"
    body = await limited.gql(deep)
    assert body.get("data") is None and _code(body) == "QUERY_TOO_DEEP"


async def test_too_many_aliases_are_refused(limited):
    body = await limited.gql("{ a: me { id } b: me { id } c: me { id } d: me { id } }")
    assert _code(body) == "TOO_MANY_ALIASES"


async def test_too_many_tokens_are_refused(limited):
    body = await limited.gql("{ me { " + " ".join(["id"] * 250) + " } }")
    assert _code(body) == "TOO_MANY_TOKENS"


async def test_a_query_over_the_cost_estimate_is_refused_before_any_service_call(limited):
    query = "query($n: Int) { bookings(first: $n) { nodes { id hazards { id } } } }"
    body = await limited.gql(query, {"n": 200})
    assert _code(body) == "QUERY_TOO_COSTLY" and body["errors"][0]["extensions"]["cost"] > 1000
    assert "first" in body["errors"][0]["message"]
    assert limited.app.state.gateway.service_calls()["bookings"] == 0


async def test_syntax_errors_and_unknown_fields_carry_codes(limited):
    assert _code(await limited.gql("{ me { id ")) == "GRAPHQL_PARSE_FAILED"
    assert _code(await limited.gql("{ me { nope } }")) == "GRAPHQL_VALIDATION_FAILED"


async def test_a_persisted_query_runs_by_its_hash_once_registered(limited):
    query = "{ me { id } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    ext = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    response = await limited.client.post("/graphql", json={"extensions": ext})
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await limited.client.post("/graphql", json={"query": query, "extensions": ext})
    assert registered.json() == {"data": {"me": None}}
    by_hash = await limited.client.post("/graphql", json={"extensions": ext})
    assert by_hash.json() == {"data": {"me": None}}


async def test_a_hash_that_does_not_match_its_query_is_refused(limited):
    ext = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    response = await limited.client.post("/graphql", json={"query": "{ me { id } }", "extensions": ext})
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


async def test_graphiql_is_served_on_get(limited):
    response = await limited.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_with_persisted_queries_only_a_known_hash_runs_and_free_text_is_refused(keys, tmp_path):
    from gateway.persisted import PERSISTED_DIR

    settings = gateway_settings(keys, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
                                persisted_queries_only=True)
    app = create_app(settings)
    await testing.migrate_app(app, MIGRATIONS)
    known = (PERSISTED_DIR / "me.graphql").read_text()
    digest = hashlib.sha256(known.encode()).hexdigest()
    async with testing.running(app) as client:
        by_hash = await client.post("/graphql", json={"extensions": {"persistedQuery": {"version": 1,
                                                                                         "sha256Hash": digest}}})
        assert by_hash.json() == {"data": {"me": None}}
        free = await client.post("/graphql", json={"query": "{ me { id } }"})
        assert free.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"


async def test_graphiql_is_served_in_development_and_not_with_anze_env_prod(keys, tmp_path):
    html = {"Accept": "text/html"}
    for env, served in (("test", True), ("prod", False)):
        settings = gateway_settings(keys, tmp_path, f"sqlite+aiosqlite:///{tmp_path / f'{env}.db'}")
        settings.kernel = settings.kernel.model_copy(update={"env": env})
        app = create_app(settings)
        await testing.migrate_app(app, MIGRATIONS)
        async with testing.running(app) as client:
            page = await client.get("/graphql", headers=html)
            assert ("graphiql" in page.text.lower() and page.status_code == 200) is served, (env, page.status_code)
            # the API itself answers in both
            assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200


async def test_a_body_over_the_limit_is_refused_before_graphql_reads_it(limited):
    query = "{ __typename }" + " " * (2 * 1024 * 1024)
    response = await limited.client.post("/graphql", json={"query": query})
    assert response.status_code == 413 and response.json()["code"] == "PAYLOAD_TOO_LARGE"


async def test_an_upload_over_the_route_limit_is_refused_as_payload_too_large(limited, keys):
    limit = limited.app.state.gateway.settings.upload_max_bytes
    big = b"\x89PNG" + b"\0" * (limit + 2 * 1024 * 1024)
    response = await limited.client.post("/uploads/photos", headers=keys.headers("expert", org="agc_1"),
                                         files={"file": ("big.png", big, "image/png")})
    assert response.status_code == 413 and response.json()["code"] == "PAYLOAD_TOO_LARGE"
