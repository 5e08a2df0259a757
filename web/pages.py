"""What every page shares: the template environment, the render helper with the user, language and CSRF
token in its context, the logged-in user as a dependency, form state, and the error pages."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from web import i18n
from web.gateway import (
    AccessDenied,
    Gateway,
    GatewayError,
    GatewayUnavailable,
    GraphQLResult,
    NotAuthenticated,
    OperationError,
    operation_error,
)
from web.session import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, CsrfRefused, Sessions, SessionUser

log = logging.getLogger("anze.web")

TEMPLATES_DIR = Path(__file__).parent / "templates"

# the page each role lands on after login, and its menu
HOME_OF_ROLE = {
    "ENTERPRISE": "/firm", "INSURER": "/insurer", "AGENCY": "/agency", "EXPERT": "/expert",
    "BUREAU": "/bureau", "ADMIN": "/bureau",
}
MENUS: dict[str, list[tuple[str, str]]] = {
    "ENTERPRISE": [("/firm", "我的企业"), ("/firm/policies", "保单"), ("/firm/visits", "上门服务"),
                   ("/firm/hazards", "隐患整改"), ("/firm/ledger", "预防经费"), ("/firm/complaints", "投诉")],
    "INSURER": [("/insurer", "承保业务"), ("/insurer/payments", "待确认转账"), ("/insurer/hazards", "隐患"),
                ("/insurer/ledger", "预防经费台账"), ("/insurer/panel", "合作机构")],
    "AGENCY": [("/agency", "预约"), ("/agency/hazards", "隐患"), ("/agency/qualifications", "资质管理"),
               ("/agency/complaints", "投诉"), ("/agency/experts", "专家管理"),
               ("/agency/reviews", "评价")],
    "EXPERT": [("/expert", "我的上门服务"), ("/expert/hazards", "待验收整改")],
    "BUREAU": [("/bureau", "投保扩面"), ("/bureau/lists", "待办清单"), ("/bureau/enterprises", "企业"),
               ("/bureau/performance", "机构服务质量"), ("/bureau/agencies", "机构审核"),
               ("/bureau/exposure", "曝光案例"), ("/bureau/complaints", "投诉")],
    "ADMIN": [("/bureau", "投保扩面"), ("/bureau/lists", "待办清单"), ("/bureau/agencies", "机构审核")],
}


class LoginRequired(Exception):
    """The page needs a logged-in user; the browser goes to the login page and comes back."""


class WrongRole(Exception):
    """The user is logged in but this page belongs to another user group."""


def make_templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = i18n.money
    env.filters["percent"] = i18n.percent
    env.filters["localtime"] = i18n.local_time
    env.filters["localdate"] = i18n.local_date
    return Jinja2Templates(env=env)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site may be a redirect target (never ``//evil`` or ``https://...``)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def sessions_of(request: Request) -> Sessions:
    return request.app.state.sessions  # type: ignore[no-any-return]


def gateway_of(request: Request) -> Gateway:
    return request.app.state.gateway  # type: ignore[no-any-return]


REFRESH = """
mutation Refresh($t: String!) {
  refreshToken(refreshToken: $t) {
    __typename
    ... on AuthPayload { token refreshToken user { id email role orgId regionCode } }
    ... on OperationError { code message }
  }
}"""


def optional_user(request: Request) -> SessionUser | None:
    """The user this request runs as (resolved, and refreshed when needed, by ``resolve_user``)."""
    if not hasattr(request.state, "user"):
        request.state.user = sessions_of(request).read(request)
    return request.state.user  # type: ignore[no-any-return]


async def resolve_user(request: Request) -> SessionUser | None:
    """Read the session; when its access token has ended, spend the refresh token for a new one (the
    response then carries the new cookie), or end the session when the gateway refuses."""
    sessions = sessions_of(request)
    user = sessions.read(request, allow_expired=True)
    if user is not None and user.expired:
        user = await _refresh(request, user)
    request.state.user = user
    return user


async def _refresh(request: Request, user: SessionUser) -> SessionUser | None:
    request.state.session_changed = True
    if not user.refresh_token:
        return None
    try:
        result = await gateway_of(request).execute(REFRESH, {"t": user.refresh_token}, allow_partial=False)
    except (GatewayUnavailable, GatewayError, NotAuthenticated, AccessDenied):
        log.info("the session could not be refreshed; the user logs in again")
        return None
    payload = result.data.get("refreshToken") or {}
    if operation_error(payload) is not None or not payload.get("token"):
        return None
    return sessions_of(request).from_auth_payload(payload)


def require(*roles: str) -> Callable[[Request], SessionUser]:
    """A dependency: the logged-in user, who must hold one of ``roles`` (ADMIN passes too)."""

    def dependency(request: Request) -> SessionUser:
        user = optional_user(request)
        if user is None:
            raise LoginRequired()
        if roles and user.role not in roles and user.role != "ADMIN":
            raise WrongRole()
        return user

    return dependency


async def verify_csrf(request: Request) -> None:
    """Every state-changing request must carry this browser's signed CSRF token (form field or header)."""
    if request.method in SAFE_METHODS:
        return
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        content_type = request.headers.get("content-type", "")
        if "form" in content_type:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    sessions_of(request).check_csrf(request, submitted)


