"""schemathesis sends generated queries and mutations (valid GraphQL for this schema, odd values) to the
gateway: none may end in a server error. The services sit at an address where nothing answers, so every
resolver that calls one takes its failure path as well."""

from __future__ import annotations

import asyncio
from pathlib import Path

import schemathesis
from hypothesis import settings

from gateway.app import MIGRATIONS, create_app
from gateway.settings import GatewaySettings
from services.kernel.migrations import upgrade
from services.kernel.settings import KernelSettings
from tests.profiles import SLOW_APP_CHECKS

NOWHERE = "http://127.0.0.1:9"


def _app(tmp: Path):
    kernel = KernelSettings(env="test", var_dir=tmp, log_json=False)
    app = create_app(GatewaySettings(kernel=kernel, database_url=f"sqlite+aiosqlite:///{tmp / 'gateway.db'}",
                                     policy_url=NOWHERE, providers_url=NOWHERE, bookings_url=NOWHERE,
                                     service_timeout_seconds=0.5, breaker_failures=1, breaker_reset_seconds=3600,
                                     argon2_time_cost=1, argon2_memory_kib=8192))
    asyncio.run(upgrade(app.state.runtime.database, MIGRATIONS))
    return app


_TMP = Path(__import__("tempfile").mkdtemp(prefix="anze-gw-schemathesis-"))
schema = schemathesis.graphql.from_asgi("/graphql", _app(_TMP))


@schema.parametrize()
@settings(deadline=None, suppress_health_check=SLOW_APP_CHECKS)  # examples: the hypothesis profile (tests/conftest.py)
def test_no_generated_operation_ends_in_a_server_error(case):
    response = case.call(timeout=60)  # a loaded 2-core CI box is slow, not hung
    assert response.status_code < 500, response.text
    body = response.json()
    for error in body.get("errors") or []:
        assert error.get("extensions", {}).get("code") != "INTERNAL", error
