"""Firm self-registration: the account and the firm in one ``signUp`` (made together or not at all), whose
token carries the firm. An account made before that rule (logged in without a firm) registers its firm here
with ``registerEnterprise`` and a fresh token."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from web.money import money_fen
from web.pages import (
    CsrfChecked,
    Form,
    mutate,
    optional_user,
    query,
    read_form,
    region_names,
    render,
    sessions_of,
)
from web.session import SessionUser
from web.signup import check_account_fields, onwards_with_fresh_token, sign_up_with_firm

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


INDUSTRIES = "{ industries { code name section sectionName } }"
MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


async def industries(request: Request) -> list[dict[str, str]]:
    """The GB/T 4754 codes (from the policy service), empty when they cannot be had."""
    return list((await query(request, INDUSTRIES)).data.get("industries") or [])


async def _page(request: Request, form: Form, status: int = 200, session: SessionUser | None = None,
                codes: list[dict[str, str]] | None = None) -> Response:
    user = session or optional_user(request)
    names = await region_names(request)
    codes = codes if codes is not None else await industries(request)
    sections: dict[str, list[dict[str, str]]] = {}
    for row in codes:
        sections.setdefault(f"{row['section']} {row['sectionName']}", []).append(row)
    response = render(request, "public/register.html", {
        "form": form, "needs_account": user is None, "sectors": SECTORS, "industry_sections": sections,
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


def firm_input(form: Form, codes: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The form as ``EnterpriseInput``; what is missing or malformed goes next to its field (the policy service
    checks the same rules again: employees ≥ 1, a listed industry code, a mainland mobile number)."""
    required = ("uscc", "name", "town_code", "industry_code", "principal_name", "contact_phone")
    for name in required:
        if not form.value(name):
            form.add(name, "必填。")
    if form.value("sector") not in SECTORS:
        form.add("sector", "请选择行业门类。")
    employees = form.value("employees")
    if not employees.isdigit():
        form.add("employees", "请输入从业人员人数。")
    elif int(employees) < 1:
        form.add("employees", "从业人员至少 1 人：安责险须为全体从业人员投保。")
    code = form.value("industry_code").upper()
    if code and codes and code not in {row["code"] for row in codes}:
        form.add("industry_code", "请从列表中选择国民经济行业代码（GB/T 4754）。")
    phone = re.sub(r"[\s-]", "", form.value("contact_phone"))
    if phone and not MAINLAND_MOBILE.match(phone):
        form.add("contact_phone", "请输入 11 位手机号码（1 开头，第二位为 3–9），如 13900001234。")
    revenue = money_fen(form.value("revenue_yuan"))
    if revenue.error:
        form.add("revenue_yuan", revenue.error)
    return {"uscc": form.value("uscc").upper(), "name": form.value("name"), "townCode": form.value("town_code"),
            "sector": form.value("sector"), "industryCode": form.value("industry_code"),
            "employees": int(employees) if employees.isdigit() else 0, "annualRevenueFen": revenue.fen or 0,
            "principalName": form.value("principal_name"), "contactPhone": phone}


@router.post("/register")
async def register(request: Request) -> Response:
    form = await read_form(request)
    password = (await request.form()).get("password")
    user = optional_user(request)
    if user is not None and (user.role != "ENTERPRISE" or user.org_id):
        return RedirectResponse("/", status_code=303)
    if user is None:
        check_account_fields(form, password)
    codes = await industries(request)
    firm = firm_input(form, codes)
    if not form.ok:
        return await _page(request, form, 400, codes=codes)
    if user is None:  # the account and the firm together: a refusal leaves no login behind
        session = await sign_up_with_firm(request, form, str(password), firm, FIELD_NAMES)
        if session is None:
            return await _page(request, form, 400, codes=codes)
        response = RedirectResponse("/firm?done=registered", status_code=303)
        sessions_of(request).store(response, session)
        return response
    _, error = await mutate(request, REGISTER, {"input": firm}, "registerEnterprise")
    if error is not None:
        form.from_operation_error(error, FIELD_NAMES)
        return await _page(request, form, 400, codes=codes)
    return await onwards_with_fresh_token(request, user, "/firm", "registered")
