"""Every state-changing request needs this browser's CSRF token; without it the page refuses (403)."""

from __future__ import annotations

import re

from tests.web.conftest import csrf_token_of


def _routes(routes):
    """Every route, through FastAPI's included routers."""
    for route in routes:
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner is not None:
            yield from _routes(inner)
        else:
            yield route


async def test_a_login_form_without_the_csrf_token_is_refused(web) -> None:
    await web.get("/login")
    response = await web.post("/login", data={"email": "bureau@demo.anze.cn", "password": "anze-demo-2026"})
    assert response.status_code == 403
    assert "请求已被拒绝" in response.text


async def test_a_token_from_another_browser_is_refused(web, web_settings) -> None:
    page = await web.get("/login")
    token = csrf_token_of(page)
    web.cookies.clear()
    await web.get("/login")  # this browser gets its own CSRF cookie
    response = await web.post("/logout", data={"csrf_token": token})
    assert response.status_code == 403


async def test_a_forged_signature_is_refused(web) -> None:
    page = await web.get("/login")
    seed = csrf_token_of(page).rpartition(".")[0]
    response = await web.post("/logout", data={"csrf_token": seed + ".forged"})
    assert response.status_code == 403


async def test_a_form_with_its_token_goes_through(web) -> None:
    page = await web.get("/login")
    response = await web.post("/logout", data={"csrf_token": csrf_token_of(page)})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?done=logged_out"


async def test_every_form_handler_refuses_a_post_without_the_token(web) -> None:
    await web.get("/login")
    posts = [r for r in _routes(web.app.routes) if "POST" in (getattr(r, "methods", None) or ())]
    assert posts, "the web has form handlers"
    for route in posts:
        path = re.sub(r"\{[^}]+\}", "x1", route.path)
        response = await web.post(path, data={"anything": "1"})
        assert response.status_code == 403, f"{route.path} accepted a POST without a CSRF token"


async def test_cookies_are_httponly_and_samesite_lax(web) -> None:
    page = await web.get("/login")
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


async def test_pages_load_nothing_from_elsewhere_and_cannot_be_framed(web) -> None:
    page = await web.get("/login")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "http://" not in page.text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page.text
