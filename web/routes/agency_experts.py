"""The agency's experts: the list with their certificates' status (valid, ending within 30 days, lapsed) and
whether they still work for the agency, adding one (with a first certificate and a login if wanted), and an
expert's page to change their details, mark them gone or back, add certificates, set weekly hours and time off,
and make their login."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from web.pages import CsrfChecked, Form, forbidden, mutate, not_found, query, redirect, region_names, render, require
from web.routes.qualifications import SERVICE_TYPES, today
from web.session import CSRF_FIELD, SessionUser

router = APIRouter(prefix="/agency/experts", dependencies=[CsrfChecked])
Agency = Depends(require("AGENCY"))

MIN_PASSWORD = 10  # as the gateway's accounts
PHONE = re.compile(r"^[0-9+\- ]{5,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SPAN = re.compile(r"^(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})$")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

LIST = """
query AgencyExperts($agency: ID!, $inactive: Boolean!, $after: String, $first: Int) {
  experts(agencyId: $agency, includeInactive: $inactive, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name active phone townCodes serviceTypes
            certificates { id number name status daysToExpiry validFrom validUntil } }
  }
}"""

AGENCY_TOWNS = "query AgencyTowns($id: ID!) { agency(id: $id) { id townCodes } }"

OWNER = "query ExpertOwner($id: ID!) { expert(id: $id) { id agency { id } } }"

EXPERT = """
query AgencyExpert($id: ID!) {
  expert(id: $id) {
    id name active phone specialties townCodes serviceTypes
    agency { id townCodes }
    certificates { id name number serviceTypes validFrom validUntil daysToExpiry status expiringSoon }
    workingHours { weekday starts ends }
    timeOff { id startsAt endsAt reason }
  }
  accounts(role: EXPERT) { email expertId }
}"""

ADD = """
mutation AddExpert($agency: ID!, $input: ExpertInput!, $key: String) {
  addExpert(agencyId: $agency, input: $input, idempotencyKey: $key) {
    __typename ... on Expert { id } ... on OperationError { code message field }
  }
}"""

UPDATE = """
mutation UpdateExpert($id: ID!, $input: ExpertUpdateInput!) {
  updateExpert(expertId: $id, input: $input) {
    __typename ... on Expert { id active } ... on OperationError { code message field }
  }
}"""

CERTIFY = """
mutation AddExpertCertificate($id: ID!, $input: CertificateInput!) {
  addExpertCertificate(expertId: $id, input: $input) {
    __typename ... on ExpertCertificate { id } ... on OperationError { code message field }
  }
}"""

HOURS = """
mutation SetExpertHours($id: ID!, $hours: [WorkingHoursInput!]!) {
  setExpertHours(expertId: $id, hours: $hours) {
    __typename ... on Expert { id } ... on OperationError { code message field }
  }
}"""

TIME_OFF = """
mutation AddExpertTimeOff($id: ID!, $input: TimeOffInput!) {
  addExpertTimeOff(expertId: $id, input: $input) {
    __typename ... on ExpertTimeOff { id } ... on OperationError { code message field }
  }
}"""

ACCOUNT = """
mutation CreateExpertAccount($input: AccountInput!) {
  createAccount(input: $input) {
    __typename ... on User { id } ... on OperationError { code message field }
  }
}"""

ACCOUNT_MESSAGES = {"CONFLICT": "该邮箱已有账号，请换一个邮箱。"}


# ---------------------------------------------------------------- the list


@router.get("")
async def experts(request: Request, user: SessionUser = Agency, after: str = "", inactive: str = "") -> Response:
    if not user.org_id:
        return redirect("/apply")
    data = (await query(request, LIST, {"agency": user.org_id, "inactive": bool(inactive), "after": after or None,
                                        "first": request.app.state.settings.page_size})).data
    listing = data.get("experts")
    nodes = listing["nodes"] if listing else []
    return render(request, "agency/experts.html", {
        "experts": listing, "show_all": bool(inactive), "towns": await region_names(request),
        "expiring": [(e, c) for e in nodes for c in e["certificates"] if c["status"] == "EXPIRING"],
        "expired_only": [e for e in nodes if e["active"] and e["certificates"]
                         and all_lapsed(e["certificates"])]})


def all_lapsed(certificates: list[dict[str, Any]]) -> bool:
    return all(c["status"] == "EXPIRED" for c in certificates)


# ---------------------------------------------------------------- a new expert


def _read(data: Any) -> Form:
    return Form(values={k: v.strip() for k, v in data.items() if isinstance(v, str) and k != CSRF_FIELD})


def _blank_new() -> Form:
    return Form(values={"cert_valid_from": today().isoformat(), "idempotency_key": uuid.uuid4().hex})


async def _agency_towns(request: Request, user: SessionUser) -> list[str]:
    agency = (await query(request, AGENCY_TOWNS, {"id": user.org_id})).data.get("agency") or {}
    return list(agency.get("townCodes") or [])


async def _new_page(request: Request, user: SessionUser, form: Form, lists: dict[str, list[str]],
                    status_code: int = 200) -> Response:
    return render(request, "agency/expert_new.html", {
        "form": form, "lists": lists, "service_types": SERVICE_TYPES,
        "agency_towns": await _agency_towns(request, user), "towns": await region_names(request)},
        status_code=status_code)


@router.get("/new")
async def new_expert(request: Request, user: SessionUser = Agency) -> Response:
    if not user.org_id:
        return redirect("/apply")
    return await _new_page(request, user, _blank_new(), {"towns": [], "cert_types": []})


def _check_details(form: Form) -> None:
    if not form.value("name"):
        form.add("name", "请填写姓名。")
    if form.value("phone") and not PHONE.match(form.value("phone")):
        form.add("phone", "请填写正确的电话号码。")


def _specialties(form: Form) -> list[str]:
    return [s.strip() for s in re.split(r"[,，、;；]", form.value("specialties")) if s.strip()]


def _certificate(form: Form, types: list[str], *, optional: bool) -> dict[str, Any] | None:
    """The certificate typed on the form (``cert_*`` fields), its errors on the form; None when left empty and
    ``optional``."""
    typed = [form.value(n) for n in ("cert_name", "cert_number", "cert_valid_until")] + types
    if optional and not any(typed):
        return None
    for name, message in (("cert_name", "请填写证书名称。"), ("cert_number", "请填写证书编号。")):
        if not form.value(name):
            form.add(name, message)
    if not types:
        form.add("cert_types", "请至少选择一项服务类型。")
    dates: dict[str, date] = {}
    for name in ("cert_valid_from", "cert_valid_until"):
        try:
            dates[name] = date.fromisoformat(form.value(name))
        except ValueError:
            form.add(name, "请填写日期。")
    if len(dates) == 2 and dates["cert_valid_until"] < dates["cert_valid_from"]:
        form.add("cert_valid_until", "有效期至不能早于有效期自。")
    return {"name": form.value("cert_name"), "number": form.value("cert_number"), "serviceTypes": types,
            "validFrom": form.value("cert_valid_from"), "validUntil": form.value("cert_valid_until")}


def _check_login(form: Form, *, optional: bool) -> bool:
    """Whether a login is asked for (and typed well enough to try)."""
    email, password = form.value("email"), form.value("password")
    if optional and not email and not password:
        return False
    if not EMAIL.match(email):
        form.add("email", "请填写正确的邮箱地址。")
    if len(password) < MIN_PASSWORD:
        form.add("password", "初始密码至少 10 个字符。")
    return True


CERT_FIELDS = {"validFrom": "cert_valid_from", "validUntil": "cert_valid_until", "serviceTypes": "cert_types",
               "name": "cert_name", "number": "cert_number"}


@router.post("")
async def add_expert(request: Request, user: SessionUser = Agency) -> Response:
    data = await request.form()
    form = _read(data)
    agency_towns = await _agency_towns(request, user)
    lists = {"towns": [t for t in data.getlist("towns") if t in agency_towns],
             "cert_types": [t for t in data.getlist("cert_types") if t in SERVICE_TYPES]}
    _check_details(form)
    certificate = _certificate(form, lists["cert_types"], optional=True)
    wants_login = _check_login(form, optional=True)
    if not form.ok:
        return await _new_page(request, user, form, lists, 400)
    payload, error = await mutate(request, ADD, {
        "agency": user.org_id, "key": form.value("idempotency_key") or None,
        "input": {"name": form.value("name"), "phone": form.value("phone") or None,
                  "specialties": _specialties(form), "townCodes": lists["towns"],
                  "certificates": [certificate] if certificate else []}}, "addExpert")
    if error is not None:
        if error.field and error.field.startswith("certificates."):
            error.field = CERT_FIELDS.get(error.field.split(".")[-1], error.field)
        form.from_operation_error(error, {"townCodes": "towns"})
        return await _new_page(request, user, form, lists, 400)
    expert_id = payload["id"]
    if wants_login:
        account_error = await _create_login(request, expert_id, form, form.value("name"))
        if account_error is not None:  # the expert is stored; their page offers the login again, as typed
            account_error.general.append("专家已添加，但登录账号未能创建，请在下方重新填写。")
            return await _expert_page(request, user, expert_id, {"account": account_error}, 400)
    return redirect(f"/agency/experts/{expert_id}", "expert_added")


async def _create_login(request: Request, expert_id: str, form: Form, name: str) -> Form | None:
    """Make the expert's login; the form with the error (what was typed kept, never the password) or None."""
    _, error = await mutate(request, ACCOUNT, {"input": {
        "email": form.value("email"), "password": form.value("password"), "role": "EXPERT",
        "expertId": expert_id, "displayName": name or None}}, "createAccount")
    if error is None:
        return None
    failed = Form(values={"email": form.value("email")})
    failed.add("email" if error.field in ("email", None) else "password",
               ACCOUNT_MESSAGES.get(error.code) or error.message)
    return failed


