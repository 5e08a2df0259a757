"""Fixtures of the web tests: the web app alone (for what needs no gateway) and, for the browser tests,
the whole embedded platform served by uvicorn on a free port with the demo data."""

from __future__ import annotations

import os
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


@pytest.fixture
async def gateway_without_policy(keys: testing.TestKeys, tmp_path, db_url: str):
    """The real gateway with its accounts, while the policy service it needs is down (nothing listens)."""
    from anze.composition import part_app_module
    from gateway import seed as gateway_seed
    from gateway.settings import GatewaySettings
    from services.kernel.db import Database
    from services.kernel.migrations import upgrade

    kernel = keys.kernel_settings(tmp_path)
    settings = GatewaySettings(kernel=kernel, database_url=db_url, jwt_private_key=keys.private_pem.decode(),
                               policy_url=DEAD_GATEWAY, providers_url=DEAD_GATEWAY, bookings_url=DEAD_GATEWAY,
                               service_timeout_seconds=0.5, argon2_time_cost=1, argon2_memory_kib=8192)
    database = Database(settings.resolved_database_url("gateway"))
    await upgrade(database, part_app_module("gateway").MIGRATIONS)
    await gateway_seed.seed_demo(database, {"region_code": "330282"})
    await database.dispose()
    app = part_app_module("gateway").create_app(settings)
    async with app.router.lifespan_context(app):
        yield app, kernel


def csrf_token_of(page: httpx.Response) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the page has no CSRF field"
    return match.group(1)


# ---------------------------------------------------------------- the platform in a real browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
DEMO_PASSWORD = "anze-demo-2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def platform_url(tmp_path_factory: pytest.TempPathFactory):
    """The whole embedded platform (web at ``/``) with the demo data, served by uvicorn on a free port."""
    if not testing.chromium_available():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (or ANZE_TEST_NO_CHROMIUM is set)")
    if external := os.environ.get("ANZE_TEST_PLATFORM_URL"):  # a platform already running, demo-seeded
        yield external.rstrip("/")
        return
    import asyncio
    import threading
    import time

    import uvicorn

    from anze.composition import create_embedded_app, migrate_all, seed_all
    from services.kernel.settings import KernelSettings

    var_dir = tmp_path_factory.mktemp("platform")
    kernel = KernelSettings(env="test", var_dir=var_dir, log_json=False, relay_poll_seconds=0.2)
    asyncio.run(migrate_all(kernel))
    asyncio.run(seed_all(kernel))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_embedded_app(kernel), host="127.0.0.1", port=port,
                                           log_config=None, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="platform", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the embedded platform did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="module")
def browser(platform_url: str):
    """Chromium for one test module: sync Playwright keeps an event loop running while it lives, which
    would stop the async tests of the other modules, so it does not outlive its module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


class Shots:
    """Screenshots of one journey under ``test-artifacts/web/<journey>/``, numbered in order."""

    def __init__(self, journey: str) -> None:
        self.folder = ARTIFACTS / journey
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):  # only this run's pictures
            old.unlink()
        self.count = 0

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_page(browser, platform_url: str, request: pytest.FixtureRequest):
    """``open_page(viewport=PHONE)`` → a fresh browser context (its own cookies) at the platform."""
    contexts = []

    def make(viewport: dict[str, int] | None = None, locale: str = "zh-CN"):
        context = browser.new_context(base_url=platform_url, viewport=viewport or DESKTOP, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name.removeprefix("test_"))


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login page, as a person would."""
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
