"""The authorization matrix (issue 13): every REST route of every service and every GraphQL query and
mutation has a row in its part's table (services/<part>/access.py, gateway/access.py), and behaves as the
row says when called as every role and as the same role of another tenant.

- Coverage: a route or field without a row fails, a row naming an operation that no longer exists fails,
  and a REST row's roles must equal the route's ``allow(...)`` (or ``PUBLIC``).
- Roles: each operation is called as every role the row does not allow (and without a token) and must be
  refused: 401/403 with a problem code, or a FORBIDDEN/UNAUTHENTICATED error or OperationError.
- Tenants: each operation is called, as every role the row scopes to its own rows, by the same role of
  another tenant (another firm, insurer, agency, expert, town 330282108 instead of 330282107) with tenant
  A's rows (seeded, or made by the fixture), and must be refused (403/404, FORBIDDEN/NOT_FOUND); a list must
  not contain any of tenant A's ids.
Mutations are never called as tenant A: only refusals are asserted, so no case changes the seeded rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.access import ACCESS as GATEWAY
from services.bookings.access import ACCESS as BOOKINGS
from services.kernel.access import Access, Scope, declared_roles, table_roles
from services.kernel.auth import Role
from services.policy.access import ACCESS as POLICY
from services.providers.access import ACCESS as PROVIDERS

from . import ops
from .conftest import Tenant

TABLES: dict[str, dict[str, Access]] = {"policy": POLICY, "providers": PROVIDERS, "bookings": BOOKINGS}
ROLES: tuple[Role | None, ...] = (Role.ENTERPRISE, Role.INSURER, Role.AGENCY, Role.EXPERT, Role.BUREAU, Role.ADMIN,
                                  None)
NO_REGION = "bureau-without-region"
TENANT_SCOPES = {Scope.OWN_FIRM, Scope.OWN_BOOK, Scope.OWN_AGENCY, Scope.OWN_EXPERT, Scope.OWN_REGION, Scope.SELF}
REFUSED_ROLE = {"FORBIDDEN", "UNAUTHENTICATED"}
REFUSED_TENANT = {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}

# Requests the generic builder cannot make meaningful: tenant A's row where a name does not say it.
GRAPHQL_VARIABLES: dict[str, dict[str, Any]] = {
    "Mutation.createAccount": {"input": {"email": "matrix-agency@example.cn", "password": "a-long-matrix-password",
                                         "role": "AGENCY", "orgId": "{agency_id}"}},
    "Query.offering": {"id": "{offering_id}"},
    "Query.expert": {"id": "{expert_id}"},
    "Query.complaint": {"id": "{complaint_id}"},
    "Query.agency": {"id": "{agency_id}"},
    "Query.coverage": {"regionCode": "{town_code}"},
    "Query.reviews": {"agencyId": "{agency_id}"},
    "Mutation.updateExpert": {"input": {"name": "matrix"}},
    "Mutation.withdrawExposureCase": {"id": "{case_id}"},
    "Query.exposureCase": {"id": "{case_id}"},
    "Mutation.setExpertHours": {"hours": [{"weekday": 0, "starts": "09:00:00", "ends": "17:00:00"}]},
    "Mutation.proposeServicePlan": {"input": {"visitsPerYear": 2}},
}
# REST bodies the OpenAPI schema alone does not make valid (the service validates them before the tenant)
# Operations that refuse another tenant's rows with a code of their own (and the words that say so)
TENANT_REFUSALS: dict[str, tuple[str, str]] = {
    "POST /v1/imports/firms": ("IMPORT_REJECTED", "outside the bureau's region"),
}
REST_BODIES: dict[str, dict[str, Any]] = {
    "POST /v1/plans/{policy_id}/proposals": {"visits_per_year": 2},
    "POST /v1/complaints": {"agency_id": "{agency_id}", "booking_id": "{booking_id}", "town_code": "{town_code}",
                            "subject": "matrix",
                            "description": "another firm's booking"},
}
REST_FILES: dict[str, dict[str, Any]] = {
    "POST /v1/imports/firms": {"file": ("firms.csv", "uscc,name,town,sector,industry_code,employees,"
                                        "annual_revenue_wan,principal_name,contact_phone\n"
                                        "{uscc},矩阵测试厂,{town_code},INDUSTRY,C33,5,100,矩阵,13900000009\n",
                                        "text/csv")},
    "POST /v1/agencies/{agency_id}/qualifications/{qualification_id}/scan":
        {"file": ("scan.pdf", b"%PDF-1.4\n% matrix\n", "application/pdf")},
    "POST /v1/photos": {"file": ("photo.jpg", b"\xff\xd8\xff\xe0matrix", "image/jpeg")},
}


# ---------------------------------------------------------------- coverage: every operation has its row


def test_every_rest_route_has_a_row_with_the_routes_roles():
    problems = []
    for part, table in TABLES.items():
        routes = ops.rest_routes(part)
        for key in routes.keys() - table.keys():
            problems.append(f"{part}: {key} has no row in services/{part}/access.py")
        for key in table.keys() - routes.keys():
            problems.append(f"{part}: the row {key} names no route")
        for key in routes.keys() & table.keys():
            kind, roles = routes[key]
            declared = None if kind == "public" else declared_roles(roles)
            if declared != table_roles(table[key]):
                problems.append(f"{part}: {key} declares {sorted(declared or ['PUBLIC'])} but its row says "
                                f"{sorted(table_roles(table[key]) or ['PUBLIC'])}")
    assert not problems, "\n".join(problems)


def test_every_graphql_query_and_mutation_has_a_row():
    fields = ops.graphql_fields()
    missing = sorted(fields.keys() - GATEWAY.keys())
    stale = sorted(GATEWAY.keys() - fields.keys())
    assert not missing, f"GraphQL fields without a row in gateway/access.py: {missing}"
    assert not stale, f"rows in gateway/access.py that name no field: {stale}"


def test_every_row_states_a_rule_for_each_allowed_role():
    for name, table in (*TABLES.items(), ("gateway", GATEWAY)):
        for key, access in table.items():
            assert access.public or access.scopes, f"{name}: {key} allows nobody"
            assert set(access.finding) <= set(access.scopes), f"{name}: {key} marks a finding on a role it denies"


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    kind: str  # "rest" | "graphql"
    part: str  # service, or "gateway"
    key: str
    check: str  # "roles" | the role value of the other tenant

    @property
    def id(self) -> str:
        return f"{self.part}:{self.key}:{self.check}"


def _cases() -> list[Any]:
    out = []
    rows: list[tuple[str, str, str, Access]] = [("rest", part, key, access) for part, table in TABLES.items()
                                                for key, access in table.items()]
    rows += [("graphql", "gateway", key, access) for key, access in GATEWAY.items()]
    for kind, part, key, access in rows:
        if not access.public:
            out.append(pytest.param(Case(kind, part, key, "roles"), id=f"{part}:{key}:roles"))
        for role, scope in access.scopes.items():
            if scope not in TENANT_SCOPES or role is Role.ADMIN:
                continue
            marks = []
            if role in access.finding:
                marks.append(pytest.mark.xfail(strict=True, reason=f"open: {access.finding[role]}"))
            out.append(pytest.param(Case(kind, part, key, role.value), id=f"{part}:{key}:{role.value}",
                                    marks=marks))
            if scope is Scope.OWN_REGION:  # fail closed: a bureau account without a region sees nothing
                marks = [pytest.mark.xfail(strict=True, reason=f"open: {access.finding[role]}")
                         ] if role in access.finding else []
                out.append(pytest.param(Case(kind, part, key, NO_REGION), id=f"{part}:{key}:{NO_REGION}",
                                        marks=marks))
    return out


def operation_count() -> tuple[int, int]:
    """(REST routes, GraphQL fields) in the tables."""
    return sum(len(t) for t in TABLES.values()), len(GATEWAY)


def _fill(value: Any, rows: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return rows.get(value[1:-1], value)
    if isinstance(value, dict):
        return {k: _fill(v, rows) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, rows) for v in value]
    return value


def _files(key: str, rows: dict[str, str]) -> dict[str, Any]:
    """The upload of a REST_FILES entry, text content filled with tenant A's rows."""
    out = {}
    for field, (name, content, media) in REST_FILES[key].items():
        if isinstance(content, str):
            for kind, value in rows.items():
                content = content.replace("{" + kind + "}", value)
            content = content.encode()
        out[field] = (name, content, media)
    return out


