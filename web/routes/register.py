"""Firm self-registration: an account (``signUp``) and the firm (``registerEnterprise``), then a fresh token
that carries the firm. A firm whose account exists but whose registration failed finishes it here too."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from web.i18n import yuan_to_fen
from web.pages import (
    CsrfChecked,
    Form,
    mutate,
    optional_user,
    read_form,
    region_names,
    render,
    sessions_of,
)
from web.session import SessionUser
from web.signup import check_account_fields, onwards_with_fresh_token, sign_up

router = APIRouter(dependencies=[CsrfChecked])

SECTORS = ("INDUSTRY", "CONSTRUCTION", "WHOLESALE", "RETAIL", "TRANSPORT", "WAREHOUSING", "POSTAL",
           "AGRICULTURE", "OTHER")

REGISTER = """
mutation Register($input: EnterpriseInput!) {
  registerEnterprise(input: $input) {
    __typename ... on Enterprise { id name } ... on OperationError { code message field }
  }
}"""

FIELD_NAMES = {"uscc": "uscc", "name": "name", "townCode": "town_code", "sector": "sector",
               "industryCode": "industry_code", "employees": "employees", "annualRevenueFen": "revenue_yuan",
               "principalName": "principal_name", "contactPhone": "contact_phone", "email": "email",
               "password": "password"}


async def _page(request: Request, form: Form, status: int = 200, session: SessionUser | None = None) -> Response:
    user = session or optional_user(request)
    names = await region_names(request)
    response = render(request, "public/register.html", {
        "form": form, "needs_account": user is None, "sectors": SECTORS,
        "towns": sorted((c, n) for c, n in names.items() if len(c) == 9)}, status_code=status)
    if session is not None:  # the account was made: keep the user logged in while they fix the firm
        sessions_of(request).store(response, session)
    return response


@router.get("/register")
async def register_form(request: Request) -> Response:
    user = optional_user(request)
    if user is not None and (user.role != "ENTERPRISE" or user.org_id):
        return RedirectResponse("/firm" if user.role == "ENTERPRISE" else "/", status_code=303)
    return await _page(request, Form(values={"sector": "INDUSTRY"}))


def firm_input(form: Form) -> dict[str, Any]:
    """The form as ``EnterpriseInput``; what is missing or malformed goes next to its field."""
    required = ("uscc", "name", "town_code", "industry_code", "principal_name", "contact_phone")
    for name in required:
        if not form.value(name):
            form.add(name, "必填。")
    if form.value("sector") not in SECTORS:
        form.add("sector", "请选择行业门类。")
    employees = form.value("employees")
    if not employees.isdigit():
        form.add("employees", "请输入从业人员人数。")
    revenue = yuan_to_fen(form.value("revenue_yuan"))
    if revenue is None:
        form.add("revenue_yuan", "请输入上年营业收入（元）。")
    return {"uscc": form.value("uscc").upper(), "name": form.value("name"), "townCode": form.value("town_code"),
            "sector": form.value("sector"), "industryCode": form.value("industry_code"),
            "employees": int(employees) if employees.isdigit() else 0, "annualRevenueFen": revenue or 0,
            "principalName": form.value("principal_name"), "contactPhone": form.value("contact_phone")}


@router.post("/register")
async def register(request: Request) -> Response:
    form = await read_form(request)
    password = (await request.form()).get("password")
    user = optional_user(request)
    if user is not None and (user.role != "ENTERPRISE" or user.org_id):
        return RedirectResponse("/", status_code=303)
    if user is None:
        check_account_fields(form, password)
    firm = firm_input(form)
    if not form.ok:
        return await _page(request, form, 400)
    session = None
    if user is None:
        session = user = await sign_up(request, form, str(password), "ENTERPRISE", FIELD_NAMES)
        if session is None:
            return await _page(request, form, 400)
    _, error = await mutate(request, REGISTER, {"input": firm}, "registerEnterprise")
    if error is not None:
        form.from_operation_error(error, FIELD_NAMES)
        return await _page(request, form, 400, session)
    return await onwards_with_fresh_token(request, user, "/firm", "registered")
