"""Who may call each route of the providers service, and which rows each role reaches (the tenant rule).

One row per route, keyed "METHOD /v1/path". The roles of a row must equal the route's ``allow(...)`` (or
``PUBLIC``); tests/security/test_matrix.py checks that, calls every route as every role and as the same role
of another tenant, and fails when a route has no row here. See docs/security.md."""

from __future__ import annotations

from services.kernel.access import Access, Scope, admin_only, anyone_logged_in, public, rule

FIRM, BOOK, AGENCY, EXPERT, REGION, ANY = (Scope.OWN_FIRM, Scope.OWN_BOOK, Scope.OWN_AGENCY, Scope.OWN_EXPERT,
                                           Scope.OWN_REGION, Scope.ANY)



ACCESS: dict[str, Access] = {
    "GET /v1/agencies": public("approved agencies (the catalogue)", lists=True),
    "GET /v1/agencies/{agency_id}": public("an approved agency's page"),
    "POST /v1/agencies": rule(agency=AGENCY, note="an agency account applies for its own agency"),
    "PATCH /v1/agencies/{agency_id}": rule(agency=AGENCY, note="new types/towns wait for the bureau"),
    "POST /v1/agencies/{agency_id}/decisions": rule(bureau=REGION, note="the bureau of a town the agency serves"),
    "GET /v1/agencies/{agency_id}/decisions": rule(agency=AGENCY, bureau=REGION),
    "GET /v1/agencies/{agency_id}/scope-changes": rule(agency=AGENCY, bureau=REGION),
    "POST /v1/agencies/{agency_id}/scope-changes/{change_id}/decision": rule(
        bureau=REGION, note="the bureau of the agency's home town"),
    "POST /v1/agencies/{agency_id}/qualifications": rule(agency=AGENCY),
    "GET /v1/qualifications": public("approved agencies' qualifications", lists=True),
    "POST /v1/agencies/{agency_id}/qualifications/{qualification_id}/scan": rule(agency=AGENCY),
    "GET /v1/agencies/{agency_id}/qualifications/{qualification_id}/scan": rule(agency=AGENCY, bureau=REGION),
    "GET /v1/agencies/{agency_id}/notices": rule(agency=AGENCY, bureau=REGION),
    "GET /v1/offerings": public(lists=True),
    "GET /v1/offerings/{offering_id}": public(),
    "PATCH /v1/offerings/{offering_id}": rule(agency=AGENCY),
    "POST /v1/agencies/{agency_id}/offerings": rule(agency=AGENCY),
    "GET /v1/offerings/{offering_id}/experts": anyone_logged_in(lists=True, note="who may do the visit"),
    "GET /v1/experts": anyone_logged_in(lists=True,
                                        note="phones only to the agency, the expert, the bureau, the admin"),
    "GET /v1/experts/{expert_id}": anyone_logged_in(),
    "POST /v1/agencies/{agency_id}/experts": rule(agency=AGENCY),
    "PATCH /v1/experts/{expert_id}": rule(agency=AGENCY),
    "POST /v1/experts/{expert_id}/certificates": rule(agency=AGENCY),
    "GET /v1/panels/{insurer_id}": rule(insurer=BOOK, bureau=ANY, note="panels are city-wide, not regional"),
    "POST /v1/panels/{insurer_id}/agencies": rule(insurer=BOOK),
    "POST /v1/panels/{insurer_id}/agencies/{agency_id}/removal": rule(insurer=BOOK),
    "GET /v1/panels/{insurer_id}/agencies/{agency_id}": anyone_logged_in(note="is this agency on the panel"),
    "GET /v1/panels/{insurer_id}/changes": rule(insurer=BOOK, bureau=ANY),
    "POST /v1/reviews": rule(enterprise=FIRM, note="a review of the firm's own completed visit"),
    "POST /v1/reviews/{review_id}/reply": rule(agency=AGENCY),
    "GET /v1/reviews": public("an agency's reviews (firm and booking ids: the firm, agency, bureau of its region)",
                              lists=True),
    "POST /v1/complaints": rule(enterprise=FIRM, note="handled by the firm's registered town"),
    "GET /v1/complaints": rule(enterprise=FIRM, agency=AGENCY, bureau=REGION, insurer=BOOK, lists=True,
                               note="insurer: about its panel's agencies from firms of its book"),
    "GET /v1/complaints/{complaint_id}": rule(enterprise=FIRM, agency=AGENCY, bureau=REGION, insurer=BOOK),
    "GET /v1/complaints/{complaint_id}/comments": rule(enterprise=FIRM, agency=AGENCY, bureau=REGION,
                                                       insurer=BOOK, lists=True),
    "POST /v1/complaints/{complaint_id}/comments": rule(insurer=BOOK, bureau=REGION, note="comment, never decide"),
    "POST /v1/complaints/{complaint_id}/fact-check": rule(agency=AGENCY, bureau=REGION),
    "POST /v1/complaints/{complaint_id}/extension": rule(agency=AGENCY, bureau=REGION),
    "POST /v1/complaints/{complaint_id}/answer": rule(agency=AGENCY),
    "GET /v1/calendar": anyone_logged_in(lists=True, note="the working-day calendar"),
    "PUT /v1/calendar/{day}": admin_only(),
    "GET /v1/agencies/{agency_id}/performance": rule(bureau=ANY, insurer=ANY, agency=AGENCY,
                                                     note="supervision and panel choice: any agency"),
    "GET /v1/performance": rule(bureau=REGION, insurer=ANY, lists=True),
}
