"""Pages anyone may open: home, login and logout, the language switch, the agency directory and the
exposure board."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from web.gateway import operation_error
from web.i18n import LANG_COOKIE, LANGUAGES
from web.pages import (
    CODE_MESSAGES,
    HOME_OF_ROLE,
    CsrfChecked,
    Form,
    not_found,
    optional_user,
    query,
    read_form,
    redirect,
    region_names,
    render,
    safe_next,
    sessions_of,
)

log = logging.getLogger("anze.web.public")
router = APIRouter(dependencies=[CsrfChecked])

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on AuthPayload { token refreshToken user { id email role orgId regionCode } }
    ... on OperationError { code message field }
  }
}"""

LOGOUT = """
mutation Logout($t: String) {
  logout(refreshToken: $t) { __typename ... on OperationError { code message } }
}"""


@router.get("/")
async def home(request: Request) -> Response:
    return render(request, "public/home.html", {"home_of_role": HOME_OF_ROLE})


@router.get("/login")
async def login_page(request: Request, next: str = "") -> Response:
    user = optional_user(request)
    if user is not None and not request.query_params.get("expired"):
        return RedirectResponse(safe_next(next, HOME_OF_ROLE.get(user.role, "/")), status_code=303)
    return render(request, "public/login.html", {"form": Form(), "next": safe_next(next, "")})


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    next_path = safe_next(form.value("next"), "")
    email, password = form.value("email"), (await request.form()).get("password")
    if not email:
        form.add("email", "请输入邮箱。")
    if not isinstance(password, str) or not password:
        form.add("password", "请输入密码。")
    if form.ok:
        result = await query(request, LOGIN, {"email": email, "password": password}, allow_partial=False)
        payload = result.data.get("login") or {}
        error = operation_error(payload)
        if error is None and payload.get("token"):
            response = RedirectResponse(next_path or HOME_OF_ROLE.get(payload["user"]["role"], "/"),
                                        status_code=303)
            sessions_of(request).login(request, response, payload)
            return response
        if error is None or error.code in ("INVALID_CREDENTIALS", "UNAUTHENTICATED"):
            form.add(None, "邮箱或密码不正确。")
        else:
            form.add(None, CODE_MESSAGES.get(error.code) or error.message)
    return render(request, "public/login.html", {"form": form, "next": next_path}, status_code=400)


@router.post("/logout")
async def logout(request: Request) -> Response:
    user = optional_user(request)
    if user is not None and user.refresh_token:
        try:  # revoke the refresh token so a copied cookie cannot log in again
            await query(request, LOGOUT, {"t": user.refresh_token}, allow_partial=False)
        except Exception:  # the browser is logged out whatever the gateway answers
            log.warning("the gateway did not revoke the refresh token at logout")
    response = redirect("/login", "logged_out")
    sessions_of(request).logout(response)
    return response


@router.get("/lang/{code}")
async def switch_language(request: Request, code: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=60 * 60 * 24 * 365, samesite="lax", path="/")
    return response


AGENCIES = """
query Directory($filter: AgencyFilter, $after: String, $first: Int) {
  agencies(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name rating ratingCount serviceTypes townCodes
            offerings { id serviceType title priceFen durationMinutes bookable } }
  }
}"""

AGENCY = """
query Agency($id: ID!) {
  agency(id: $id) { id name status rating ratingCount serviceTypes townCodes contactName contactPhone
    offerings { id serviceType title description priceFen durationMinutes bookable townCodes } }
}"""

AGENCY_REVIEWS = """
query AgencyReviews($id: ID!, $after: String, $first: Int) {
  reviews(agencyId: $id, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id rating text createdAt reply repliedAt }
  }
}"""

SERVICE_TYPES = ("RISK_ASSESSMENT", "HAZARD_INSPECTION", "TRAINING", "EMERGENCY_DRILL", "STANDARDIZATION", "OTHER")


@router.get("/agencies")
async def directory(request: Request, service_type: str = "", town: str = "", after: str = "") -> Response:
    service_type = service_type if service_type in SERVICE_TYPES else ""
    data = (await query(request, AGENCIES, {"filter": {"serviceType": service_type or None, "townCode": town or None,
                                                       "approvedOnly": True},
                                            "after": after or None, "first": request.app.state.settings.page_size}
                        )).data
    names = await region_names(request)
    return render(request, "public/agencies.html", {
        "agencies": data.get("agencies"), "service_type": service_type, "town": town, "regions": names,
        "service_types": SERVICE_TYPES, "towns": sorted((c, n) for c, n in names.items() if len(c) == 9)})


@router.get("/agencies/{agency_id}")
async def agency_page(request: Request, agency_id: str, after: str = "") -> Response:
    agency = (await query(request, AGENCY, {"id": agency_id})).data.get("agency")
    if agency is None:
        return not_found(request)
    reviews = (await query(request, AGENCY_REVIEWS, {"id": agency_id, "after": after or None,
                                                     "first": request.app.state.settings.page_size})
               ).data.get("reviews")
    return render(request, "public/agency.html", {"agency": agency, "regions": await region_names(request),
                                                  "reviews": reviews})


EXPOSURE_BOARD = """
query Board($town: String, $after: String, $first: Int) {
  exposureCases(townCode: $town, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id number title summary enterpriseName townCode hazardGrade hazardDescription hazardDeadline
            hazardStatus publishedAt }
  }
}"""

EXPOSURE_CASE = """
query Case($id: ID!) {
  exposureCase(id: $id) {
    id number title summary enterpriseName townCode hazardGrade hazardDescription hazardLocation hazardDeadline
    hazardStatus rejectionReason publishedAt
  }
}"""


@router.get("/exposure")
async def exposure_board(request: Request, town: str = "", after: str = "") -> Response:
    """The cases the bureau has published and not withdrawn, newest first, by town."""
    data = (await query(request, EXPOSURE_BOARD, {"town": town or None, "after": after or None,
                                                  "first": request.app.state.settings.page_size})).data
    names = await region_names(request)
    return render(request, "public/exposure.html", {
        "cases": data.get("exposureCases"), "town": town, "regions": names,
        "towns": sorted((c, n) for c, n in names.items() if len(c) == 9)})


@router.get("/exposure/{case_id}")
async def exposure_case(request: Request, case_id: str) -> Response:
    case = (await query(request, EXPOSURE_CASE, {"id": case_id})).data.get("exposureCase")
    if case is None:  # never published, or withdrawn
        return not_found(request)
    return render(request, "public/exposure_case.html", {"case": case, "regions": await region_names(request)})
