"""The firm changes a policy: cancellation (退保), shown first with the refund the policy service quotes, and the
headcount endorsement (人数批改) in two steps: the new headcount and date, then the difference the policy service
quotes (a bank transfer to make or a refund) to confirm."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.kernel import clock
from web.gateway import operation_error
from web.pages import (
    CsrfChecked,
    Form,
    mutate,
    owned,
    query,
    read_form,
    redirect,
    render,
    require,
)
from web.routes.enterprise import own_policy as firm_policy
from web.session import SessionUser

router = APIRouter(prefix="/firm/policies", dependencies=[CsrfChecked])
Firm = Depends(require("ENTERPRISE"))

REASON_CODES = ("CLOSED", "STOPPED_OPERATING", "SWITCHED_INSURER", "DUPLICATE", "OTHER")

POLICY = """
query PolicyChange($id: ID!) {
  policy(id: $id) {
    id number status headcount premiumFen preventionBudgetFen startDate endDate limitPerPersonFen
    enterprise { id name compulsory } insurer { name }
  }
}"""

QUOTE = """
query CancellationQuote($id: ID!) {
  policy(id: $id) {
    id cancellationQuote { cancelOn unusedDays termDays premiumFen unpaidFen refundFen preventionBudgetFen
      preventionBudgetKeptFen compulsory reasonCodes openInsurerFundedBookings blockedReason }
  }
}"""

CANCEL = """
mutation Cancel($id: ID!, $reason: String!, $code: CancelReason) {
  cancelPolicy(policyId: $id, reason: $reason, reasonCode: $code) {
    __typename ... on Policy { id status } ... on OperationError { code message field }
  }
}"""

ENDORSE = """
mutation Endorse($id: ID!, $headcount: Int!, $date: Date!) {
  endorseHeadcount(policyId: $id, headcount: $headcount, effectiveDate: $date) {
    __typename
    ... on Policy { id headcount premiumFen preventionBudgetFen
      payments { id purpose status method amountFen reference bankInstructions { payee bank account memo } }
      refunds { id amountFen status reason method } }
    ... on OperationError { code message field }
  }
}"""

ENDORSEMENT_QUOTE = """
query EndorsementQuote($id: ID!, $headcount: Int!, $date: Date!) {
  policy(id: $id) {
    id endorsementQuote(headcount: $headcount, effectiveDate: $date) {
      __typename
      ... on EndorsementQuote { effectiveDate remainingDays termDays headcountBefore headcount premiumBeforeFen
        premiumFen deltaFen preventionBudgetBeforeFen preventionBudgetFen settlement }
      ... on OperationError { code message field }
    }
  }
}"""

COMPULSORY_REASON = "本企业属于强制投保行业，只有在企业关闭或停产停业时才能退保。"


def today() -> date:
    return clock.today()


# ---------------------------------------------------------------- cancellation


async def _cancel_page(request: Request, user: SessionUser, policy_id: str, form: Form, status: int = 200
                       ) -> Response:
    policy = await owned(request, firm_policy(request, user, policy_id, POLICY))
    if isinstance(policy, Response):
        return policy
    quote = ((await query(request, QUOTE, {"id": policy_id})).data.get("policy") or {}).get("cancellationQuote")
    return render(request, "enterprise/cancel.html", {"policy": policy, "quote": quote, "form": form,
                                                      "reason_codes": REASON_CODES}, status_code=status)


@router.get("/{policy_id}/cancel")
async def cancel_form(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    return await _cancel_page(request, user, policy_id, Form())


@router.post("/{policy_id}/cancel")
async def cancel(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    form = await read_form(request)
    policy = await owned(request, firm_policy(request, user, policy_id, POLICY))
    if isinstance(policy, Response):
        return policy
    code, reason = form.value("reason_code"), form.value("reason")
    if code not in REASON_CODES:
        form.add("reason_code", "请选择退保原因。")
    if not reason:
        form.add("reason", "请说明退保的具体情况。")
    elif len(reason) > 500:
        form.add("reason", "情况说明不超过 500 字。")
    if form.value("confirm") != "yes":
        form.add("confirm", "请确认已了解退保后果。")
    if form.ok:
        quote = ((await query(request, QUOTE, {"id": policy_id})).data.get("policy") or {}).get(
            "cancellationQuote") or {}
        # the service's own rule, as its quote states it: a compulsory firm only with CLOSED or STOPPED_OPERATING
        if quote.get("compulsory") and code not in quote.get("reasonCodes", []):
            form.add("reason_code", COMPULSORY_REASON)
    if not form.ok:
        return await _cancel_page(request, user, policy_id, form, 400)
    _, error = await mutate(request, CANCEL, {"id": policy_id, "reason": reason, "code": code}, "cancelPolicy")
    if error is not None:
        if error.code == "INVALID_STATE" and "compulsory" in error.message:
            form.add("reason_code", COMPULSORY_REASON)
        else:
            form.from_operation_error(error, {"reasonCode": "reason_code"})
        return await _cancel_page(request, user, policy_id, form, 400)
    return redirect(f"/firm/policies/{policy_id}", "cancelled")


# ---------------------------------------------------------------- headcount endorsement

MAX_HEADCOUNT = 1_000_000
CHANGED_MEANWHILE = "保单在您预览后已发生变更，请核对以下新的批改金额后再确认。"
CHANGED_REFUSED = "保单在您预览后已发生变更，无法按预览的内容批改，请重新填写。"


async def _endorse_page(request: Request, user: SessionUser, policy_id: str, form: Form, status: int = 200
                        ) -> Response:
    policy = await owned(request, firm_policy(request, user, policy_id, POLICY))
    if isinstance(policy, Response):
        return policy
    form.values.setdefault("headcount", str(policy["headcount"]))
    form.values.setdefault("effective_date", max(today(), date.fromisoformat(policy["startDate"])).isoformat())
    return render(request, "enterprise/endorse.html", {"policy": policy, "form": form, "preview": None,
                                                       "result": None}, status_code=status)


def _checked_inputs(form: Form) -> tuple[int, str] | None:
    """(headcount, effective date) as typed, or None with the errors next to the fields."""
    headcount = form.value("headcount")
    if not headcount.isdigit() or not 0 < int(headcount) <= MAX_HEADCOUNT:
        form.add("headcount", "参保人数须为正整数，且应覆盖全部从业人员。")
    try:
        effective = date.fromisoformat(form.value("effective_date")).isoformat()
    except ValueError:
        form.add("effective_date", "请选择批改生效日期。")
    return (int(headcount), effective) if form.ok else None


async def _endorsement_quote(request: Request, policy_id: str, headcount: int, effective: str, form: Form
                             ) -> dict | None:
    """The policy service's quote for these inputs, or None with its refusal next to the field."""
    result = await query(request, ENDORSEMENT_QUOTE, {"id": policy_id, "headcount": headcount, "date": effective},
                         allow_partial=False)
    quote = (result.data.get("policy") or {}).get("endorsementQuote") or {}
    if (error := operation_error(quote)) is not None:
        form.from_operation_error(error, {"effectiveDate": "effective_date"})
        return None
    return quote