# ---------------------------------------------------------------- an expert's page


def _back(expert_id: str, done: str, section: str) -> Response:
    """To the expert's page with the notice, scrolled to the section just changed."""
    return RedirectResponse(f"/agency/experts/{expert_id}?done={done}#{section}", status_code=303)


FORMS = ("details", "certificate", "hours", "time_off", "account")


def _hours_text(hours: list[dict[str, Any]]) -> dict[str, str]:
    by_day: dict[int, list[str]] = {}
    for h in hours:
        by_day.setdefault(h["weekday"], []).append(f"{h['starts'][:5]}-{h['ends'][:5]}")
    return {f"hours_{d}": ", ".join(spans) for d, spans in by_day.items()}


async def _owned(request: Request, user: SessionUser, expert_id: str) -> Response | None:
    """The 404 or 403 page when the expert is not this agency's; None when it is."""
    expert = (await query(request, OWNER, {"id": expert_id})).data.get("expert")
    if expert is None:
        return not_found(request)
    if not user.org_id or (expert.get("agency") or {}).get("id") != user.org_id:
        return forbidden(request)
    return None


async def _expert_page(request: Request, user: SessionUser, expert_id: str, forms: dict[str, Form] | None = None,
                       status_code: int = 200, chosen: dict[str, list[str]] | None = None) -> Response:
    if (refused := await _owned(request, user, expert_id)) is not None:
        return refused
    data = (await query(request, EXPERT, {"id": expert_id})).data
    expert = data.get("expert")
    if expert is None:
        return not_found(request)
    given = forms or {}
    details = given.get("details") or Form(values={"name": expert["name"], "phone": expert["phone"] or "",
                                                   "specialties": "、".join(expert["specialties"])})
    shown = {
        "details": details,
        "certificate": given.get("certificate") or Form(values={"cert_valid_from": today().isoformat()}),
        "hours": given.get("hours") or Form(values=_hours_text(expert["workingHours"] or [])),
        "time_off": given.get("time_off") or Form(),
        "account": given.get("account") or Form(),
    }
    accounts = [a for a in data.get("accounts") or [] if a.get("expertId") == expert_id]
    lists = {"towns": expert["townCodes"], "cert_types": [], **(chosen or {})}
    return render(request, "agency/expert.html", {
        "expert": expert, "forms": shown, "lists": lists, "service_types": SERVICE_TYPES,
        "weekdays": WEEKDAYS, "accounts": accounts, "agency_towns": expert["agency"]["townCodes"],
        "towns": await region_names(request)}, status_code=status_code)


