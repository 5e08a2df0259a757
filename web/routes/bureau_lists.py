"""The bureau's lists to act on: uninsured firms that must or should be insured, overdue major hazards,
firms of a town or village, and the agency vetting queue."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.charts import Bar, bar_chart
from web.gateway import download
from web.i18n import language, translator
from web.pages import (
    CsrfChecked,
    Form,
    gateway_of,
    mutate,
    not_found,
    query,
    read_form,
    redirect,
    region_names,
    render,
    require,
)
from web.session import SessionUser

router = APIRouter(prefix="/bureau", dependencies=[CsrfChecked])
Bureau = Depends(require("BUREAU"))

ACTION_LISTS = """
query ActionLists($region: String) {
  uninsuredAtRisk(regionCode: $region) {
    truncated
    enterprises { id name townCode villageCode highRiskTags compulsory employees principalName contactPhone sector }
  }
  coverLapses(regionCode: $region) {
    enterpriseId name townCode principalName contactPhone lastPolicyNumber lastCoveredDay lapsedSince daysUncovered
    renewalPending
  }
  overdueMajorHazards(regionCode: $region) {
    id description deadline location status
    enterprise { id name townCode } agency { name }
  }
}"""

ENTERPRISES = """
query Firms($filter: EnterpriseFilter, $after: String, $first: Int) {
  enterprises(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name uscc townCode villageCode parkName sector sizeClass employees insured coveredFrom riskColor
            highRiskTags }
  }
}"""

FIRM = """
query Firm($id: ID!) {
  enterprise(id: $id) {
    id uscc name townCode villageCode parkName sector industryCode sizeClass employees highRiskTags riskColor
    insured coveredFrom principalName contactPhone
    policies { id number status startDate endDate premiumFen preventionBudgetFen preventionSpentFen insurer { name } }
  }
  hazards(filter: {enterpriseId: $id}, first: 50) {
    totalCount nodes { id grade description status deadline rejectionReason booking { number agency { name } } }
  }
}"""

VETTING = """
query Vetting($status: AgencyStatus, $after: String, $first: Int) {
  agencies(filter: {approvedOnly: false, status: $status}, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name uscc status serviceTypes townCodes contactName contactPhone rating
            qualifications { id kind number validUntil status hasScan } }
  }
}"""

REVIEW = """
mutation Review($id: ID!, $decision: ReviewDecision!, $note: String) {
  reviewAgency(agencyId: $id, decision: $decision, note: $note) {
    __typename ... on Agency { id status } ... on OperationError { code message field }
  }
}"""

PERFORMANCE = """
query Performance($worst: Boolean!) {
  agencyPerformance(worstFirst: $worst) {
    agencyName visitsDone hazardsFound hazardsClosed closureRate overdueHazards averageDaysToClose
    complaintsOpen rating agency { id }
  }
}"""

DECISIONS = ("APPROVE", "REJECT", "REQUEST_INFO", "SUSPEND", "REVOKE")
REPORTS = {"uninsured-at-risk", "overdue-major-hazards", "agency-performance"}


@router.get("/lists")
async def action_lists(request: Request, user: SessionUser = Bureau) -> Response:
    data = (await query(request, ACTION_LISTS, {"region": user.region_code})).data
    return render(request, "bureau/lists.html", {
        "uninsured": data.get("uninsuredAtRisk"), "overdue": data.get("overdueMajorHazards") or [],
        "lapses": data.get("coverLapses") or [],
        "regions": await region_names(request)})


@router.get("/reports/{name}.{fmt}")
async def list_download(request: Request, name: str, fmt: str, user: SessionUser = Bureau) -> Response:
    if name not in REPORTS or fmt not in ("csv", "xlsx"):
        return not_found(request)
    file = await download(gateway_of(request), f"/reports/{name}",
                          {"region_code": user.region_code, "format": fmt}, token=user.token)
    return Response(file.body, media_type=file.media_type, headers={"Content-Disposition": file.disposition})


@router.get("/enterprises")
async def enterprises(request: Request, user: SessionUser = Bureau, town: str = "", village: str = "",
                      park: str = "", in_park: str = "", insured: str = "", search: str = "", after: str = ""
                      ) -> Response:
    flt = {"townCode": town or None, "villageCode": village or None, "search": search or None,
           "insured": {"yes": True, "no": False}.get(insured), "parkName": park or None,
           "inPark": {"yes": True, "no": False}.get(in_park)}
    data = (await query(request, ENTERPRISES, {"filter": flt, "after": after or None,
                                               "first": request.app.state.settings.page_size})).data
    parents = [code for code in (town or (village[:9] if village else ""), village) if code]
    regions = await region_names(request, *parents)
    firms = data.get("enterprises")
    # a park may lie in another village than some of its firms: its name also comes with the firms
    park_label = regions.get(park) or next((f["parkName"] for f in (firms or {}).get("nodes") or []
                                            if f.get("parkName")), park)
    return render(request, "bureau/enterprises.html", {
        "firms": firms, "town": town, "village": village, "insured": insured, "search": search,
        "park": park, "park_label": park_label, "in_park": in_park, "regions": regions})


@router.get("/enterprises/{enterprise_id}")
async def firm(request: Request, enterprise_id: str, user: SessionUser = Bureau) -> Response:
    data = (await query(request, FIRM, {"id": enterprise_id})).data
    firm = data.get("enterprise")
    if firm is None:
        return not_found(request)
    return render(request, "bureau/firm.html", {
        "firm": firm, "hazards": data.get("hazards"), "regions": await region_names(request, firm["townCode"])})


@router.get("/performance")
async def performance(request: Request, user: SessionUser = Bureau, worst: str = "") -> Response:
    """Agencies by how many of the hazards they found were closed: the bureau's view of service quality."""
    rows = (await query(request, PERFORMANCE, {"worst": bool(worst)})).data.get("agencyPerformance") or []
    measured = [r for r in rows if r.get("closureRate") is not None]
    chart = bar_chart([Bar(label=r["agencyName"], value=r["closureRate"],
                           note=f'{r["hazardsClosed"]} / {r["hazardsFound"]}') for r in measured],
                      title=translator(language(request))("隐患整改率"), max_value=1.0) if measured else None
    return render(request, "bureau/performance.html", {"rows": rows, "chart": chart, "worst": bool(worst)})


