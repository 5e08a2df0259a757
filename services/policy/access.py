"""Who may call each route of the policy service, and which rows each role reaches (the tenant rule).

One row per route, keyed "METHOD /v1/path". The roles of a row must equal the route's ``allow(...)`` (or
``PUBLIC``); tests/security/test_matrix.py checks that, calls every route as every role and as the same role
of another tenant, and fails when a route has no row here. See docs/security.md."""

from __future__ import annotations

from services.kernel.access import Access, Scope, admin_only, public, rule

FIRM, BOOK, REGION = Scope.OWN_FIRM, Scope.OWN_BOOK, Scope.OWN_REGION


ACCESS: dict[str, Access] = {
    "GET /v1/regions": public("the region tree", lists=True),
    "GET /v1/industries": public("the GB/T 4754 industry codes", lists=True),
    "POST /v1/enterprises": rule(enterprise=FIRM, bureau=REGION,
                                 note="a firm registers itself; a bureau registers firms of its region"),
    "GET /v1/enterprises": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION, agency=Scope.OWN_AGENCY,
                                expert=Scope.OWN_EXPERT, lists=True,
                                note="agency/expert: the firms of their own bookings"),
    "GET /v1/enterprises/{enterprise_id}": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION,
                                                agency=Scope.OWN_AGENCY, expert=Scope.OWN_EXPERT),
    "PATCH /v1/enterprises/{enterprise_id}": rule(enterprise=FIRM, bureau=REGION,
                                                  note="regulated facts: bureau only; insured headcount: endorsement"),
    "POST /v1/enterprises/{enterprise_id}/regulated-facts": rule(bureau=REGION, note="with a reason; kept as history"),
    "GET /v1/enterprises/{enterprise_id}/regulated-fact-changes": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "GET /v1/insurers": public(lists=True),
    "POST /v1/insurers": admin_only(),
    "GET /v1/products": public(lists=True),
    "GET /v1/products/{product_id}": public(),
    "POST /v1/products": rule(insurer=BOOK, note="an insurer adds products of its own"),
    "POST /v1/quotes": rule(enterprise=FIRM, insurer=BOOK),
    "GET /v1/quotes/{quote_id}": rule(enterprise=FIRM, insurer=BOOK),
    "GET /v1/coverage": rule(bureau=REGION, insurer=BOOK, lists=True, note="aggregates"),
    "GET /v1/coverage/trend": rule(bureau=REGION, insurer=BOOK, lists=True, note="aggregates"),
    "POST /v1/quotes/{quote_id}/bind": rule(enterprise=FIRM, insurer=BOOK),
    "GET /v1/policies": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION, lists=True),
    "GET /v1/lapses": rule(bureau=REGION, lists=True, note="compulsory firms whose cover ended unrenewed"),
    "GET /v1/renewals": rule(enterprise=FIRM, insurer=BOOK, lists=True),
    "GET /v1/policies/{policy_id}": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "GET /v1/policies/{policy_id}/history": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "GET /v1/policies/{policy_id}/certificate.pdf": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "POST /v1/policies/{policy_id}/payments": rule(enterprise=FIRM),
    "GET /v1/policies/{policy_id}/payments": rule(enterprise=FIRM, insurer=BOOK),
    "GET /v1/payments": rule(enterprise=FIRM, insurer=BOOK, lists=True),
    "GET /v1/payments/awaited": rule(insurer=BOOK, lists=True),
    "GET /v1/payments/{payment_id}": rule(enterprise=FIRM, insurer=BOOK),
    "POST /v1/payments/{payment_id}/confirm-offline": rule(insurer=BOOK),
    "POST /v1/policies/{policy_id}/cancel": rule(enterprise=FIRM, insurer=BOOK),
    "GET /v1/policies/{policy_id}/cancellation-quote": rule(enterprise=FIRM, insurer=BOOK),
    "POST /v1/policies/{policy_id}/renew": rule(enterprise=FIRM, insurer=BOOK),
    "POST /v1/policies/{policy_id}/endorsements": rule(enterprise=FIRM, insurer=BOOK),
    "GET /v1/policies/{policy_id}/endorsement-quote": rule(enterprise=FIRM, insurer=BOOK),
    "GET /v1/policies/{policy_id}/refunds": rule(enterprise=FIRM, insurer=BOOK),
    "POST /v1/refunds/{refund_id}/confirm-offline": rule(insurer=BOOK),
    "POST /v1/policies/{policy_id}/claims": rule(enterprise=FIRM, insurer=BOOK),
    "GET /v1/claims": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION, lists=True),
    "GET /v1/claims/{claim_id}": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "POST /v1/claims/{claim_id}/assessment": rule(insurer=BOOK),
    "POST /v1/claims/{claim_id}/decision": rule(insurer=BOOK),
    "POST /v1/stripe/webhook": public("Stripe's calls, authenticated by their signature, not a token"),
    "POST /v1/imports/firms": rule(bureau=REGION, note="a bureau imports firms of its region"),
}
