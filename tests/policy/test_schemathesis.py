"""schemathesis sends generated requests (valid to the OpenAPI document, odd values) to every route of the
policy service as an admin: bad input must get a problem, never a server error."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import settings

from services.kernel import testing
from services.kernel.auth import Role
from services.kernel.migrations import upgrade
from services.policy.app import MIGRATIONS, create_app
from services.policy.service import seed_regions
from services.policy.settings import PolicySettings
from tests.profiles import SLOW_APP_CHECKS

KEYS = testing.TestKeys.generate()
_TMP = Path(tempfile.mkdtemp(prefix="anze-policy-schemathesis-"))


def _app():
    app = create_app(PolicySettings(database_url=f"sqlite+aiosqlite:///{_TMP / 'policy.db'}",
                                    stripe_webhook_secret="whsec_schemathesis", kernel=KEYS.kernel_settings(_TMP)))
    asyncio.run(upgrade(app.state.runtime.database, MIGRATIONS))
    asyncio.run(seed_regions(app.state.runtime.database))
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(deadline=None, suppress_health_check=SLOW_APP_CHECKS)  # examples: the hypothesis profile (tests/conftest.py)
def test_no_generated_request_ends_in_a_server_error(case):
    response = case.call(headers=KEYS.headers(Role.ADMIN), timeout=60)  # a loaded 2-core CI box, not a hang
    assert response.status_code < 500, f"{case.method} {case.path}: {response.text}"
    if response.status_code >= 400:
        assert "application/problem+json" in str(response.headers.get("content-type"))