async def _vetting_page(request: Request, status: str, form: Form, code: int = 200) -> Response:
    data = (await query(request, VETTING, {"status": status or None, "after": None,
                                           "first": request.app.state.settings.page_size})).data
    return render(request, "bureau/agencies.html", {
        "agencies": data.get("agencies"), "status": status, "decisions": DECISIONS, "form": form,
        "regions": await region_names(request)}, status_code=code)


@router.get("/agencies")
async def vetting(request: Request, user: SessionUser = Bureau, status: str = "PENDING") -> Response:
    return await _vetting_page(request, status, Form())


@router.post("/agencies/{agency_id}/review")
async def review(request: Request, agency_id: str, user: SessionUser = Bureau) -> Response:
    form = await read_form(request)
    decision = form.value("decision")
    if decision not in DECISIONS:
        form.add("decision", "请选择审核意见。")
    elif decision != "APPROVE" and not form.value("note"):
        form.add("note", "请说明理由。")
    if form.ok:
        _, error = await mutate(request, REVIEW, {"id": agency_id, "decision": decision,
                                                  "note": form.value("note") or None}, "reviewAgency")
        if error is None:
            return redirect(f"/bureau/agencies?status={form.value('status', 'PENDING')}", "reviewed")
        form.from_operation_error(error)
    form.values["agency_id"] = agency_id
    return await _vetting_page(request, form.value("status", "PENDING"), form, 400)