def _owned(matrix: Any, role: Role) -> set[str]:
    """Tenant A's ids that the same role of another tenant must not reach."""
    rows = matrix.rows
    extra = {Role.INSURER: ("insurer_id",), Role.AGENCY: ("agency_id", "expert_id", "offering_id", "qualification_id"),
             Role.EXPERT: ("expert_id",), Role.BUREAU: ("agency_id", "town_code", "case_id")}.get(role, ())
    return set(matrix.markers) | {rows[k] for k in extra if k in rows}


@dataclass
class Answer:
    status: int
    code: str | None  # the problem code, the GraphQL error code or the OperationError code
    text: str
    success: bool


async def _call(matrix: Any, case: Case, tenant: Any) -> tuple[Answer, str]:
    """Calls the operation as ``tenant`` (None: no token); returns the answer and the request's text."""
    headers = matrix.headers(tenant)
    if case.kind == "rest":
        method, url, body, _ = ops.rest_request(case.part, case.key, matrix.rows)
        body = _fill(REST_BODIES[case.key], matrix.rows) if case.key in REST_BODIES else body
        if case.key in REST_FILES:
            response = await matrix.client.request(method, url, files=_files(case.key, matrix.rows),
                                                   headers=headers)
        else:
            response = await matrix.client.request(method, url, json=body, headers=headers)
        code = None
        if "json" in response.headers.get("content-type", ""):
            payload = response.json()
            code = payload.get("code") if isinstance(payload, dict) else None
        text = response.text if "json" in response.headers.get("content-type", "") else ""
        return Answer(response.status_code, code, text, response.status_code < 400), f"{method} {url} {body}"
    document, variables, _ = ops.graphql_request(case.key, matrix.rows)
    if case.key in GRAPHQL_VARIABLES:
        variables = {**variables, **_fill(GRAPHQL_VARIABLES[case.key], matrix.rows)}
    response = await matrix.client.post("/graphql", json={"query": document, "variables": variables},
                                        headers=headers)
    payload = response.json()
    data = payload.get("data") or {}
    value = next(iter(data.values()), None) if isinstance(data, dict) else None
    if payload.get("errors"):
        code = payload["errors"][0].get("extensions", {}).get("code")
        return Answer(response.status_code, code, json.dumps(payload, ensure_ascii=False), False), document
    if isinstance(value, dict) and value.get("__typename") == "OperationError":
        return Answer(response.status_code, value.get("code"), json.dumps(value, ensure_ascii=False), False), document
    return Answer(response.status_code, None, json.dumps(data, ensure_ascii=False), True), \
        f"{document} {variables}"


