"""Request and response bodies of the policy service (snake_case JSON, money in fen)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.policy.sizeclass import Sector, SizeClass

MAX_FEN = 10**15  # ten trillion yuan: far above any real amount, far below a 64-bit column's limit
RiskColor = Literal["RED", "ORANGE", "YELLOW", "BLUE"]
Tenure = Literal["OWN_BUILDING_OWNED", "OWN_BUILDING_RENTED", "FACTORY_IN_FACTORY", "PARK_IN_PARK"]
PolicyStatus = Literal["PENDING_PAYMENT", "ACTIVE", "EXPIRED", "CANCELLED"]
PaymentMethod = Literal["CARD", "ALIPAY", "WECHAT_PAY", "BANK_TRANSFER"]
Dimension = Literal["TOWN", "VILLAGE", "PARK", "SIZE_CLASS", "INDUSTRY", "HIGH_RISK_TAG", "INSURER"]


class Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RegionOut(Orm):
    code: str
    name: str
    level: str
    parent_code: str | None
    kind: str
    verified: bool


class IndustryOut(BaseModel):
    code: str = Field(description="section letter and division, e.g. C33")
    name: str
    section: str
    section_name: str


class EnterpriseIn(BaseModel):
    uscc: str = Field(max_length=40, description="validated with its check character; lower case is upper-cased")
    name: str = Field(min_length=1, max_length=200)
    town_code: str = Field(max_length=20)
    village_code: str | None = Field(None, max_length=20)
    park_code: str | None = Field(None, max_length=20)
    park_name: str | None = Field(None, max_length=200)
    tenure: Tenure | None = None
    sector: Sector
    industry_code: str = Field(min_length=1, max_length=10, description="GB/T 4754 code, e.g. C33")
    employees: int = Field(ge=0, le=1_000_000)
    annual_revenue_fen: int = Field(ge=0, le=MAX_FEN)
    total_assets_fen: int | None = Field(None, ge=0, le=MAX_FEN)
    high_risk_tags: list[str] = Field(default_factory=list, max_length=20)
    standardisation_grade: Literal["1", "2", "3"] | None = None
    risk_color: RiskColor | None = None
    principal_name: str = Field(min_length=1, max_length=100)
    contact_phone: str = Field(min_length=3, max_length=40)


class EnterprisePatch(BaseModel):
    """Only the fields given change; size class is recomputed, never typed in."""

    name: str | None = Field(None, min_length=1, max_length=200)
    town_code: str | None = Field(None, max_length=20)
    village_code: str | None = Field(None, max_length=20)
    park_code: str | None = Field(None, max_length=20)
    park_name: str | None = Field(None, max_length=200)
    tenure: Tenure | None = None
    sector: Sector | None = None
    industry_code: str | None = Field(None, min_length=1, max_length=10)
    employees: int | None = Field(None, ge=0, le=1_000_000)
    annual_revenue_fen: int | None = Field(None, ge=0, le=MAX_FEN)
    total_assets_fen: int | None = Field(None, ge=0, le=MAX_FEN)
    high_risk_tags: list[str] | None = Field(None, max_length=20)
    standardisation_grade: Literal["1", "2", "3"] | None = None
    risk_color: RiskColor | None = None
    blacklisted: bool | None = None
    operating_status: Literal["OPERATING", "STOPPED", "CLOSED"] | None = None
    principal_name: str | None = Field(None, min_length=1, max_length=100)
    contact_phone: str | None = Field(None, min_length=3, max_length=40)
    reason: str | None = Field(None, max_length=500)


class RegulatedFactsIn(BaseModel):
    """The facts a firm's premium and its duty to insure come from, set by the bureau of its region (or the
    admin): only the fields given change; every change is recorded with ``reason``."""

    sector: Sector | None = None
    high_risk_tags: list[str] | None = Field(None, max_length=20)
    standardisation_grade: Literal["1", "2", "3"] | None = None
    risk_color: RiskColor | None = None
    blacklisted: bool | None = None
    reason: str = Field(min_length=1, max_length=500, description="why the facts change (kept in the history)")


class FactChangeOut(Orm):
    id: str
    enterprise_id: str
    at: datetime
    actor: str
    actor_role: str
    field: str
    old_value: Any = None
    new_value: Any = None
    reason: str


class EnterpriseOut(Orm):
    id: str
    uscc: str
    name: str
    town_code: str
    village_code: str | None
    park_code: str | None
    park_name: str | None
    tenure: str | None
    sector: Sector
    industry_code: str
    size_class: SizeClass
    employees: int
    annual_revenue_fen: int
    total_assets_fen: int | None
    high_risk_tags: list[str]
    compulsory: bool
    standardisation_grade: str | None
    risk_color: RiskColor | None
    blacklisted: bool
    operating_status: str
    insured: bool = False
    covered_from: date | None = Field(default=None, description="not covered today but paid cover starts on "
                                      "this day (the first such day)")
    principal_name: str
    contact_phone: str
    demo: bool
    created_at: datetime
    updated_at: datetime


class InsurerIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    bank_name: str = Field(min_length=1, max_length=200)
    bank_account_name: str = Field(min_length=1, max_length=200)
    bank_account_no: str = Field(min_length=1, max_length=60)


class InsurerOut(Orm):
    id: str
    name: str


class ProductIn(BaseModel):
    insurer_id: str
    name: str = Field(min_length=1, max_length=200)
    term_months: int = Field(12, ge=1, le=36)
    limit_options_fen: list[Annotated[int, Field(ge=0, le=MAX_FEN)]] = Field(min_length=1, max_length=20)
    base_rates_ppm: dict[Literal["LOW", "MEDIUM", "HIGH"], Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        description="base rate per risk class, parts per million of headcount × limit")
    factor_bounds: dict[str, dict[str, Any]] = Field(default_factory=dict)
    min_premium_fen: int = Field(0, ge=0, le=MAX_FEN)
    prevention_share: float = Field(ge=0, le=1, description="share of the premium for prevention; at most 0.21")
    commission_rate: float = Field(0, ge=0, le=1)
    industry_scope: Literal["COMPULSORY", "MIXED"] = Field(
        "MIXED", description="COMPULSORY: for the 8 compulsory industries, commission at most 5%; MIXED: any firm, "
        "the 5% cap applied to each compulsory firm's quote and policy")


class ProductOut(BaseModel):
    id: str
    insurer_id: str
    name: str
    term_months: int
    limit_options_fen: list[int]
    base_rates_ppm: dict[str, int]
    min_premium_fen: int
    prevention_share: float
    commission_rate: float
    industry_scope: str
    active: bool


class PriceFactor(BaseModel):
    name: str
    label: str
    value: float


class QuoteIn(BaseModel):
    enterprise_id: str
    product_id: str
    headcount: int = Field(le=1_000_000, description="the firm's whole staff: every employee at the same sum insured")
    limit_per_person_fen: int = Field(le=MAX_FEN)
    start_date: date


class OverlappingCover(BaseModel):
    policy_id: str
    number: str
    insurer_id: str
    status: str
    start_date: date
    end_date: date


class QuoteOut(Orm):
    id: str
    enterprise_id: str
    product_id: str
    insurer_id: str
    headcount: int
    limit_per_person_fen: int
    start_date: date
    end_date: date
    premium_fen: int
    prevention_budget_fen: int
    valid_until: date
    factors: list[PriceFactor]
    commission_rate: float = Field(description="the commission rate applied to this firm (≤ 0.05 if compulsory)")
    commission_fen: int
    policy_id: str | None
    predecessor_id: str | None
    overlapping_cover: list[OverlappingCover] = Field(
        default_factory=list, description="the firm's policies with other insurers, unpaid or in force, that share "
        "days with this quote's term (a warning: binding would insure the same staff twice)")


class PolicyOut(Orm):
    id: str
    number: str
    status: PolicyStatus
    enterprise_id: str
    insurer_id: str
    product_id: str
    quote_id: str
    headcount: int
    limit_per_person_fen: int
    premium_fen: int
    prevention_share: float
    prevention_budget_fen: int
    commission_fen: int
    commission_rate: float = Field(description="the commission rate applied (≤ 0.05 for a compulsory firm)")
    factors: list[PriceFactor]
    start_date: date
    end_date: date
    predecessor_id: str | None
    activated_at: datetime | None
    cancelled_on: date | None
    cancel_reason: str | None
    created_at: datetime


class PolicyChangeOut(Orm):
    id: str
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    changes: dict[str, Any]


class PaymentIn(BaseModel):
    method: PaymentMethod


class BankInstructions(BaseModel):
    payee: str
    bank: str
    account: str
    amount_fen: int
    reference: str
    memo: str = Field(description="what the payer writes in the transfer's memo (附言): the reference")
    note: str


class PaymentOut(BaseModel):
    id: str
    policy_id: str
    purpose: str
    status: str
    method: PaymentMethod
    amount_fen: int
    refunded_fen: int
    client_secret: str | None
    reference: str
    bank_reference: str | None
    bank_instructions: BankInstructions | None
    failure_message: str | None
    created_at: datetime
    confirmed_at: datetime | None


class ConfirmOfflineIn(BaseModel):
    reference: str = Field(min_length=1, max_length=100, description="the bank's reference of the transfer")


class CoverageRow(BaseModel):
    key: str
    label: str
    enterprises: int
    insured: int
    rate: float
    employees: int
    insured_employees: int


class CoverageReport(BaseModel):
    region_code: str
    as_of: date
    group_by: Dimension
    insurer_id: str | None
    total: CoverageRow
    rows: list[CoverageRow]
    source: Literal["live", "snapshot"] = "live"
    generated_at: datetime


class CoveragePoint(BaseModel):
    date: date
    enterprises: int
    insured: int
    rate: float


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
    reason_code: Literal["CLOSED", "STOPPED_OPERATING", "SWITCHED_INSURER", "DUPLICATE", "OTHER"] = "OTHER"


class EndorseIn(BaseModel):
    headcount: int = Field(le=1_000_000)
    effective_date: date


class RefundOut(Orm):
    id: str
    payment_id: str
    amount_fen: int
    status: str
    reason: str
    method: PaymentMethod | None = Field(None, description="how the refunded payment was made: a BANK_TRANSFER "
                                         "refund is sent and confirmed by the insurer, the others by Stripe")
    created_at: datetime
    updated_at: datetime | None = Field(None, description="last change; for a SUCCEEDED refund, when it was sent")


class CancellationQuoteOut(BaseModel):
    """What cancelling today would do; nothing is changed."""

    policy_id: str
    status: str
    cancel_on: date = Field(description="the cancellation day (today, Asia/Shanghai): not covered from then")
    unused_days: int = Field(description="the cancellation day to the last day, both included")
    term_days: int
    premium_fen: int
    unpaid_fen: int = Field(description="endorsement transfers still awaited: abandoned by the cancellation and "
                                        "taken off the refund")
    refund_fen: int = Field(description="premium × unused days / term days, rounded half up once, less unpaid_fen "
                                        "(never below 0)")
    prevention_budget_fen: int
    prevention_budget_kept_fen: int = Field(description="the budget less the same pro rata of it")
    compulsory: bool = Field(description="a compulsory-industry firm may cancel only with CLOSED or "
                                         "STOPPED_OPERATING")
    reason_codes: list[str] = Field(description="the reason codes this policy may be cancelled with")
    open_insurer_funded_bookings: int
    blocked_reason: str | None = Field(description="why no cancellation is possible now, whatever the reason")


class EndorsementQuoteOut(BaseModel):
    """What a headcount endorsement would do; nothing is changed."""

    policy_id: str
    effective_date: date
    remaining_days: int = Field(description="the effective date to the last day, both included")
    term_days: int
    headcount_before: int
    headcount: int
    premium_before_fen: int
    premium_fen: int = Field(description="the premium after the endorsement")
    delta_fen: int = Field(description="premium × (headcount − headcount_before) / headcount_before × "
                                       "remaining_days / term_days, rounded half up once")
    prevention_budget_before_fen: int
    prevention_budget_fen: int = Field(description="the budget that follows the new premium")
    settlement: Literal["TRANSFER", "REFUND", "NONE"] = Field(
        description="TRANSFER: the firm pays delta_fen by bank transfer; REFUND: −delta_fen is refunded")


class ClaimIn(BaseModel):
    accident_date: date
    accident_type: Literal["INJURY", "DEATH", "THIRD_PARTY", "RESCUE", "OTHER"]
    injured: int = Field(ge=0, le=10_000)
    dead: int = Field(ge=0, le=10_000)
    description: str = Field(min_length=1, max_length=4000)
    claimed_fen: int = Field(0, ge=0, le=MAX_FEN)


class AssessIn(BaseModel):
    assessed_fen: int = Field(ge=0, le=MAX_FEN)
    note: str | None = Field(None, max_length=2000)


class DecisionIn(BaseModel):
    decision: Literal["PAY", "DENY"]
    note: str | None = Field(None, max_length=2000)


class ClaimOut(Orm):
    id: str
    number: str
    policy_id: str
    enterprise_id: str
    insurer_id: str
    status: str
    accident_date: date
    accident_type: str
    injured: int
    dead: int
    description: str
    claimed_fen: int
    assessed_fen: int | None
    paid_fen: int | None
    decision_note: str | None
    created_at: datetime


class CoverLapseOut(BaseModel):
    """An operating compulsory firm whose cover ended and was not renewed (2025 Measures: no delaying renewal)."""

    enterprise_id: str
    name: str
    uscc: str
    town_code: str
    principal_name: str
    contact_phone: str
    last_policy_id: str
    last_policy_number: str
    last_covered_day: date
    lapsed_since: date
    days_uncovered: int = Field(description="days from the first uncovered day to today, both included")
    renewal_pending: bool = Field(description="a renewal is bound but its premium is not paid")
