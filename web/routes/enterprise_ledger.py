"""The firm's prevention ledger per policy: the budget (the premium's prevention share), every reservation,
spend and release with the visit it belongs to, and the service plan the insurer proposes for the firm to agree."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.pages import CsrfChecked, Form, mutate, query, read_form, redirect, render, require
from web.session import SessionUser

router = APIRouter(prefix="/firm", dependencies=[CsrfChecked])
Firm = Depends(require("ENTERPRISE"))

LEDGER = """
query FirmLedger($filter: LedgerFilter, $after: String, $first: Int) {
  preventionLedgers(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes {
      policyId status budgetFen reservedFen spentFen availableFen
      policy { id number status premiumFen startDate endDate insurer { name } }
      entries { id kind amountFen note createdAt booking { id number start status } }
      summary { visitsPlannedPerYear visitsBooked visitsDone }
      plan { status items serviceTypes visitsPerYear targets measures staff guarantees agency { name }
             proposed { items serviceTypes visitsPerYear targets measures staff guarantees agency { name } } }
    }
  }
}"""

AGREE = """
mutation Agree($policy: ID!, $accept: Boolean!) {
  agreeServicePlan(policyId: $policy, accept: $accept) {
    __typename ... on ServicePlan { status } ... on OperationError { code message field }
  }
}"""


async def _ledger_page(request: Request, user: SessionUser, after: str, form: Form, status: int = 200) -> Response:
    data = (await query(request, LEDGER, {"filter": {"enterpriseId": user.org_id}, "after": after or None,
                                          "first": request.app.state.settings.page_size})).data
    return render(request, "enterprise/ledger.html", {"ledgers": data.get("preventionLedgers"), "form": form},
                  status_code=status)


@router.get("/ledger")
async def ledger(request: Request, user: SessionUser = Firm, after: str = "") -> Response:
    return await _ledger_page(request, user, after, Form())


@router.post("/ledger/{policy_id}/plan")
async def agree_plan(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    form = await read_form(request)
    form.values["policy_id"] = policy_id
    if form.value("decision") not in ("accept", "decline"):
        form.add(None, "请选择同意或不同意。")
        return await _ledger_page(request, user, "", form, 400)
    accept = form.value("decision") == "accept"
    _, error = await mutate(request, AGREE, {"policy": policy_id, "accept": accept}, "agreeServicePlan")
    if error is not None:
        form.from_operation_error(error)
        return await _ledger_page(request, user, "", form, 400)
    return redirect("/firm/ledger", "plan_agreed" if accept else "plan_declined")