def _request_ids(matrix: Any, case: Case) -> str:
    if case.kind == "rest":
        _, url, body, _ = ops.rest_request(case.part, case.key, matrix.rows)
        body = _fill(REST_BODIES[case.key], matrix.rows) if case.key in REST_BODIES else body
        files = _files(case.key, matrix.rows) if case.key in REST_FILES else {}
        uploaded = " ".join(content.decode(errors="replace") for _, content, _ in files.values())
        return f"{url} {json.dumps(body)} {uploaded}"
    _, variables, _ = ops.graphql_request(case.key, matrix.rows)
    if case.key in GRAPHQL_VARIABLES:
        variables = {**variables, **_fill(GRAPHQL_VARIABLES[case.key], matrix.rows)}
    return json.dumps(variables)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("case", _cases())
async def test_matrix(matrix, case: Case, request: pytest.FixtureRequest):
    table = GATEWAY if case.kind == "graphql" else TABLES[case.part]
    access = table[case.key]
    if case.check == "roles":
        for role in ROLES:
            if access.allows(role):
                continue
            answer, request = await _call(matrix, case, matrix.a[role] if role else None)
            matrix.count("role calls")
            expected = "UNAUTHENTICATED" if role is None else "FORBIDDEN"
            if case.kind == "rest":
                assert answer.status == (401 if role is None else 403) and answer.code == expected, \
                    f"{role} must be refused ({expected}): {answer.status} {answer.code} for {request}"
            else:
                assert answer.code in REFUSED_ROLE, \
                    f"{role} must be refused ({expected}): {answer.code} {answer.text[:300]} for {request}"
        return
    role = Role.BUREAU if case.check == NO_REGION else Role(case.check)
    other = Tenant(Role.BUREAU) if case.check == NO_REGION else matrix.b[role]
    owned = _owned(matrix, role)
    sent = _request_ids(matrix, case)
    takes_owned = any(i in sent for i in owned)
    if "missing_" in sent:
        matrix.count("no row")
        pytest.skip(f"no row of this kind in the seeded platform: {sent}")
    if not takes_owned and not access.lists:
        matrix.count("not applicable")
        pytest.skip("the operation takes none of tenant A's rows and lists nothing: the caller's own row")
    answer, request = await _call(matrix, case, other)
    matrix.count("tenant calls")
    if takes_owned:
        if case.key in TENANT_REFUSALS:
            code, words = TENANT_REFUSALS[case.key]
            assert answer.code == code and words in answer.text, \
                f"{role} of another tenant must be refused ({code}: {words}): {answer.status} {answer.text[:300]}"
        elif case.kind == "rest":
            assert answer.status in (403, 404) and answer.code in REFUSED_TENANT, \
                f"{role} of another tenant must be refused: {answer.status} {answer.code} for {request}"
        else:
            leaked = answer.success and any(i in answer.text for i in matrix.markers)
            refused = answer.code in REFUSED_TENANT
            if case.key.startswith("Mutation."):
                assert refused, f"{role} of another tenant must be refused: {answer.code} {answer.text[:300]}"
            else:
                assert refused or (answer.success and not leaked), \
                    f"{role} of another tenant must be refused: {answer.code} {answer.text[:300]}"
    if access.lists and answer.success:
        leaked = sorted(i for i in matrix.markers if i in answer.text)
        assert not leaked, f"{role} of another tenant sees tenant A's rows {leaked} in {request}"
