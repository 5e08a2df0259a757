"""Who may call each GraphQL query and mutation of the gateway, and which rows each role reaches.

One row per field of ``Query`` and ``Mutation``, keyed "Query.name" / "Mutation.name". The gateway is never
the only guard: a field that reads a service passes the caller's token on and the service applies its own
row (services/<part>/access.py). tests/security/test_matrix.py fails when a field has no row here, calls
every field as every role and as the same role of another tenant. See docs/security.md."""

from __future__ import annotations

from services.kernel.access import Access, Scope, admin_only, anyone_logged_in, every_tenant, public, rule

FIRM, BOOK, AGENCY, EXPERT, REGION, ANY, SELF = (Scope.OWN_FIRM, Scope.OWN_BOOK, Scope.OWN_AGENCY,
                                                 Scope.OWN_EXPERT, Scope.OWN_REGION, Scope.ANY, Scope.SELF)


ACCESS: dict[str, Access] = {
    # accounts
    "Query.me": public("the caller's own account (SELF); null without a token"),
    "Query.accounts": rule(agency=AGENCY, insurer=BOOK, bureau=REGION, lists=True,
                           note="accounts of the caller's organisation / region"),
    "Mutation.login": public(),
    "Mutation.refreshToken": public("the refresh token is the credential"),
    "Mutation.signUp": public("self-service sign-up of a firm or agency account"),
    "Mutation.logout": anyone_logged_in(SELF),
    "Mutation.changePassword": anyone_logged_in(SELF),
    "Mutation.setAccountActive": admin_only(),
    "Mutation.setEnterpriseRegulatedFacts": rule(bureau=REGION, note="with a reason; kept as history"),
    "Mutation.createAccount": rule(bureau=REGION,
                                   note="admin: any; bureau: agency and bureau logins inside its region"),
    # firms and policies
    "Query.regions": public(lists=True),
    "Query.industries": public("the GB/T 4754 industry codes", lists=True),
    "Query.enterprise": every_tenant(
                             note="agency/expert: the firms of their own bookings"),
    "Query.enterprises": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION, lists=True),
    "Query.products": public(lists=True),
    "Query.insurers": public(lists=True),
    "Query.policy": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "Query.policies": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION, lists=True),
    "Mutation.registerEnterprise": rule(enterprise=FIRM, bureau=REGION),
    "Mutation.requestQuote": rule(enterprise=FIRM, insurer=BOOK),
    "Mutation.bindQuote": rule(enterprise=FIRM, insurer=BOOK),
    "Mutation.startPayment": rule(enterprise=FIRM),
    "Mutation.confirmOfflinePayment": rule(insurer=BOOK),
    "Mutation.cancelPolicy": rule(enterprise=FIRM, insurer=BOOK),
    "Mutation.renewPolicy": rule(enterprise=FIRM, insurer=BOOK),
    "Mutation.endorseHeadcount": rule(enterprise=FIRM, insurer=BOOK),
    "Mutation.confirmOfflineRefund": rule(insurer=BOOK),
    # providers
    "Query.agencies": public("approved agencies; agency/bureau see more (the service decides)", lists=True),
    "Query.agency": public("an approved agency's page"),
    "Query.offering": public("an offering of the catalogue"),
    "Query.expert": anyone_logged_in(note="hours, time-off and phone: the expert and its agency only (fields)"),
    "Query.experts": anyone_logged_in(lists=True, note="an agency's experts; hours and phone as for expert"),
    "Query.reviews": public("an agency's reviews", lists=True),
    "Query.panel": rule(insurer=BOOK, bureau=ANY, note="panels are city-wide, not regional"),
    "Query.complaints": rule(enterprise=FIRM, agency=AGENCY, bureau=REGION, insurer=BOOK, lists=True),
    "Query.complaint": rule(enterprise=FIRM, agency=AGENCY, bureau=REGION, insurer=BOOK),
    "Mutation.commentOnComplaint": rule(insurer=BOOK, bureau=REGION),
    "Mutation.applyAgency": rule(agency=AGENCY),
    "Mutation.reviewAgency": rule(bureau=REGION),
    "Mutation.addQualification": rule(agency=AGENCY),
    "Mutation.addExpert": rule(agency=AGENCY),
    "Mutation.updateExpert": rule(agency=AGENCY),
    "Mutation.addExpertCertificate": rule(agency=AGENCY),
    "Mutation.setExpertHours": rule(agency=AGENCY, expert=EXPERT),
    "Mutation.addExpertTimeOff": rule(agency=AGENCY, expert=EXPERT),
    "Mutation.addToPanel": rule(insurer=BOOK, note="the caller's own panel"),
    "Mutation.removeFromPanel": rule(insurer=BOOK, note="the caller's own panel"),
    "Mutation.fileComplaint": rule(enterprise=FIRM, note="the caller's own complaint about any agency"),
    "Mutation.requireComplaintFactCheck": rule(agency=AGENCY, bureau=REGION),
    "Mutation.extendComplaintDeadline": rule(agency=AGENCY, bureau=REGION),
    "Mutation.answerComplaint": rule(agency=AGENCY),
    "Mutation.reviewVisit": rule(enterprise=FIRM),
    "Mutation.replyToReview": rule(agency=AGENCY),
    # bookings and prevention
    "Query.availableSlots": anyone_logged_in(lists=True),
    "Query.booking": every_tenant(),
    "Query.bookings": every_tenant(lists=True),
    "Query.hazard": every_tenant(),
    "Query.hazards": every_tenant(lists=True),
    "Query.preventionLedgers": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION, lists=True),
    "Query.preventionLedgerTotals": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION, lists=True),
    "Query.preventionLedger": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "Query.servicePlan": rule(enterprise=FIRM, insurer=BOOK, bureau=REGION),
    "Mutation.bookVisit": rule(enterprise=FIRM),
    "Mutation.confirmBooking": rule(agency=AGENCY),
    "Mutation.cancelBooking": rule(enterprise=FIRM, agency=AGENCY),
    "Mutation.checkIn": rule(expert=EXPERT),
    "Mutation.submitVisitReport": rule(expert=EXPERT),
    "Mutation.acknowledgeVisitReport": rule(enterprise=FIRM),
    "Mutation.submitRectification": rule(enterprise=FIRM),
    "Mutation.verifyRectification": rule(expert=EXPERT),
    "Mutation.proposeServicePlan": rule(insurer=BOOK),
    "Mutation.agreeServicePlan": rule(enterprise=FIRM),
    # metrics and exposure
    "Query.coverage": rule(bureau=REGION, insurer=BOOK, lists=True),
    "Query.coverageTrend": rule(bureau=REGION, insurer=BOOK, lists=True),
    "Query.preventionMetrics": rule(bureau=REGION, insurer=BOOK, lists=True),
    "Query.uninsuredAtRisk": rule(bureau=REGION, lists=True),
    "Query.coverLapses": rule(bureau=REGION, lists=True),
    "Query.overdueMajorHazards": rule(bureau=REGION, insurer=BOOK, lists=True),
    "Query.agencyPerformance": rule(bureau=REGION, insurer=ANY, lists=True),
    "Query.exposureCases": public(lists=True),
    "Query.exposureCase": public(),
    "Mutation.publishExposureCase": rule(bureau=REGION),
    "Mutation.withdrawExposureCase": rule(bureau=REGION),
}