CsrfChecked = Depends(verify_csrf)


async def query(request: Request, document: str, variables: dict[str, Any] | None = None,
                *, allow_partial: bool = True) -> GraphQLResult:
    """One GraphQL call as the logged-in user (or anonymously on public pages)."""
    user = optional_user(request)
    result = await gateway_of(request).execute(document, variables, token=user.token if user else None,
                                                allow_partial=allow_partial,
                                                client_address=request.client.host if request.client else None)
    if result.partial:
        request.state.partial_services = result.unavailable_services
    return result


# what people read for the gateway's stable codes; any other code shows the service's own message
CODE_MESSAGES = {
    "INVALID_USCC": "统一社会信用代码不正确，请核对营业执照（18 位，校验位须相符）。",
    "SLOT_TAKEN": "该时段刚被预约，请另选时间。",
    "INSUFFICIENT_BUDGET": "该保单的预防服务经费余额不足，请改为企业自费或选择其他保单。",
    "RATE_LIMITED": "尝试次数过多，请稍后再试。",
    "TOO_MANY_ATTEMPTS": "此网络地址登录失败次数过多，请稍后再试。",
    "PAYLOAD_TOO_LARGE": "提交的内容过大。",
    "PAYMENT_METHOD_UNAVAILABLE": "在线支付尚未开通，请选择银行转账。",
    "NOT_PUBLISHABLE": "只有逾期未整改、或整改未通过验收的重大事故隐患可以曝光。",
    "EXPOSURE_CASE_EXISTS": "该隐患已有公开的曝光案例，如需更正请先撤下。",
    "NOT_ON_PANEL": "该机构不在本公司的合作机构名录中。",
    "NO_EMPLOYEES": "从业人员至少 1 人：安责险须为全体从业人员投保。",
    "UNKNOWN_INDUSTRY_CODE": "国民经济行业代码不在 GB/T 4754 列表中，请从列表中选择。",
    "INVALID_PHONE": "请输入 11 位手机号码（1 开头，第二位为 3–9），如 13900001234。",
    "COVER_OVERLAPS": ("本企业在该保险机构已有覆盖相同期间的保单（待缴费或有效），不能重复投保："
                       "请缴纳或撤销待缴费的保单，或选择现有保单到期之后的起保日期。"),
}


@dataclass
class Form:
    """What the user typed and what is wrong with it, shown next to each field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general

    def add(self, name: str | None, message: str) -> None:
        if name:
            self.errors[name] = message
        else:
            self.general.append(message)

    def from_operation_error(self, error: OperationError, aliases: dict[str, str] | None = None) -> None:
        """Put the gateway's ``OperationError`` next to the field it names (``input.headcount`` →
        ``headcount``, or the form's own name for it through ``aliases``)."""
        name = None
        item = re.search(r"(?:^|\.)([a-z][A-Za-z]*?)s\.(\d+)\.([A-Za-z_]+)$", error.field or "")
        if item:  # a field of the n-th row of a list (``hazards.1.deadline``): the row's own field
            leaf = re.sub(r"(?<!^)([A-Z])", r"_\1", item.group(3)).lower()
            aliased = (aliases or {}).get(leaf)
            name = f"{item.group(1)}_{item.group(2)}_{aliased or leaf}"
            if aliased or name in self.values:
                self.add(name, CODE_MESSAGES.get(error.code) or error.message or error.code)
                return
            name = None
        if error.field:
            name = error.field.split(".")[-1]
            name = (aliases or {}).get(name, name)
            if name not in self.values and name not in (aliases or {}).values():
                name = None
        self.add(name, CODE_MESSAGES.get(error.code) or error.message or error.code)


