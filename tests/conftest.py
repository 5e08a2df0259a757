"""Fixtures for the whole suite: a test key pair, the database backends present on this machine, NATS."""

from __future__ import annotations

import pytest

from services.kernel import testing


@pytest.fixture(scope="session")
def keys() -> testing.TestKeys:
    return testing.TestKeys.generate()


@pytest.fixture(params=testing.backends())
def backend(request: pytest.FixtureRequest) -> str:
    """Runs a test once per database backend present: SQLite always, PostgreSQL when it runs."""
    return request.param


@pytest.fixture
async def db_url(backend: str, tmp_path):
    async with testing.database_url(backend, tmp_path) as url:
        yield url


@pytest.fixture
def nats_url() -> str:
    if not testing.nats_available():
        pytest.skip("NATS JetStream is not running on this machine")
    return testing.NATS_URL
