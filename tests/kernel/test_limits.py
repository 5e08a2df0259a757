"""Entry points with limits (issue 13, finding 8): every part holds request bodies to a limit per route (413
PAYLOAD_TOO_LARGE, declared or streamed), and /metrics is closed without the metrics token in production."""

from __future__ import annotations

from pydantic import SecretStr

from services.kernel import testing
from services.kernel.auth import Role
from services.policy.app import MIGRATIONS, create_app
from services.policy.settings import PolicySettings

BIG = 2 * 1024 * 1024


def _app(keys, tmp_path, **kernel):
    settings = PolicySettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'policy.db'}",
                              kernel=keys.kernel_settings(tmp_path).model_copy(update=kernel))
    return create_app(settings)


async def test_a_json_body_over_the_limit_is_refused_whether_declared_or_streamed(keys, tmp_path):
    app = _app(keys, tmp_path)
    await testing.migrate_app(app, MIGRATIONS)
    admin = keys.headers(Role.ADMIN)
    body = b'{"name": "' + b"x" * BIG + b'"}'
    async with testing.running(app) as client:
        declared = await client.post("/v1/insurers", content=body,
                                     headers={**admin, "content-type": "application/json"})
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"
        assert declared.json()["code"] == "PAYLOAD_TOO_LARGE"

        async def chunks():
            for start in range(0, len(body), 64 * 1024):
                yield body[start:start + 64 * 1024]

        streamed = await client.post("/v1/insurers", content=chunks(),
                                     headers={**admin, "content-type": "application/json"})
        assert streamed.status_code == 413 and streamed.json()["code"] == "PAYLOAD_TOO_LARGE"
        # a small body passes the limit and meets the route's own checks
        small = await client.post("/v1/insurers", json={"name": "x"}, headers=admin)
        assert small.status_code == 422


async def test_a_declared_upload_route_takes_a_body_larger_than_the_json_limit(keys, tmp_path):
    app = _app(keys, tmp_path)
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        response = await client.post("/v1/imports/firms", headers=keys.headers(Role.BUREAU, region="330282"),
                                     files={"file": ("firms.txt", b"x" * BIG, "text/plain")})
        assert response.status_code == 422 and response.json()["fields"][0]["field"] == "file"


async def test_metrics_are_open_in_dev_and_closed_in_production_without_the_token(keys, tmp_path):
    async with testing.running(_app(keys, tmp_path)) as client:
        assert (await client.get("/metrics")).status_code == 200
    async with testing.running(_app(keys, tmp_path, env="prod")) as client:
        refused = await client.get("/metrics")
        assert refused.status_code == 401 and refused.json()["code"] == "UNAUTHENTICATED"
    app = _app(keys, tmp_path, env="prod", metrics_token=SecretStr("scrape-me-please"))
    async with testing.running(app) as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer guessed"})
        assert wrong.status_code == 401
        ok = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
        assert ok.status_code == 200 and "anze_http_requests_total" in ok.text
