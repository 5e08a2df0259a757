"""Who may call each route of the bookings service, and which rows each role reaches (the tenant rule).

One row per route, keyed "METHOD /v1/path". The roles of a row must equal the route's ``allow(...)`` (or
``PUBLIC``); tests/security/test_matrix.py checks that, calls every route as every role and as the same role
of another tenant, and fails when a route has no row here. See docs/security.md."""

from __future__ import annotations

from services.kernel.access import Access, Scope, anyone_logged_in, every_tenant, public, rule

FIRM, BOOK, AGENCY, EXPERT, REGION = (Scope.OWN_FIRM, Scope.OWN_BOOK, Scope.OWN_AGENCY, Scope.OWN_EXPERT,
                                      Scope.OWN_REGION)


ACCESS: dict[str, Access] = {
    "GET /v1/slots": anyone_logged_in(lists=True, note="free start times of an offering"),
    "POST /v1/bookings": rule(enterprise=FIRM),
    "GET /v1/bookings": every_tenant(lists=True),
    "GET /v1/bookings/{booking_id}": every_tenant(),
    "POST /v1/bookings/{booking_id}/confirm": rule(agency=AGENCY),
    "POST /v1/bookings/{booking_id}/reschedule": rule(enterprise=FIRM, agency=AGENCY),
    "POST /v1/bookings/{booking_id}/cancel": rule(enterprise=FIRM, agency=AGENCY),
    "POST /v1/bookings/{booking_id}/no-show": rule(agency=AGENCY, expert=EXPERT),
    "POST /v1/bookings/{booking_id}/check-in": rule(expert=EXPERT),
    "POST /v1/bookings/{booking_id}/report": rule(expert=EXPERT),
    "POST /v1/bookings/{booking_id}/acknowledge": rule(enterprise=FIRM),
    "POST /v1/bookings/{booking_id}/corrections": rule(expert=EXPERT),
    "POST /v1/bookings/{booking_id}/follow-up": rule(agency=AGENCY, expert=EXPERT, enterprise=FIRM),
    "GET /v1/bookings/{booking_id}/record": every_tenant(),
    "GET /v1/bookings/{booking_id}/hazard-notice.pdf": every_tenant(),
    "GET /v1/checklists/{service_type}": anyone_logged_in(note="reference data"),
    "GET /v1/hazards": every_tenant(lists=True),
    "GET /v1/hazards/{hazard_id}": every_tenant(),
    "GET /v1/hazards/{hazard_id}/history": every_tenant(),
    "POST /v1/hazards/{hazard_id}/rectifications": rule(enterprise=FIRM),
    "POST /v1/hazards/{hazard_id}/verification": rule(expert=EXPERT),
    "GET /v1/ledgers": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION, lists=True),
    "GET /v1/ledgers/totals": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION, lists=True, note="aggregates"),
    "GET /v1/ledgers/{policy_id}/entries": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "GET /v1/policies/{policy_id}/prevention": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "GET /v1/plans/{policy_id}": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "POST /v1/plans/{policy_id}/proposals": rule(insurer=BOOK),
    "POST /v1/plans/{policy_id}/agreement": rule(enterprise=FIRM),
    "GET /v1/experts/{expert_id}/hours": rule(expert=EXPERT, agency=AGENCY),
    "PUT /v1/experts/{expert_id}/hours": rule(expert=EXPERT, agency=AGENCY),
    "GET /v1/experts/{expert_id}/time-off": rule(expert=EXPERT, agency=AGENCY),
    "POST /v1/experts/{expert_id}/time-off": rule(expert=EXPERT, agency=AGENCY),
    "POST /v1/photos": rule(expert=EXPERT, enterprise=FIRM, note="a photo for the caller's own visit or hazard"),
    "GET /v1/photos/{photo_id}": every_tenant(),
    "GET /v1/archive/{enterprise_id}": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "GET /v1/archive/{enterprise_id}/annual-report.pdf": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "GET /v1/archive/{enterprise_id}/file.zip": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION,
                                                     note="the whole AQ 9010 file"),
    "GET /v1/metrics/prevention": rule(insurer=BOOK, bureau=REGION, lists=True, note="aggregates"),
    "GET /v1/exposure-cases": public("published cases (曝光台)", lists=True),
    "GET /v1/exposure-cases/{case_id}": public(),
    "POST /v1/exposure-cases": rule(bureau=REGION, note="a case of a hazard in the bureau's region"),
    "POST /v1/exposure-cases/{case_id}/withdrawal": rule(bureau=REGION),
}
