"""When a service does not answer, the gateway still answers: what it has, the missing parts null or
marked partial, and errors naming the service with SERVICE_UNAVAILABLE; the circuit then fails fast."""

from __future__ import annotations

import pytest

from services.kernel.auth import Role


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"  # about the services being down, not about the gateway's database


async def test_coverage_is_marked_partial_and_the_error_names_the_policy_service(gateway, keys):
    token = keys.token(Role.BUREAU, region="330282")
    body = await gateway.gql('{ coverage(regionCode: "330282", asOf: "2026-06-30") { regionCode asOf partial '
                             "total { enterprises } rows { key } } }", token=token)
    assert body["data"]["coverage"] == {"regionCode": "330282", "asOf": "2026-06-30", "partial": True,
                                        "total": {"enterprises": 0}, "rows": []}
    error = body["errors"][0]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "policy"}


async def test_the_account_still_answers_beside_a_failed_service(gateway, keys):
    await gateway.account("bureau@x.cn", Role.BUREAU, region="330282")
    token = await gateway.login("bureau@x.cn")
    body = await gateway.gql('{ me { email } agency(id: "agc_1") { name } }', token=token)
    assert body["data"] == {"me": {"email": "bureau@x.cn"}, "agency": None}
    assert body["errors"][0]["path"] == ["agency"]
    assert body["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "providers"}


async def test_a_mutation_against_a_down_service_is_an_operation_error(gateway, keys):
    token = keys.token(Role.ENTERPRISE, org="ent_1")
    body = await gateway.gql("""mutation { requestQuote(input: {enterpriseId: "ent_1", productId: "prd_1",
      headcount: 10, limitPerPersonFen: 40000000, startDate: "2026-12-01"}) {
      ... on OperationError { code message } } }""", token=token)
    assert body["data"]["requestQuote"]["code"] == "SERVICE_UNAVAILABLE"
    assert "policy" in body["data"]["requestQuote"]["message"]


async def test_the_circuit_opens_after_repeated_failures_and_then_fails_fast(gateway):
    endpoint = gateway.app.state.gateway.endpoints["providers"]
    for _ in range(8):
        body = await gateway.gql("{ agencies { totalCount } }")
        assert body["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "providers"}
    assert endpoint.calls == endpoint.breaker.threshold
    assert "circuit open" in body["errors"][0]["message"]


async def test_permission_failures_on_queries_carry_codes(gateway, keys):
    anonymous = await gateway.gql('{ coverage(regionCode: "330282") { partial } }')
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    firm = await gateway.gql('{ coverage(regionCode: "330282") { partial } }',
                             token=keys.token(Role.ENTERPRISE, org="ent_1"))
    assert firm["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other_region = await gateway.gql('{ coverage(regionCode: "330281") { partial } }',
                                     token=keys.token(Role.BUREAU, region="330282"))
    assert other_region["errors"][0]["extensions"]["code"] == "FORBIDDEN"
