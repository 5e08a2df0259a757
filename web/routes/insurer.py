"""The insurer's pages: the book by status, bank transfers to confirm, a policy with its payments and
visits, hazards on the book (overdue majors first), the prevention figures of the book."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web import photos
from web.gateway import GatewayError
from web.pages import CsrfChecked, Form, mutate, not_found, query, read_form, redirect, render, require
from web.session import SessionUser

log = logging.getLogger("anze.web.insurer")
router = APIRouter(prefix="/insurer", dependencies=[CsrfChecked])
Insurer = Depends(require("INSURER"))

STATUSES = ("ACTIVE", "PENDING_PAYMENT", "EXPIRED", "CANCELLED")
RENEWALS_DUE_DAYS = 30
POLICY_FIELDS = """id number status headcount premiumFen preventionBudgetFen preventionSpentFen
  preventionAvailableFen startDate endDate limitPerPersonFen enterprise { id name townCode } product { name }"""

BOOK = f"""
query Book($filter: PolicyFilter, $after: String, $first: Int, $insurer: ID) {{
  policies(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ {POLICY_FIELDS} }}
  }}
  preventionMetrics(insurerId: $insurer) {{
    budgetFen spentFen reservedFen visitsPlanned visitsDone hazardsFound hazardsClosed majorHazardsOpen
    overdueHazards closureRate
  }}
}}"""

POLICY = f"""
query Policy($id: ID!) {{
  policy(id: $id) {{ {POLICY_FIELDS} certificateUrl insurer {{ id name }} cancelledOn cancelReason
    refunds {{ id amountFen status reason method createdAt updatedAt }}
    bookings {{ id number status start funding priceFen offering {{ title }} agency {{ name }} }} }}
}}"""

# ``Policy.payments`` is what this page needs from the gateway to find the transfer to confirm
PAYMENTS = """
query Payments($id: ID!) {
  policy(id: $id) { id payments { id purpose status method amountFen reference } }
}"""

CONFIRM = """
mutation Confirm($id: ID!, $reference: String!) {
  confirmOfflinePayment(paymentId: $id, reference: $reference) {
    __typename ... on Payment { id status policyId purpose } ... on OperationError { code message field }
  }
}"""

CONFIRM_REFUND = """
mutation ConfirmRefund($id: ID!, $reference: String!) {
  confirmOfflineRefund(refundId: $id, reference: $reference) {
    __typename ... on Refund { id status } ... on OperationError { code message field }
  }
}"""

# the policy's service plan, its visits planned and done, and the panel's agencies the plan may name
PLAN = """
query Plan($id: ID!) {
  servicePlan(policyId: $id) { status riskColor items serviceTypes visitsPerYear targets measures staff guarantees
    updatedAt agency { id name }
    proposed { items serviceTypes visitsPerYear targets measures staff guarantees agency { id name } } }
  preventionLedger(policyId: $id) {
    reservedFen summary { visitsPlannedPerYear visitsBooked visitsDone cancellations noShows } }
  panel { entries { agencyId agencyName } }
}"""

HAZARDS = """
query BookHazards($filter: HazardFilter, $after: String, $first: Int) {
  hazards(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id grade description status deadline booking { number enterprise { name } agency { name } } }
  }
}"""


@router.get("")
async def book(request: Request, user: SessionUser = Insurer, status: str = "ACTIVE", after: str = "",
               due: str = "") -> Response:
    status = status if status in STATUSES else ""
    flt: dict[str, Any] = {"insurerId": user.org_id, "status": status or None}
    if due:  # renewals due: active policies ending within the window
        flt.update(status="ACTIVE", endingWithinDays=RENEWALS_DUE_DAYS)
    data = (await query(request, BOOK, {"filter": flt,
                                        "after": after or None, "insurer": user.org_id,
                                        "first": request.app.state.settings.page_size})).data
    return render(request, "insurer/book.html", {"policies": data.get("policies"), "status": status,
                                                 "statuses": STATUSES, "metrics": data.get("preventionMetrics"),
                                                 "due": bool(due), "due_days": RENEWALS_DUE_DAYS})


@router.get("/payments")
async def pending_payments(request: Request, user: SessionUser = Insurer, after: str = "") -> Response:
    return await book(request, user, "PENDING_PAYMENT", after, "")


async def payments_of(request: Request, policy_id: str) -> list[dict[str, Any]] | None:
    """The policy's payments, or None when the gateway cannot list them (the page says so)."""
    try:
        policy = (await query(request, PAYMENTS, {"id": policy_id})).data.get("policy") or {}
    except GatewayError:
        log.warning("the gateway does not list a policy's payments; transfers cannot be confirmed here")
        return None
    return policy.get("payments") or []


