"""GraphQL types of firms and regions (served by the policy service)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.common import Long, OperationError, enum_value, to_date, to_datetime
from gateway.context import Info
from services.kernel.auth import Role

if TYPE_CHECKING:
    from gateway.policies.types import Policy


@strawberry.enum
class RegionLevel(enum.Enum):
    CITY = "CITY"
    TOWN = "TOWN"
    VILLAGE = "VILLAGE"
    PARK = "PARK"


@strawberry.enum
class Sector(enum.Enum):
    INDUSTRY = "INDUSTRY"
    CONSTRUCTION = "CONSTRUCTION"
    WHOLESALE = "WHOLESALE"
    RETAIL = "RETAIL"
    TRANSPORT = "TRANSPORT"
    WAREHOUSING = "WAREHOUSING"
    POSTAL = "POSTAL"
    AGRICULTURE = "AGRICULTURE"
    OTHER = "OTHER"


@strawberry.enum
class SizeClass(enum.Enum):
    LARGE = "LARGE"
    MEDIUM = "MEDIUM"
    SMALL = "SMALL"
    MICRO = "MICRO"


@strawberry.enum
class RiskColor(enum.Enum):
    RED = "RED"
    ORANGE = "ORANGE"
    YELLOW = "YELLOW"
    BLUE = "BLUE"


@strawberry.type(description="An industry code of GB/T 4754-2017 (a division: section letter and two digits).")
class Industry:
    code: str
    name: str
    section: str
    section_name: str

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Industry:
        return cls(code=row["code"], name=row["name"], section=row.get("section") or row["code"][:1],
                   section_name=row.get("section_name") or "")


@strawberry.type
class Region:
    code: str
    name: str
    level: RegionLevel
    parent_code: str | None = None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Region:
        return cls(code=row["code"], name=row["name"], level=enum_value(RegionLevel, row.get("level"),
                                                                        RegionLevel.TOWN),
                   parent_code=row.get("parent_code"))


@strawberry.type
class Enterprise:
    id: strawberry.ID
    uscc: str
    name: str
    town_code: str
    village_code: str | None
    park_name: str | None
    sector: Sector
    industry_code: str
    size_class: SizeClass
    employees: int
    high_risk_tags: list[str]
    risk_color: RiskColor | None
    insured: bool
    covered_from: date | None = strawberry.field(default=None, description="not insured today, but paid cover "
                                                 "starts on this day (pages say 已投保，生效于 …)")
    annual_revenue_fen: Long | None = None
    principal_name: str | None = None
    contact_phone: str | None = None
    park_code: str | None = None
    compulsory: bool = strawberry.field(default=False, description="in an industry where cover is compulsory")
    standardisation_grade: str | None = strawberry.field(default=None, description="safety standardisation "
                                                         "grade 1-3: a regulated fact, set by the bureau")
    blacklisted: bool = strawberry.field(default=False, description="on the bureau's blacklist (a regulated fact)")

    @strawberry.field(description="Who changed which regulated fact (sector, highRiskTags, standardisationGrade, "
                      "riskColor, blacklisted), when, from what to what and why, the newest first. The firm, the "
                      "bureau of its region, an insurer of its book and the admin; FORBIDDEN for others.")
    async def regulated_fact_changes(self, info: Info) -> list[RegulatedFactChange]:
        info.context.require(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)
        rows = await info.context.policy.regulated_fact_changes(str(self.id))
        return [RegulatedFactChange.from_api(row) for row in rows]

    @strawberry.field(description="The firm's policies, newest first.")
    async def policies(self, info: Info) -> list[Annotated[Policy, strawberry.lazy("gateway.policies.types")]]:
        from gateway.policies.types import Policy

        rows = await info.context.loaders.policies_of_enterprise.load(str(self.id))
        return [Policy.from_api(row) for row in sorted(rows, key=lambda r: r["id"], reverse=True)]

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Enterprise:
        return cls(id=strawberry.ID(row["id"]), uscc=row["uscc"], name=row["name"], town_code=row["town_code"],
                   village_code=row.get("village_code"), park_name=row.get("park_name"),
                   sector=enum_value(Sector, row.get("sector"), Sector.OTHER),
                   industry_code=row.get("industry_code") or "",
                   size_class=enum_value(SizeClass, row.get("size_class"), SizeClass.MICRO),
                   employees=int(row.get("employees") or 0), high_risk_tags=list(row.get("high_risk_tags") or []),
                   risk_color=enum_value(RiskColor, row.get("risk_color")), insured=bool(row.get("insured")),
                   covered_from=to_date(row["covered_from"]) if row.get("covered_from") else None,
                   annual_revenue_fen=row.get("annual_revenue_fen"), principal_name=row.get("principal_name"),
                   contact_phone=row.get("contact_phone"), park_code=row.get("park_code"),
                   compulsory=bool(row.get("compulsory")), standardisation_grade=row.get("standardisation_grade"),
                   blacklisted=bool(row.get("blacklisted")))


def fact_text(value: Any) -> str | None:
    """A regulated fact's value as text: a list joined by commas, a flag as true/false, none as null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


@strawberry.type(description="One change of a firm's regulated fact. Values are text: tags joined by commas, "
                 "blacklisted as true/false, null when unset.")
class RegulatedFactChange:
    id: strawberry.ID
    at: datetime
    actor: str
    actor_role: str
    field: str
    old_value: str | None
    new_value: str | None
    reason: str

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> RegulatedFactChange:
        return cls(id=strawberry.ID(row["id"]), at=to_datetime(row["at"]), actor=row["actor"],
                   actor_role=row["actor_role"], field=row["field"], old_value=fact_text(row.get("old_value")),
                   new_value=fact_text(row.get("new_value")), reason=row["reason"])


@strawberry.input
class EnterpriseFilter:
    town_code: str | None = None
    village_code: str | None = None
    size_class: SizeClass | None = None
    insured: bool | None = None
    high_risk_tag: str | None = None
    search: str | None = None
    park_name: str | None = strawberry.field(default=None, description="a park's code or name")
    in_park: bool | None = strawberry.field(default=None, description="false: only the firms outside any park")


@strawberry.input
class EnterpriseInput:
    uscc: str
    name: str
    town_code: str
    sector: Sector
    industry_code: str
    employees: int
    annual_revenue_fen: Long
    principal_name: str
    contact_phone: str
    village_code: str | None = None
    park_name: str | None = None
    park_code: str | None = None
    total_assets_fen: Long | None = None
    high_risk_tags: list[str] | None = None


@strawberry.input(description="The bureau of the firm's region (or the admin) sets the facts its premium and its "
                  "duty to insure come from. Only the fields given change; each change is kept with the reason.")
class RegulatedFactsInput:
    enterprise_id: strawberry.ID
    reason: str
    sector: Sector | None = strawberry.UNSET
    high_risk_tags: list[str] | None = strawberry.UNSET
    standardisation_grade: str | None = strawberry.UNSET
    risk_color: RiskColor | None = strawberry.UNSET
    blacklisted: bool | None = strawberry.UNSET


EnterpriseResult = Annotated[Enterprise | OperationError, strawberry.union("EnterpriseResult")]
