"""An agency applies to be listed: an account (``signUp`` as AGENCY) and the application (``applyAgency``),
which waits for the bureau's vetting."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from web.pages import CsrfChecked, Form, mutate, optional_user, region_names, render, sessions_of
from web.session import SessionUser
from web.signup import check_account_fields, onwards_with_fresh_token, sign_up

router = APIRouter(dependencies=[CsrfChecked])

SERVICE_TYPES = ("RISK_ASSESSMENT", "HAZARD_INSPECTION", "TRAINING", "EMERGENCY_DRILL", "STANDARDIZATION", "OTHER")

APPLY = """
mutation Apply($input: AgencyApplicationInput!) {
  applyAgency(input: $input) {
    __typename ... on Agency { id status } ... on OperationError { code message field }
  }
}"""

FIELD_NAMES = {"name": "name", "uscc": "uscc", "serviceTypes": "service_types", "townCodes": "town_codes",
               "contactName": "contact_name", "contactPhone": "contact_phone"}


async def _page(request: Request, form: Form, chosen: dict[str, list[str]], status: int = 200,
                session: SessionUser | None = None) -> Response:
    user = session or optional_user(request)
    names = await region_names(request)
    response = render(request, "public/apply.html", {
        "form": form, "needs_account": user is None, "service_types": SERVICE_TYPES, "chosen": chosen,
        "towns": sorted((c, n) for c, n in names.items() if len(c) == 9)}, status_code=status)
    if session is not None:
        sessions_of(request).store(response, session)
    return response


@router.get("/apply")
async def apply_form(request: Request) -> Response:
    user = optional_user(request)
    if user is not None and (user.role != "AGENCY" or user.org_id):
        return RedirectResponse("/agency" if user.role == "AGENCY" else "/", status_code=303)
    return await _page(request, Form(), {"service_types": [], "town_codes": []})


@router.post("/apply")
async def apply(request: Request) -> Response:
    data = await request.form()
    form = Form(values={k: v.strip() for k, v in data.items() if isinstance(v, str) and k != "csrf_token"})
    chosen = {"service_types": [v for v in data.getlist("service_types") if v in SERVICE_TYPES],
              "town_codes": [v for v in data.getlist("town_codes") if isinstance(v, str)]}
    password = data.get("password")
    user = optional_user(request)
    if user is not None and (user.role != "AGENCY" or user.org_id):
        return RedirectResponse("/", status_code=303)
    if user is None:
        check_account_fields(form, password)
    for name in ("name", "uscc", "contact_name", "contact_phone"):
        if not form.value(name):
            form.add(name, "必填。")
    if not chosen["service_types"]:
        form.add("service_types", "请至少选择一项服务类型。")
    if not chosen["town_codes"]:
        form.add("town_codes", "请至少选择一个服务镇街。")
    if not form.ok:
        return await _page(request, form, chosen, 400)
    session = None
    if user is None:
        session = user = await sign_up(request, form, str(password), "AGENCY",
                                       {"email": "email", "password": "password"})
        if session is None:
            return await _page(request, form, chosen, 400)
    _, error = await mutate(request, APPLY, {"input": {
        "name": form.value("name"), "uscc": form.value("uscc").upper(), "serviceTypes": chosen["service_types"],
        "townCodes": chosen["town_codes"], "contactName": form.value("contact_name"),
        "contactPhone": form.value("contact_phone")}}, "applyAgency")
    if error is not None:
        form.from_operation_error(error, FIELD_NAMES)
        return await _page(request, form, chosen, 400, session)
    return await onwards_with_fresh_token(request, user, "/agency", "applied")
