"""Fixtures of the web tests: the web app alone (for what needs no gateway) and, for the browser tests,
the whole embedded platform served by uvicorn on a free port with the demo data."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from services.kernel import testing
from web.app import create_app
from web.settings import WebSettings

DEAD_GATEWAY = "http://127.0.0.1:9"  # nothing listens on the discard port


@pytest.fixture
def web_settings(keys: testing.TestKeys, tmp_path: Path) -> WebSettings:
    return WebSettings(kernel=keys.kernel_settings(tmp_path), gateway_url=DEAD_GATEWAY)


@pytest.fixture
async def web(web_settings: WebSettings):
    """The web app alone, its gateway unreachable; a client that keeps cookies like a browser."""
    app = create_app(web_settings)
    async with testing.running(app) as client:
        client.app = app
        yield client


def csrf_token_of(page: httpx.Response) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the page has no CSRF field"
    return match.group(1)
