"""The session: an HttpOnly cookie holding the gateway's tokens, refreshed when the access token ends, and
revoked at logout."""

from __future__ import annotations

import httpx

from services.kernel import clock, testing
from services.kernel.runtime import Wiring
from tests.web.conftest import csrf_token_of
from web.app import create_app
from web.session import SESSION_COOKIE
from web.settings import WebSettings


async def _logged_in(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/login")
    response = await browser.post("/login", data={"csrf_token": csrf_token_of(page),
                                                  "email": "bureau@demo.anze.cn", "password": "anze-demo-2026"})
    assert response.status_code == 303


def _session_cookie(browser: httpx.AsyncClient):
    return next(c for c in browser.cookies.jar if c.name == SESSION_COOKIE)


def _age_the_access_token(browser: httpx.AsyncClient, app) -> dict:
    """Pretend the access token ended (what 30 minutes of work would do)."""
    sessions = app.state.sessions
    cookie = _session_cookie(browser)
    session = sessions.signer.loads(cookie.value, "session")
    session["expires_at"] = clock.timestamp() - 1
    cookie.value = sessions.signer.dumps(session, "session")
    return session


async def test_an_ended_access_token_is_refreshed_without_logging_in_again(gateway_without_policy) -> None:
    gateway_app, kernel = gateway_without_policy
    app = create_app(WebSettings(kernel=kernel), Wiring(transports={"gateway": httpx.ASGITransport(gateway_app)}))
    async with testing.running(app) as browser:
        await _logged_in(browser)
        old = _age_the_access_token(browser, app)
        page = await browser.get("/")
        assert page.status_code == 200 and "bureau@demo.anze.cn" in page.text
        new = app.state.sessions.signer.loads(_session_cookie(browser).value, "session")
    assert new["token"] != old["token"] and new["expires_at"] > clock.timestamp()
    assert new["refresh_token"] != old["refresh_token"]  # refresh tokens are spent once


async def test_logging_out_revokes_the_refresh_token(gateway_without_policy) -> None:
    gateway_app, kernel = gateway_without_policy
    app = create_app(WebSettings(kernel=kernel), Wiring(transports={"gateway": httpx.ASGITransport(gateway_app)}))
    async with testing.running(app) as browser:
        await _logged_in(browser)
        stolen = _session_cookie(browser).value  # a copy of the cookie taken before logout
        page = await browser.get("/")
        await browser.post("/logout", data={"csrf_token": csrf_token_of(page)})
        browser.cookies.clear()
        browser.cookies.set(SESSION_COOKIE, stolen)
        _age_the_access_token(browser, app)
        page = await browser.get("/bureau")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


async def test_the_session_cookie_is_httponly_and_lax(gateway_without_policy) -> None:
    gateway_app, kernel = gateway_without_policy
    app = create_app(WebSettings(kernel=kernel), Wiring(transports={"gateway": httpx.ASGITransport(gateway_app)}))
    async with testing.running(app) as browser:
        page = await browser.get("/login")
        response = await browser.post("/login", data={"csrf_token": csrf_token_of(page),
                                                      "email": "bureau@demo.anze.cn", "password": "anze-demo-2026"})
    session_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "httponly" in session_cookie.lower() and "samesite=lax" in session_cookie.lower()


async def test_the_login_passes_the_browsers_address_on_and_says_when_it_must_wait(keys, tmp_path) -> None:
    """The gateway throttles failed logins per address; behind the web that is the browser's address, which the
    web forwards (X-Forwarded-For), and TOO_MANY_ATTEMPTS reads as a clear message."""
    seen: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"login": {
            "__typename": "OperationError", "code": "TOO_MANY_ATTEMPTS", "field": None, "retryAfterSeconds": 600,
            "message": "too many failed logins from this address; try again in 600 seconds"}}})

    settings = WebSettings(kernel=keys.kernel_settings(tmp_path), gateway_url="http://127.0.0.1:9")
    app = create_app(settings, Wiring(transports={"gateway": httpx.MockTransport(gateway)}))
    async with testing.running(app) as browser:
        page = await browser.get("/login")
        response = await browser.post("/login", data={"csrf_token": csrf_token_of(page), "email": "a@x.cn",
                                                      "password": "some-password"})
    assert "此网络地址登录失败次数过多" in response.text
    assert seen and seen[-1].headers["x-forwarded-for"] == "127.0.0.1"  # the address the web saw