@router.get("/{policy_id}/endorse")
async def endorse_form(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    # "change" on the preview comes back here with what was typed
    kept = {k: request.query_params[k] for k in ("headcount", "effective_date") if request.query_params.get(k)}
    return await _endorse_page(request, user, policy_id, Form(values=kept))


@router.post("/{policy_id}/endorse/preview")
async def endorse_preview(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    """Step 2: what the endorsement would do, as the policy service figures it; nothing is changed yet."""
    form = await read_form(request)
    inputs = _checked_inputs(form)
    if inputs is None:
        return await _endorse_page(request, user, policy_id, form, 400)
    policy = await owned(request, firm_policy(request, user, policy_id, POLICY))
    if isinstance(policy, Response):
        return policy
    quote = await _endorsement_quote(request, policy_id, *inputs, form)
    if quote is None:
        return await _endorse_page(request, user, policy_id, form, 400)
    return render(request, "enterprise/endorse.html", {"policy": policy, "form": form, "preview": quote,
                                                       "result": None})


@router.post("/{policy_id}/endorse")
async def endorse(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    """Step 3: the confirmed endorsement (the preview's inputs, hidden); if the policy changed since the preview, the
    new quote is shown to confirm again, or the service's refusal next to the field."""
    form = await read_form(request)
    inputs = _checked_inputs(form)
    if inputs is None:
        return await _endorse_page(request, user, policy_id, form, 400)
    headcount, effective = inputs
    before = await owned(request, firm_policy(request, user, policy_id, POLICY))
    if isinstance(before, Response):
        return before
    previewed = (form.value("headcount_before"), form.value("premium_before_fen"))
    if previewed != (str(before["headcount"]), str(before["premiumFen"])):
        quote = await _endorsement_quote(request, policy_id, headcount, effective, form)
        if quote is None:
            form.add(None, CHANGED_REFUSED)
            return await _endorse_page(request, user, policy_id, form, 409)
        form.add(None, CHANGED_MEANWHILE)
        return render(request, "enterprise/endorse.html", {"policy": before, "form": form, "preview": quote,
                                                           "result": None}, status_code=409)
    # the budget this change leads to once its premium is received (the act raises it only then)
    target = await _endorsement_quote(request, policy_id, headcount, effective, Form())  # its refusal: the act's
    after, error = await mutate(request, ENDORSE, {"id": policy_id, "headcount": headcount, "date": effective},
                                "endorseHeadcount")
    if error is not None:
        form.from_operation_error(error, {"effectiveDate": "effective_date"})
        return await _endorse_page(request, user, policy_id, form, 400)
    delta = int(after["premiumFen"]) - int(before["premiumFen"])
    # the newest endorsement transfer still awaited, or the refund this endorsement made
    charge = next((p for p in reversed(after["payments"])
                   if p["purpose"] == "ENDORSEMENT" and p["status"] == "PENDING"), None) if delta > 0 else None
    refund = next((r for r in reversed(after["refunds"]) if r["reason"] == "ENDORSEMENT"), None) if delta < 0 else None
    return render(request, "enterprise/endorse.html", {"policy": before, "form": form, "preview": None, "result": {
        "before": before, "after": after, "delta": delta, "effective": effective, "charge": charge,
        "refund": refund, "target_budget": (target or {}).get("preventionBudgetFen")}})