async def read_form(request: Request) -> Form:
    data = await request.form()
    return Form(values={k: v.strip() for k, v in data.items() if isinstance(v, str) and k != CSRF_FIELD})


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    lang = i18n.language(request)
    user = optional_user(request)
    sessions = sessions_of(request)
    gettext = i18n.translator(lang)
    path = request.url.path
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "done")])
    full = path + (f"?{kept}" if kept else "")
    base = {
        "request": request, "lang": lang, "_": gettext, "user": user,
        "label": functools.partial(_label, lang=lang), "csrf_field": CSRF_FIELD,
        "csrf_token": sessions.csrf_token(request), "current_path": path,
        "here": full, "menu": MENUS.get(user.role, []) if user else [],
        "active_menu": _active_menu(MENUS.get(user.role, []) if user else [], path),
        "partial_services": getattr(request.state, "partial_services", ()),
        "page_title": "", "notice": _notice(request, gettext),
    }
    base.update(context or {})
    response = request.app.state.templates.TemplateResponse(request, template, base, status_code=status_code)
    sessions.persist_csrf(request, response)
    return response  # type: ignore[no-any-return]


def _active_menu(menu: list[tuple[str, str]], path: str) -> str:
    """The menu entry this page belongs to: the longest one that is the path or a parent of it."""
    matches = [href for href, _ in menu if path == href or path.startswith(href + "/")]
    return max(matches, key=len, default="")


def _label(kind: str, value: str | None, *, lang: str) -> str:
    return i18n.label(kind, value, lang)


NOTICES = {
    "logged_out": "您已退出登录。", "paid": "已提交缴费，等待保险机构确认到账。",
    "confirmed": "已确认到账，保单已生效。",
    "booked": "预约已提交。", "reported": "服务记录已提交。", "rectified": "整改已提交，等待专家验收。",
    "verified": "验收结果已保存。", "acknowledged": "已确认服务记录。", "saved": "已保存。",
    "checked_in": "已签到。", "booking_confirmed": "预约已确认。", "quoted": "报价已生成。",
    "registered": "企业已登记。", "reviewed": "审核意见已保存。", "renewed": "已生成续保保单，请缴费。",
    "applied": "入驻申请已提交，等待应急管理局审核。",
    "qualification_added": "资质已保存。", "scan_uploaded": "扫描件已上传。",
    "published": "案例已在曝光台发布。", "withdrawn": "案例已从曝光台撤下。",
    "panel_added": "机构已加入名录。", "panel_removed": "机构已移出名录。",
    "plan_proposed": "服务计划调整已提交，等待企业同意。", "plan_agreed": "已同意服务计划调整。",
    "plan_declined": "已拒绝服务计划调整，原计划不变。",
    "review_posted": "评价已提交，感谢您的反馈。", "review_replied": "回复已发布。",
    "complaint_filed": "投诉已提交，机构须在 10 个工作日内答复。", "complaint_answered": "答复已提交。",
    "complaint_fact_check": "已记录需核实事实，答复期限已调整。", "complaint_extended": "答复期限已延长。",
    "cancelled": "保单已退保，应退保费见下方退款记录。", "refund_confirmed": "已确认退款。",
    "endorsement_confirmed": "已确认批改保费到账。",
    "expert_added": "专家已添加。", "expert_saved": "专家信息已保存。", "expert_deactivated": "专家已标记为离职。",
    "expert_reactivated": "专家已恢复在职。", "certificate_added": "证书已保存。", "hours_saved": "工作时间已保存。",
    "time_off_added": "休假已添加。", "expert_login_created": "登录账号已创建。",
}


def _notice(request: Request, gettext: Callable[..., str]) -> str:
    key = request.query_params.get("done")
    return gettext(NOTICES[key]) if key in NOTICES else ""