async def plan_of(request: Request, policy_id: str) -> dict[str, Any]:
    """The policy's service plan, visit counts and panel, or empty when the gateway cannot give them."""
    try:
        return (await query(request, PLAN, {"id": policy_id})).data
    except GatewayError:
        log.warning("the service plan of %s could not be read", policy_id)
        return {}


async def _policy_page(request: Request, policy_id: str, form: Form, status: int = 200,
                       plan_form: Form | None = None, refund_form: Form | None = None) -> Response:
    policy = (await query(request, POLICY, {"id": policy_id})).data.get("policy")
    if policy is None:
        return not_found(request)
    payments = await payments_of(request, policy_id)
    plan = await plan_of(request, policy_id)
    return render(request, "insurer/policy.html", {
        "policy": policy, "payments": payments, "form": form, "plan": plan.get("servicePlan"),
        "summary": (plan.get("preventionLedger") or {}).get("summary"),
        "reserved": (plan.get("preventionLedger") or {}).get("reservedFen"),
        "panel": (plan.get("panel") or {}).get("entries") or [], "plan_form": plan_form or Form(),
        "refund_form": refund_form or Form()},
        status_code=status)


async def policy_view(request: Request, policy_id: str, *, plan_form: Form, status: int) -> Response:
    """The policy page with the service plan form as the user filled it in (and its errors)."""
    return await _policy_page(request, policy_id, Form(), status, plan_form)


@router.get("/policies/{policy_id}")
async def policy_page(request: Request, policy_id: str, user: SessionUser = Insurer) -> Response:
    return await _policy_page(request, policy_id, Form())


@router.post("/policies/{policy_id}/payments/{payment_id}/confirm")
async def confirm_transfer(request: Request, policy_id: str, payment_id: str, user: SessionUser = Insurer
                           ) -> Response:
    form = await read_form(request)
    if len(form.value("reference")) < 4:
        form.add("reference", "请填写银行流水号或转账附言。")
        return await _policy_page(request, policy_id, form, 400)
    payment, error = await mutate(request, CONFIRM, {"id": payment_id, "reference": form.value("reference")},
                                  "confirmOfflinePayment")
    if error is not None:
        form.from_operation_error(error)
        return await _policy_page(request, policy_id, form, 400)
    return redirect(f"/insurer/policies/{policy_id}",
                    "endorsement_confirmed" if payment.get("purpose") == "ENDORSEMENT" else "confirmed")


@router.post("/policies/{policy_id}/refunds/{refund_id}/confirm")
async def confirm_refund(request: Request, policy_id: str, refund_id: str, user: SessionUser = Insurer
                         ) -> Response:
    """The insurer sent a bank-transfer refund to the firm: it records the bank's reference."""
    form = await read_form(request)
    form.values["refund_id"] = refund_id  # the error belongs to this refund's row
    if len(form.value("refund_reference")) < 4:
        form.add("refund_reference", "请填写退款的银行流水号。")
        return await _policy_page(request, policy_id, Form(), 400, refund_form=form)
    _, error = await mutate(request, CONFIRM_REFUND, {"id": refund_id, "reference": form.value("refund_reference")},
                            "confirmOfflineRefund")
    if error is not None:
        form.from_operation_error(error, {"reference": "refund_reference"})
        return await _policy_page(request, policy_id, Form(), 400, refund_form=form)
    return redirect(f"/insurer/policies/{policy_id}", "refund_confirmed")


@router.get("/hazards")
async def hazards(request: Request, user: SessionUser = Insurer, grade: str = "MAJOR", status: str = "",
                  after: str = "") -> Response:
    data = (await query(request, HAZARDS, {"filter": {"grade": grade or None, "status": status or None},
                                           "after": after or None,
                                           "first": request.app.state.settings.page_size})).data
    return render(request, "insurer/hazards.html", {"hazards": data.get("hazards"), "grade": grade,
                                                    "status": status})


@router.get("/hazards/{hazard_id}")
async def hazard_page(request: Request, hazard_id: str, user: SessionUser = Insurer) -> Response:
    return await photos.hazard_page(request, hazard_id, back="/insurer/hazards")
