"""schemathesis sends generated requests (valid to the OpenAPI document, odd values) to every route of the
bookings service as an admin, with the real providers app behind it: bad input must get a problem,
never a server error."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx
import schemathesis
from hypothesis import settings

from services.bookings.app import MIGRATIONS, create_app
from services.bookings.settings import BookingsSettings
from services.kernel import testing
from services.kernel.auth import Role
from services.kernel.events import MemoryBus
from services.kernel.migrations import upgrade
from services.kernel.runtime import Wiring
from services.providers.app import MIGRATIONS as PROVIDERS_MIGRATIONS
from services.providers.app import create_app as create_providers
from services.providers.settings import ProvidersSettings
from tests.profiles import SLOW_APP_CHECKS

KEYS = testing.TestKeys.generate()
_TMP = Path(tempfile.mkdtemp(prefix="anze-bookings-schemathesis-"))


def _app():
    kernel = KEYS.kernel_settings(_TMP)
    bus = MemoryBus()
    providers = create_providers(ProvidersSettings(database_url=f"sqlite+aiosqlite:///{_TMP / 'providers.db'}",
                                                   kernel=kernel), Wiring(bus=bus))
    app = create_app(BookingsSettings(database_url=f"sqlite+aiosqlite:///{_TMP / 'bookings.db'}", kernel=kernel,
                                      storage_dir=_TMP / "uploads"),
                     Wiring(bus=bus, transports={"providers": httpx.ASGITransport(app=providers)},
                            run_consumers=False, run_jobs=False))
    asyncio.run(upgrade(providers.state.runtime.database, PROVIDERS_MIGRATIONS))
    asyncio.run(upgrade(app.state.runtime.database, MIGRATIONS))
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(deadline=None, suppress_health_check=SLOW_APP_CHECKS)  # examples: the hypothesis profile (tests/conftest.py)
def test_no_generated_request_ends_in_a_server_error(case):
    response = case.call(headers=KEYS.headers(Role.ADMIN), timeout=60)  # a loaded 2-core CI box, not a hang
    assert response.status_code < 500, f"{case.method} {case.path}: {response.text}"
    if response.status_code >= 400:
        assert "application/problem+json" in str(response.headers.get("content-type"))