def redirect(path: str, done: str | None = None) -> RedirectResponse:
    if done:
        path += ("&" if "?" in path else "?") + f"done={done}"
    return RedirectResponse(path, status_code=303)


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "title": title, "message": message},
                  status_code=status)


def install_error_pages(app: FastAPI) -> None:
    """Errors become pages in the user's language, never a stack trace."""

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(NotAuthenticated)
    async def _expired(request: Request, _: NotAuthenticated) -> Response:
        response = RedirectResponse(f"/login?expired=1&next={quote(request.url.path)}", status_code=303)
        sessions_of(request).logout(response)
        return response

    @app.exception_handler(WrongRole)
    @app.exception_handler(AccessDenied)
    async def _forbidden(request: Request, _: Exception) -> Response:
        return error_page(request, 403, "无权访问", "此页面不属于您的账号可以查看的范围。")

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        log.warning("refused a form without a valid CSRF token: %s", exc)
        return error_page(request, 403, "请求已被拒绝",
                          "表单已过期或来源不明，请返回上一页刷新后重新提交。")

    @app.exception_handler(GatewayUnavailable)
    async def _unavailable(request: Request, exc: GatewayUnavailable) -> Response:
        return error_page(request, 503, "服务暂时不可用", "平台的部分服务暂时无法访问，请稍后再试。")

    @app.exception_handler(GatewayError)
    async def _gateway_error(request: Request, exc: GatewayError) -> Response:
        return error_page(request, 502, "出错了", "页面未能取得数据，我们已记录此问题。")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_page(request, 404, "页面不存在", "您要找的页面不存在或已被移除。")
        if exc.status_code == 405:
            return error_page(request, 405, "不支持的操作", "此地址不支持该操作。")
        return error_page(request, exc.status_code, "出错了", str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("page failed", exc_info=exc)
        return error_page(request, 500, "出错了", "页面出现错误，我们已记录此问题。")


CurrentUser = Annotated[SessionUser | None, Depends(optional_user)]


async def mutate(request: Request, document: str, variables: dict[str, Any], name: str
                 ) -> tuple[dict[str, Any], OperationError | None]:
    """Run a mutation whose result is ``<Thing> | OperationError``: (the thing, None) or ({}, the error)."""
    result = await query(request, document, variables, allow_partial=False)
    payload = result.data.get(name) or {}
    error = operation_error(payload)
    if error is not None:
        return {}, error
    return payload, None


async def owned(request: Request, load: Awaitable[dict[str, Any] | None]) -> dict[str, Any] | Response:
    """The row a page is about, when it is the user's: the 403 page when its loader says it is someone
    else's (``PermissionError``), the 404 page when there is none."""
    try:
        row = await load
    except PermissionError:
        return forbidden(request)
    return not_found(request) if row is None else row


def not_found(request: Request) -> HTMLResponse:
    return error_page(request, 404, "页面不存在", "您要找的页面不存在或已被移除。")


def forbidden(request: Request) -> HTMLResponse:
    return error_page(request, 403, "无权访问", "此页面不属于您的账号可以查看的范围。")


REGIONS = "query Regions($parent: String) { regions(parentCode: $parent) { code name level parentCode } }"
REGIONS_TTL_SECONDS = 3600.0


async def region_names(request: Request, *parents: str) -> dict[str, str]:
    """Names of regions by code: the city and its towns always, and the children of ``parents`` (a town's
    villages and parks) when asked. Cached for an hour: they change once in years."""
    now = time.monotonic()
    cache = getattr(request.app.state, "regions", None)
    if cache is None or cache["until"] < now:
        cache = {"until": now + REGIONS_TTL_SECONDS, "names": {}, "loaded": set()}
        roots = (await query(request, REGIONS, {"parent": None})).data.get("regions") or []
        cache["names"].update({r["code"]: r["name"] for r in roots})
        parents = (*[r["code"] for r in roots], *parents)
    for parent in parents:
        if parent and parent not in cache["loaded"]:
            rows = (await query(request, REGIONS, {"parent": parent})).data.get("regions") or []
            cache["names"].update({r["code"]: r["name"] for r in rows})
            cache["loaded"].add(parent)
    request.app.state.regions = cache
    return cache["names"]  # type: ignore[no-any-return]