@router.get("/{expert_id}")
async def expert_page(request: Request, expert_id: str, user: SessionUser = Agency) -> Response:
    return await _expert_page(request, user, expert_id)


@router.post("/{expert_id}")
async def save_details(request: Request, expert_id: str, user: SessionUser = Agency) -> Response:
    if (refused := await _owned(request, user, expert_id)) is not None:
        return refused
    data = await request.form()
    form = _read(data)
    towns = [t for t in data.getlist("towns") if t]
    _check_details(form)
    if form.ok:
        _, error = await mutate(request, UPDATE, {"id": expert_id, "input": {
            "name": form.value("name"), "phone": form.value("phone") or None, "specialties": _specialties(form),
            "townCodes": towns}}, "updateExpert")
        if error is None:
            return redirect(f"/agency/experts/{expert_id}", "expert_saved")
        form.from_operation_error(error, {"townCodes": "towns"})
    return await _expert_page(request, user, expert_id, {"details": form}, 400, {"towns": towns})


@router.post("/{expert_id}/active")
async def set_active(request: Request, expert_id: str, user: SessionUser = Agency) -> Response:
    if (refused := await _owned(request, user, expert_id)) is not None:
        return refused
    form = await _form(request)
    active = form.value("active") == "1"
    _, error = await mutate(request, UPDATE, {"id": expert_id, "input": {"active": active}}, "updateExpert")
    if error is not None:
        failed = Form()
        failed.add(None, error.message)
        return await _expert_page(request, user, expert_id, {"details": failed}, 400)
    return redirect(f"/agency/experts/{expert_id}", "expert_reactivated" if active else "expert_deactivated")


