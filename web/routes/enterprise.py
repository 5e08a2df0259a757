"""The firm's pages: my firm, quotes with every price factor, buying a policy and paying by bank
transfer, my policies. Visits and hazards are in ``enterprise_visits``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.kernel import clock
from web.money import money_fen
from web.pages import (
    CODE_MESSAGES,
    CsrfChecked,
    Form,
    mutate,
    not_found,
    owned,
    query,
    read_form,
    redirect,
    region_names,
    render,
    require,
)
from web.session import SessionUser

router = APIRouter(prefix="/firm", dependencies=[CsrfChecked])
Firm = Depends(require("ENTERPRISE"))

POLICY_FIELDS = """id number status headcount limitPerPersonFen premiumFen preventionBudgetFen
  preventionSpentFen preventionAvailableFen startDate endDate cancelledOn certificateUrl
  insurer { id name } product { id name termMonths } enterprise { id name }"""

MY_FIRM = f"""
query MyFirm($id: ID!) {{
  enterprise(id: $id) {{
    id uscc name townCode villageCode parkName sector industryCode sizeClass employees highRiskTags
    riskColor insured coveredFrom principalName contactPhone
    policies {{ {POLICY_FIELDS} }}
  }}
  hazards(filter: {{enterpriseId: $id}}, first: 5) {{ totalCount nodes {{ id status grade deadline }} }}
}}"""

PRODUCTS = """
query Products($id: ID!) {
  enterprise(id: $id) { id name employees }
  products { id name termMonths limitOptionsFen preventionShare insurer { id name } }
}"""

REQUEST_QUOTE = """
mutation Quote($input: QuoteInput!) {
  requestQuote(input: $input) {
    __typename
    ... on Quote { id premiumFen preventionBudgetFen validUntil headcount limitPerPersonFen startDate
                   factors { name label value }
                   overlappingCover { policyNumber status startDate endDate insurer { name } } }
    ... on OperationError { code message field }
  }
}"""

BIND = f"""
mutation Bind($quoteId: ID!) {{
  bindQuote(quoteId: $quoteId) {{
    __typename
    ... on Policy {{ {POLICY_FIELDS} }}
    ... on OperationError {{ code message field }}
  }}
}}"""

POLICIES = f"""
query Policies($filter: PolicyFilter, $after: String, $first: Int) {{
  policies(filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ {POLICY_FIELDS} }}
  }}
}}"""

POLICY = f"""
query Policy($id: ID!) {{
  policy(id: $id) {{
    {POLICY_FIELDS} cancelReason
    bookings {{ id number status start funding priceFen offering {{ serviceType title }} }}
    payments {{ id purpose status method amountFen reference bankInstructions {{ payee bank account memo }} }}
    refunds {{ id amountFen status reason method createdAt updatedAt }}
  }}
}}"""

START_PAYMENT = """
mutation Pay($policyId: ID!, $method: PaymentMethod!, $key: String) {
  startPayment(policyId: $policyId, method: $method, idempotencyKey: $key) {
    __typename
    ... on Payment { id status method amountFen reference bankInstructions { payee bank account memo } }
    ... on OperationError { code message field }
  }
}"""


def firm_id(user: SessionUser) -> str:
    return user.org_id or ""


@router.get("")
async def my_firm(request: Request, user: SessionUser = Firm) -> Response:
    if not user.org_id:
        return render(request, "enterprise/no_firm.html")
    data = (await query(request, MY_FIRM, {"id": firm_id(user)})).data
    firm = data.get("enterprise")
    if firm is None:
        return not_found(request)
    return render(request, "enterprise/firm.html", {
        "firm": firm, "hazards": data.get("hazards"), "regions": await region_names(request),
        "active": [p for p in firm["policies"] if p["status"] == "ACTIVE"],
        "pending": [p for p in firm["policies"] if p["status"] == "PENDING_PAYMENT"],
    })


# ---------------------------------------------------------------- quotes and buying


async def _quote_form(request: Request, user: SessionUser, form: Form, status: int = 200) -> Response:
    data = (await query(request, PRODUCTS, {"id": firm_id(user)})).data
    firm = data.get("enterprise") or {}
    products = data.get("products") or []
    form.values.setdefault("headcount", str(firm.get("employees") or ""))
    form.values.setdefault("start_date", (clock.today() + timedelta(days=1)).isoformat())
    if products:
        form.values.setdefault("product_id", products[0]["id"])
        form.values.setdefault("limit_yuan", str(min(products[0]["limitOptionsFen"] or [40_000_000]) // 100))
    return render(request, "enterprise/quote_form.html", {"form": form, "firm": firm, "products": products},
                  status_code=status)


@router.get("/quote")
async def quote_form(request: Request, user: SessionUser = Firm) -> Response:
    return await _quote_form(request, user, Form())


@router.post("/quote")
async def request_quote(request: Request, user: SessionUser = Firm) -> Response:
    form = await read_form(request)
    headcount = form.value("headcount")
    limit = money_fen(form.value("limit_yuan"))
    limit_fen = limit.fen
    if not headcount.isdigit() or int(headcount) <= 0:
        form.add("headcount", "参保人数须为正整数，且应覆盖全部从业人员。")
    if limit.error:
        form.add("limit_yuan", limit.error)
    try:
        start = date.fromisoformat(form.value("start_date"))
    except ValueError:
        form.add("start_date", "请选择起保日期。")
    if not form.value("product_id"):
        form.add("product_id", "请选择保险产品。")
    if not form.ok:
        return await _quote_form(request, user, form, 400)
    quote, error = await mutate(request, REQUEST_QUOTE, {"input": {
        "enterpriseId": firm_id(user), "productId": form.value("product_id"), "headcount": int(headcount),
        "limitPerPersonFen": limit_fen, "startDate": start.isoformat()}}, "requestQuote")
    if error is not None:
        form.from_operation_error(error, {"limitPerPersonFen": "limit_yuan", "startDate": "start_date",
                                          "productId": "product_id"})
        return await _quote_form(request, user, form, 400)
    return render(request, "enterprise/quote.html", {"quote": quote, "form": form})


@router.post("/quotes/{quote_id}/bind")
async def bind_quote(request: Request, quote_id: str, user: SessionUser = Firm) -> Response:
    policy, error = await mutate(request, BIND, {"quoteId": quote_id}, "bindQuote")
    if error is not None:
        return render(request, "enterprise/quote_failed.html",
                      {"error": error, "message": CODE_MESSAGES.get(error.code) or error.message}, status_code=400)
    return redirect(f"/firm/policies/{policy['id']}")


# ---------------------------------------------------------------- policies and payment


@router.get("/policies")
async def my_policies(request: Request, user: SessionUser = Firm, after: str = "") -> Response:
    page_size = request.app.state.settings.page_size
    data = (await query(request, POLICIES, {"filter": {"enterpriseId": firm_id(user)}, "after": after or None,
                                            "first": page_size})).data
    return render(request, "enterprise/policies.html", {"policies": data.get("policies")})


async def own_policy(request: Request, user: SessionUser, policy_id: str, document: str = POLICY
                     ) -> dict[str, Any] | None:
    """The policy, when it is this firm's; PermissionError for another firm's (the gateway refuses others;
    checked here again)."""
    policy = (await query(request, document, {"id": policy_id})).data.get("policy")
    if policy is None:
        return None
    if user.role == "ENTERPRISE" and policy["enterprise"]["id"] != user.org_id:
        raise PermissionError(policy_id)
    return policy


@router.get("/policies/{policy_id}")
async def policy_page(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    policy = await owned(request, own_policy(request, user, policy_id))
    if isinstance(policy, Response):
        return policy
    return render(request, "enterprise/policy.html", {"policy": policy, "payment": None, "form": Form(),
                                                      "renewable": renewable(policy)})


RENEW = """
mutation Renew($id: ID!) {
  renewPolicy(policyId: $id) {
    __typename ... on Policy { id } ... on OperationError { code message field }
  }
}"""

RENEWAL_WINDOW_DAYS = 60


def renewable(policy: dict[str, Any]) -> bool:
    """An active policy may be renewed in its last two months."""
    if policy["status"] != "ACTIVE":
        return False
    return date.fromisoformat(policy["endDate"]) - clock.today() <= timedelta(
        days=RENEWAL_WINDOW_DAYS)


@router.post("/policies/{policy_id}/renew")
async def renew(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    policy = await owned(request, own_policy(request, user, policy_id))
    if isinstance(policy, Response):
        return policy
    successor, error = await mutate(request, RENEW, {"id": policy_id}, "renewPolicy")
    if error is not None:
        form = Form()
        form.from_operation_error(error)
        return render(request, "enterprise/policy.html", {"policy": policy, "payment": None, "form": form,
                                                          "renewable": False}, status_code=400)
    return redirect(f"/firm/policies/{successor['id']}", "renewed")


@router.post("/policies/{policy_id}/pay")
async def pay(request: Request, policy_id: str, user: SessionUser = Firm) -> Response:
    form = await read_form(request)
    policy = await owned(request, own_policy(request, user, policy_id))
    if isinstance(policy, Response):
        return policy
    method = form.value("method", "BANK_TRANSFER")
    if method != "BANK_TRANSFER":
        form.add("method", "在线支付尚未开通，请选择银行转账。")
        return render(request, "enterprise/policy.html", {"policy": policy, "payment": None, "form": form,
                                                          "renewable": False}, status_code=400)
    # the same key for the same policy and method: pressing again shows the same transfer, never a second one
    payment, error = await mutate(request, START_PAYMENT, {
        "policyId": policy_id, "method": method, "key": f"web:pay:{policy_id}:{method}"}, "startPayment")
    if error is not None:
        form.from_operation_error(error)
        return render(request, "enterprise/policy.html", {"policy": policy, "payment": None, "form": form,
                                                          "renewable": False}, status_code=400)
    return render(request, "enterprise/policy.html", {"policy": policy, "payment": payment, "form": form,
                                                      "renewable": False})
