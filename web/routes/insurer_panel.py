"""The insurer's agency panel (add an approved agency, remove one with the reason, the change history), the
prevention ledger across its book, and proposing a policy's service plan."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.pages import CsrfChecked, Form, mutate, query, read_form, redirect, render, require
from web.routes import insurer
from web.session import SessionUser

router = APIRouter(prefix="/insurer", dependencies=[CsrfChecked])
Insurer = Depends(require("INSURER"))

HISTORY_PAGE = 20
SERVICE_TYPES = ("HAZARD_INSPECTION", "RISK_ASSESSMENT", "TRAINING", "EMERGENCY_DRILL", "STANDARDIZATION", "OTHER")

PANEL = """
query Panel {
  panel {
    insurer { id name }
    entries { id agencyId agencyName agencyStatus criteria startDate endDate createdAt
              agency { id name serviceTypes rating ratingCount contactPhone } }
    changes { id agencyId action reason criteria changedAt agency { name } }
  }
  agencies(filter: {approvedOnly: true}, first: 200) { nodes { id name } }
}"""

ADD = """
mutation Add($input: PanelEntryInput!, $key: String) {
  addToPanel(input: $input, idempotencyKey: $key) {
    __typename ... on PanelEntry { id agencyId } ... on OperationError { code message field }
  }
}"""

REMOVE = """
mutation Remove($agency: ID!, $reason: String!) {
  removeFromPanel(agencyId: $agency, reason: $reason) {
    __typename ... on Panel { insurerId } ... on OperationError { code message field }
  }
}"""

LEDGER = """
query Ledger($filter: LedgerFilter, $after: String, $first: Int) {
  preventionLedgers(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { policyId status budgetFen reservedFen spentFen availableFen
            policy { id number status enterprise { name } } }
  }
  preventionLedgerTotals(filter: $filter) { policies budgetFen reservedFen spentFen availableFen }
}"""

PROPOSE = """
mutation Propose($policy: ID!, $input: ServicePlanInput!) {
  proposeServicePlan(policyId: $policy, input: $input) {
    __typename ... on ServicePlan { status } ... on OperationError { code message field }
  }
}"""


# ---------------------------------------------------------------- the panel


async def _panel_page(request: Request, add: Form, removal: Form, page: int = 1, status: int = 200) -> Response:
    data = (await query(request, PANEL)).data
    panel = data.get("panel") or {"entries": [], "changes": [], "insurer": None}
    on_panel = {e["agencyId"] for e in panel["entries"]}
    candidates = [a for a in (data.get("agencies") or {}).get("nodes") or [] if a["id"] not in on_panel]
    changes = panel["changes"]
    page = max(1, page)
    shown = changes[(page - 1) * HISTORY_PAGE: page * HISTORY_PAGE]
    return render(request, "insurer/panel.html", {
        "panel": panel, "candidates": candidates, "add": add, "removal": removal, "changes": shown,
        "changes_total": len(changes), "page": page, "has_next": page * HISTORY_PAGE < len(changes)},
        status_code=status)


@router.get("/panel")
async def panel_page(request: Request, user: SessionUser = Insurer, page: int = 1) -> Response:
    return await _panel_page(request, Form(), Form(), page)


@router.post("/panel/agencies")
async def add_agency(request: Request, user: SessionUser = Insurer) -> Response:
    form = await read_form(request)
    if not form.value("agency_id"):
        form.add("agency_id", "请选择机构。")
    for name in ("start_date", "end_date"):
        if form.value(name):
            try:
                date.fromisoformat(form.value(name))
            except ValueError:
                form.add(name, "请填写有效日期。")
    if not form.ok:
        return await _panel_page(request, form, Form(), status=400)
    entry = {"agencyId": form.value("agency_id"), "criteria": form.value("criteria"),
             "startDate": form.value("start_date") or None, "endDate": form.value("end_date") or None}
    _, error = await mutate(request, ADD, {"input": entry, "key": form.value("idempotency_key") or None},
                            "addToPanel")
    if error is not None:
        form.from_operation_error(error, {"agencyId": "agency_id", "startDate": "start_date",
                                          "endDate": "end_date"})
        return await _panel_page(request, form, Form(), status=400)
    return redirect("/insurer/panel", "panel_added")


@router.post("/panel/agencies/{agency_id}/removal")
async def remove_agency(request: Request, agency_id: str, user: SessionUser = Insurer) -> Response:
    form = await read_form(request)
    form.values["agency_id"] = agency_id
    if len(form.value("reason")) < 2:
        form.add("reason", "请填写移出原因。")
        return await _panel_page(request, Form(), form, status=400)
    _, error = await mutate(request, REMOVE, {"agency": agency_id, "reason": form.value("reason")},
                            "removeFromPanel")
    if error is not None:
        form.from_operation_error(error)
        return await _panel_page(request, Form(), form, status=400)
    return redirect("/insurer/panel", "panel_removed")


# ---------------------------------------------------------------- the ledger across the book


@router.get("/ledger")
async def ledger(request: Request, user: SessionUser = Insurer, after: str = "") -> Response:
    data = (await query(request, LEDGER, {"filter": {"insurerId": user.org_id}, "after": after or None,
                                          "first": request.app.state.settings.page_size})).data
    return render(request, "insurer/ledger.html", {"ledgers": data.get("preventionLedgers"),
                                                   "totals": data.get("preventionLedgerTotals")})


# ---------------------------------------------------------------- proposing a policy's service plan


def plan_change(form: Form, types: list[str]) -> dict[str, Any]:
    """The proposal from the form: only what is filled in; the items one per line."""
    change: dict[str, Any] = {}
    if form.value("visits_per_year"):
        visits = form.value("visits_per_year")
        if visits.isdigit() and int(visits) <= 52:
            change["visitsPerYear"] = int(visits)
        else:
            form.add("visits_per_year", "请填写 0 到 52 之间的整数。")
    if types:
        change["serviceTypes"] = types
    items = [line.strip() for line in form.value("items").splitlines() if line.strip()]
    if items:
        change["items"] = items
    if form.value("agency_id"):
        change["agencyId"] = form.value("agency_id")
    for name in ("targets", "measures", "staff", "guarantees"):
        if form.value(name):
            change[name] = form.value(name)
    if form.ok and not change:
        form.add(None, "请至少修改一项。")
    return change


@router.post("/policies/{policy_id}/plan")
async def propose_plan(request: Request, policy_id: str, user: SessionUser = Insurer) -> Response:
    data = await request.form()
    form = await read_form(request)
    types = [v for v in data.getlist("service_types") if isinstance(v, str) and v in SERVICE_TYPES]
    form.values["service_types"] = ",".join(types)
    change = plan_change(form, types)
    if not form.ok:
        return await insurer.policy_view(request, policy_id, plan_form=form, status=400)
    _, error = await mutate(request, PROPOSE, {"policy": policy_id, "input": change}, "proposeServicePlan")
    if error is not None:
        form.from_operation_error(error, {"visitsPerYear": "visits_per_year", "agencyId": "agency_id",
                                          "serviceTypes": "service_types"})
        return await insurer.policy_view(request, policy_id, plan_form=form, status=400)
    return redirect(f"/insurer/policies/{policy_id}", "plan_proposed")
