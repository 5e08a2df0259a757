"""When a service or the gateway is down, the pages say so clearly instead of failing."""

from __future__ import annotations

import httpx

from services.kernel import testing
from services.kernel.runtime import Wiring
from tests.web.conftest import csrf_token_of
from web.app import create_app
from web.settings import WebSettings


async def test_a_page_says_the_platform_is_unavailable_when_the_gateway_does_not_answer(web) -> None:
    sessions = web.app.state.sessions
    token = "x.eyJleHAiOjQxMDI0NDQ4MDB9.x"  # a token the dead gateway will never see (exp in 2100)
    cookie = sessions.signer.dumps({"token": token, "user_id": "u", "email": "bureau@demo.anze.cn",
                                    "role": "BUREAU", "org_id": None, "region_code": "330282",
                                    "expires_at": 4102444800.0}, "session")
    web.cookies.set("anze_session", cookie)
    page = await web.get("/bureau")
    assert page.status_code == 503
    assert "服务暂时不可用" in page.text
    assert "Traceback" not in page.text


async def test_coverage_page_says_which_data_is_missing_when_the_policy_service_is_down(gateway_without_policy,
                                                                                        tmp_path) -> None:
    gateway_app, kernel = gateway_without_policy
    transports = {"gateway": httpx.ASGITransport(app=gateway_app)}
    web_app = create_app(WebSettings(kernel=kernel), Wiring(transports=transports))
    async with testing.running(web_app) as browser:
        page = await browser.get("/login")
        login = await browser.post("/login", data={"csrf_token": csrf_token_of(page),
                                                   "email": "bureau@demo.anze.cn", "password": "anze-demo-2026"})
        assert login.status_code == 303 and login.headers["location"] == "/bureau"
        page = await browser.get("/bureau")
    assert page.status_code == 200  # the page still answers, with what it has
    assert "部分服务暂时不可用" in page.text
    assert 'id="coverage-unavailable"' in page.text
    assert "该范围内没有登记的企业" not in page.text  # missing figures are never shown as zero firms