async def _form(request: Request) -> Form:
    return _read(await request.form())


@router.post("/{expert_id}/certificates")
async def add_certificate(request: Request, expert_id: str, user: SessionUser = Agency) -> Response:
    if (refused := await _owned(request, user, expert_id)) is not None:
        return refused
    data = await request.form()
    form = _read(data)
    types = [t for t in data.getlist("cert_types") if t in SERVICE_TYPES]
    certificate = _certificate(form, types, optional=False)
    if form.ok and certificate is not None:
        _, error = await mutate(request, CERTIFY, {"id": expert_id, "input": certificate}, "addExpertCertificate")
        if error is None:
            return _back(expert_id, "certificate_added", "certificates")
        form.from_operation_error(error, CERT_FIELDS)
    return await _expert_page(request, user, expert_id, {"certificate": form}, 400, {"cert_types": types})


def _parse_hours(form: Form) -> list[dict[str, Any]]:
    """The week typed as "09:00-12:00, 13:00-17:00" per day (empty: no work that day); errors per day."""
    hours = []
    for day in range(7):
        name = f"hours_{day}"
        for span in [s.strip() for s in re.split(r"[,，、;；]", form.value(name)) if s.strip()]:
            match = SPAN.match(span)
            try:
                starts, ends = (time.fromisoformat(match.group(i).zfill(5)) for i in (1, 2)) if match else (None, None)
            except ValueError:
                starts = ends = None
            if starts is None or ends is None:
                form.add(name, "请按 09:00-12:00 的格式填写，多个时段用逗号分开。")
                break
            if ends <= starts:
                form.add(name, "结束时间须晚于开始时间。")
                break
            hours.append({"weekday": day, "starts": starts.isoformat(), "ends": ends.isoformat()})
    return hours


@router.post("/{expert_id}/hours")
async def set_hours(request: Request, expert_id: str, user: SessionUser = Agency) -> Response:
    if (refused := await _owned(request, user, expert_id)) is not None:
        return refused
    form = await _form(request)
    hours = [] if form.value("default") else _parse_hours(form)
    if form.ok:
        _, error = await mutate(request, HOURS, {"id": expert_id, "hours": hours}, "setExpertHours")
        if error is None:
            return _back(expert_id, "hours_saved", "hours")
        if error.field and error.field.startswith("hours."):  # hours.<index>.starts: the day of that span
            index = int(error.field.split(".")[1])
            form.add(f"hours_{hours[index]['weekday']}", "同一天的时段不能重叠。")
        else:
            form.add(None, error.message)
    return await _expert_page(request, user, expert_id, {"hours": form}, 400)


def _moment(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@router.post("/{expert_id}/time-off")
async def add_time_off(request: Request, expert_id: str, user: SessionUser = Agency) -> Response:
    if (refused := await _owned(request, user, expert_id)) is not None:
        return refused
    form = await _form(request)
    starts, ends = _moment(form.value("off_starts")), _moment(form.value("off_ends"))
    if starts is None:
        form.add("off_starts", "请填写开始时间。")
    if ends is None:
        form.add("off_ends", "请填写结束时间。")
    elif starts is not None and ends <= starts:
        form.add("off_ends", "结束时间须晚于开始时间。")
    if len(form.value("off_reason")) > 200:
        form.add("off_reason", "事由不能超过 200 字。")
    if form.ok and starts is not None and ends is not None:
        _, error = await mutate(request, TIME_OFF, {"id": expert_id, "input": {
            "startsAt": starts.isoformat(), "endsAt": ends.isoformat(), "reason": form.value("off_reason") or None}},
            "addExpertTimeOff")
        if error is None:
            return _back(expert_id, "time_off_added", "time-off")
        form.from_operation_error(error, {"startsAt": "off_starts", "endsAt": "off_ends", "reason": "off_reason"})
    return await _expert_page(request, user, expert_id, {"time_off": form}, 400)


@router.post("/{expert_id}/account")
async def create_login(request: Request, expert_id: str, user: SessionUser = Agency) -> Response:
    if (refused := await _owned(request, user, expert_id)) is not None:
        return refused
    form = await _form(request)
    _check_login(form, optional=False)
    if form.ok:
        failed = await _create_login(request, expert_id, form, form.value("display_name"))
        if failed is None:
            return _back(expert_id, "expert_login_created", "account")
        form = failed
    form.values.pop("password", None)
    return await _expert_page(request, user, expert_id, {"account": form}, 400)
