"""The public API is visible in review: the checked-in schema file must match the code."""

from __future__ import annotations

from pathlib import Path

from gateway.schema import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "gateway" / "schema.graphql"


def test_checked_in_schema_matches_the_code():
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "gateway/schema.graphql differs from the code; regenerate it with "
        "`python -c \"from gateway.schema import schema_sdl; open('gateway/schema.graphql','w').write(schema_sdl())\"`"
    )


def test_every_contract_operation_and_type_is_in_the_schema():
    sdl = schema_sdl()
    for name in ("me:", "regions(", "enterprise(", "enterprises(", "products(", "policy(", "policies(",
                 "agencies(", "agency(", "availableSlots(", "booking(", "bookings(", "hazards(", "coverage(",
                 "coverageTrend(", "preventionMetrics(", "login(", "registerEnterprise(", "requestQuote(",
                 "bindQuote(", "startPayment(", "confirmOfflinePayment(", "cancelPolicy(", "renewPolicy(",
                 "endorseHeadcount(", "applyAgency(", "reviewAgency(", "bookVisit(", "confirmBooking(",
                 "cancelBooking(", "checkIn(", "submitVisitReport(", "acknowledgeVisitReport(",
                 "submitRectification(", "verifyRectification("):
        assert f"  {name}" in sdl, name
    for union in ("LoginResult", "EnterpriseResult", "QuoteResult", "PolicyResult", "PaymentResult",
                  "AgencyResult", "BookingResult", "HazardResult"):
        assert f"union {union} = " in sdl and "| OperationError" in sdl.split(f"union {union} = ")[1].split("\n")[0]
    for type_name in ("scalar Long", "scalar Date", "scalar DateTime", "type PageInfo", "type CoverageReport",
                      "enum CoverageDimension", "type PreventionMetrics", "type OperationError",
                      "type EnterpriseConnection", "type BookingConnection", "type HazardConnection"):
        assert type_name in sdl, type_name
    assert "premiumFen: Long!" in sdl and "limitOptionsFen: [Long!]!" in sdl


def test_every_persisted_query_is_valid_against_the_schema():
    from graphql import parse, validate

    from gateway.persisted import PERSISTED_DIR
    from gateway.schema import build_schema

    schema = build_schema()._schema
    files = sorted(PERSISTED_DIR.glob("*.graphql"))
    assert files
    for path in files:
        assert validate(schema, parse(path.read_text())) == [], path.name
