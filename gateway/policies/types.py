"""GraphQL types of insurers, products, quotes, policies and payments (served by the policy service)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.common import (
    Long,
    OperationError,
    enum_value,
    maybe_date,
    returns_operation_error,
    to_date,
    to_datetime,
)
from gateway.context import Info
from gateway.documents import certificate_path
from services.kernel.errors import Forbidden

if TYPE_CHECKING:
    from gateway.bookings.types import Booking
    from gateway.enterprises.types import Enterprise


@strawberry.enum
class PolicyStatus(enum.Enum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


@strawberry.enum
class PaymentMethod(enum.Enum):
    CARD = "CARD"
    ALIPAY = "ALIPAY"
    WECHAT_PAY = "WECHAT_PAY"
    BANK_TRANSFER = "BANK_TRANSFER"


@strawberry.enum
class PaymentStatus(enum.Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"


@strawberry.enum
class CancelReason(enum.Enum):
    CLOSED = "CLOSED"
    STOPPED_OPERATING = "STOPPED_OPERATING"
    SWITCHED_INSURER = "SWITCHED_INSURER"
    DUPLICATE = "DUPLICATE"
    OTHER = "OTHER"


@strawberry.enum
class RefundStatus(enum.Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@strawberry.enum
class RefundReason(enum.Enum):
    CANCELLATION = "CANCELLATION"
    ENDORSEMENT = "ENDORSEMENT"


@strawberry.enum
class PaymentPurpose(enum.Enum):
    PREMIUM = "PREMIUM"
    ENDORSEMENT = "ENDORSEMENT"


@strawberry.type(description="Money going back to the firm. A refund of a BANK_TRANSFER payment is sent by the "
                 "insurer, who confirms it (confirmOfflineRefund); one of a Stripe payment is sent by Stripe.")
class Refund:
    id: strawberry.ID
    payment_id: strawberry.ID
    amount_fen: Long
    status: RefundStatus
    reason: RefundReason
    method: PaymentMethod | None
    created_at: datetime
    updated_at: datetime | None = strawberry.field(default=None,
                                                   description="last change; for a SUCCEEDED refund, when it was sent")

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Refund:
        return cls(id=strawberry.ID(row["id"]), payment_id=strawberry.ID(row["payment_id"]),
                   amount_fen=row.get("amount_fen", 0),
                   status=enum_value(RefundStatus, row.get("status"), RefundStatus.PENDING),
                   reason=enum_value(RefundReason, row.get("reason"), RefundReason.CANCELLATION),
                   method=enum_value(PaymentMethod, row.get("method")),
                   created_at=to_datetime(row["created_at"]),
                   updated_at=to_datetime(row["updated_at"]) if row.get("updated_at") else None)


@strawberry.type(description="What cancelling the policy today would do, computed by the policy service with the "
                 "cancellation's own rule; nothing is changed.")
class CancellationQuote:
    cancel_on: date = strawberry.field(description="today (Asia/Shanghai): the policy covers nothing from then")
    unused_days: int = strawberry.field(description="the cancellation day to the last day, both included")
    term_days: int
    premium_fen: Long
    unpaid_fen: Long = strawberry.field(description="endorsement transfers still awaited: the cancellation abandons "
                                        "them and takes them off the refund")
    refund_fen: Long = strawberry.field(description="premium × unused days / term days, rounded half up once, less "
                                        "unpaidFen (never below 0)")
    prevention_budget_fen: Long
    prevention_budget_kept_fen: Long = strawberry.field(description="the budget less the same pro rata of it")
    compulsory: bool = strawberry.field(description="a compulsory-industry firm: only CLOSED or STOPPED_OPERATING")
    reason_codes: list[CancelReason] = strawberry.field(description="the reasons this policy may be cancelled for")
    open_insurer_funded_bookings: int
    blocked_reason: str | None = strawberry.field(description="why it cannot be cancelled now, whatever the reason")

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> CancellationQuote:
        return cls(cancel_on=to_date(row["cancel_on"]), unused_days=int(row["unused_days"]),
                   term_days=int(row["term_days"]), premium_fen=row["premium_fen"],
                   unpaid_fen=row.get("unpaid_fen", 0), refund_fen=row["refund_fen"],
                   prevention_budget_fen=row["prevention_budget_fen"],
                   prevention_budget_kept_fen=row["prevention_budget_kept_fen"], compulsory=bool(row["compulsory"]),
                   reason_codes=[r for c in row.get("reason_codes") or [] if (r := enum_value(CancelReason, c))],
                   open_insurer_funded_bookings=int(row.get("open_insurer_funded_bookings") or 0),
                   blocked_reason=row.get("blocked_reason"))


@strawberry.enum(description="How an endorsement's premium difference is settled.")
class EndorsementSettlement(enum.Enum):
    TRANSFER = "TRANSFER"
    REFUND = "REFUND"
    NONE = "NONE"


@strawberry.type(description="What a new headcount from a date would do, computed by the policy service with the "
                 "endorsement's own rule and refused for the same reasons; nothing is changed.")
class EndorsementQuote:
    effective_date: date
    remaining_days: int = strawberry.field(description="the effective date to the last day, both included")
    term_days: int
    headcount_before: int
    headcount: int
    premium_before_fen: Long
    premium_fen: Long = strawberry.field(description="the premium after the endorsement")
    delta_fen: Long = strawberry.field(description="premium × (headcount − headcountBefore) / headcountBefore × "
                                       "remainingDays / termDays, rounded half up once")
    prevention_budget_before_fen: Long
    prevention_budget_fen: Long = strawberry.field(description="the budget that follows the new premium once "
                                                   "its difference is received (the budget follows money "
                                                   "collected; a transfer still awaited does not raise it)")
    settlement: EndorsementSettlement = strawberry.field(
        description="TRANSFER: the firm pays deltaFen by bank transfer; REFUND: −deltaFen is refunded to it")

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> EndorsementQuote:
        return cls(effective_date=to_date(row["effective_date"]), remaining_days=int(row["remaining_days"]),
                   term_days=int(row["term_days"]), headcount_before=int(row["headcount_before"]),
                   headcount=int(row["headcount"]), premium_before_fen=row["premium_before_fen"],
                   premium_fen=row["premium_fen"], delta_fen=row["delta_fen"],
                   prevention_budget_before_fen=row["prevention_budget_before_fen"],
                   prevention_budget_fen=row["prevention_budget_fen"],
                   settlement=enum_value(EndorsementSettlement, row.get("settlement"), EndorsementSettlement.NONE))


EndorsementQuoteResult = Annotated[EndorsementQuote | OperationError, strawberry.union("EndorsementQuoteResult")]


@strawberry.type
class Insurer:
    id: strawberry.ID
    name: str

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Insurer:
        return cls(id=strawberry.ID(row["id"]), name=row["name"])


async def _insurer(info: Info, insurer_id: str) -> Insurer:
    row = await info.context.loaders.insurer.load(insurer_id)
    return Insurer.from_api(row) if row else Insurer(id=strawberry.ID(insurer_id), name="")


@strawberry.type
class Product:
    id: strawberry.ID
    name: str
    term_months: int
    limit_options_fen: list[Long]
    prevention_share: float
    insurer_id: strawberry.Private[str]
    commission_rate: float = strawberry.field(default=0.0, description="the commission rate the product states")
    industry_scope: str = strawberry.field(default="MIXED", description="COMPULSORY (the 8 compulsory industries: "
                                           "commission at most 5%) or MIXED (the cap applied per compulsory firm)")

    @strawberry.field
    async def insurer(self, info: Info) -> Insurer:
        return await _insurer(info, self.insurer_id)

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Product:
        return cls(id=strawberry.ID(row["id"]), name=row["name"], term_months=int(row.get("term_months") or 12),
                   limit_options_fen=list(row.get("limit_options_fen") or []),
                   prevention_share=float(row.get("prevention_share") or 0), insurer_id=row["insurer_id"],
                   commission_rate=float(row.get("commission_rate") or 0),
                   industry_scope=row.get("industry_scope") or "MIXED")


@strawberry.type
class PriceFactor:
    name: str
    label: str
    value: float


@strawberry.type(description="A policy of the firm with another insurer that shares days with a quote's term.")
class OverlappingCover:
    policy_number: str
    status: PolicyStatus
    start_date: date
    end_date: date
    insurer_id: strawberry.Private[str]

    @strawberry.field
    async def insurer(self, info: Info) -> Insurer:
        return await _insurer(info, self.insurer_id)


@strawberry.type
class Quote:
    id: strawberry.ID
    premium_fen: Long
    prevention_budget_fen: Long
    valid_until: date
    factors: list[PriceFactor]
    headcount: int
    limit_per_person_fen: Long
    start_date: date
    commission_rate: float = strawberry.field(default=0.0, description="the commission rate applied to this firm "
                                              "(at most 0.05 for a firm in a compulsory industry)")
    commission_fen: Long = strawberry.field(default=Long(0), description="the commission at that rate")
    overlapping_cover: list[OverlappingCover] = strawberry.field(
        default_factory=list, description="a warning, not a refusal: the firm's policies with other insurers "
        "(unpaid or in force) for some of the same days; the same insurer refuses with COVER_OVERLAPS")

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Quote:
        return cls(id=strawberry.ID(row["id"]), premium_fen=row["premium_fen"],
                   prevention_budget_fen=row["prevention_budget_fen"], valid_until=to_date(row["valid_until"]),
                   factors=[PriceFactor(name=f["name"], label=f.get("label", f["name"]), value=float(f["value"]))
                            for f in row.get("factors") or []],
                   headcount=int(row.get("headcount") or 0), limit_per_person_fen=row.get("limit_per_person_fen", 0),
                   start_date=to_date(row["start_date"]), commission_rate=float(row.get("commission_rate") or 0),
                   commission_fen=Long(int(row.get("commission_fen") or 0)),
                   overlapping_cover=[OverlappingCover(
                       policy_number=o["number"], status=enum_value(PolicyStatus, o["status"]),
                       start_date=to_date(o["start_date"]), end_date=to_date(o["end_date"]),
                       insurer_id=o["insurer_id"]) for o in row.get("overlapping_cover") or []])


@strawberry.type
class Policy:
    id: strawberry.ID
    number: str
    status: PolicyStatus
    headcount: int
    limit_per_person_fen: Long
    premium_fen: Long
    prevention_budget_fen: Long
    start_date: date
    end_date: date
    cancelled_on: date | None = None
    activated_at: datetime | None = strawberry.field(default=None, description="when payment made it ACTIVE")
    cancel_reason: str | None = None
    predecessor: strawberry.ID | None = strawberry.field(default=None, description="the policy this one renews")
    commission_rate: float = strawberry.field(default=0.0, description="the commission rate applied (at most 0.05 "
                                              "for a firm in a compulsory industry)")
    commission_fen: Long = strawberry.field(default=Long(0), description="the commission paid to intermediaries")
    enterprise_id: strawberry.Private[str]
    insurer_id: strawberry.Private[str]
    product_id: strawberry.Private[str]

    @strawberry.field
    async def enterprise(self, info: Info) -> Annotated[Enterprise, strawberry.lazy("gateway.enterprises.types")]:
        from gateway.enterprises.types import Enterprise

        row = await info.context.loaders.enterprise.load(self.enterprise_id)
        if row is None:
            raise Forbidden("the policy's firm is not visible to you")
        return Enterprise.from_api(row)

    @strawberry.field
    async def insurer(self, info: Info) -> Insurer:
        return await _insurer(info, self.insurer_id)

    @strawberry.field
    async def product(self, info: Info) -> Product:
        row = await info.context.loaders.product.load(self.product_id)
        if row is None:
            raise Forbidden("the policy's product is not visible to you")
        return Product.from_api(row)

    @strawberry.field(description="Spent from the prevention budget (the bookings service's ledger); null "
                      "when that service does not answer.")
    async def prevention_spent_fen(self, info: Info) -> Long | None:
        row = await info.context.loaders.ledger.load(str(self.id))
        return Long(int(row.get("spent_fen", 0)) if row else 0)

    @strawberry.field(description="What remains of the prevention budget (budget less reserved and spent).")
    async def prevention_available_fen(self, info: Info) -> Long | None:
        row = await info.context.loaders.ledger.load(str(self.id))
        return Long(int(row.get("available_fen", 0)) if row else 0)

    @strawberry.field(description="Where the policy certificate (保险凭证, PDF) downloads with the same Bearer token "
                      "(`GET /reports/policies/{id}/certificate.pdf` on the gateway); null while the policy is "
                      "awaiting payment or when it was cancelled before it took effect.")
    def certificate_url(self) -> str | None:
        if self.status is PolicyStatus.PENDING_PAYMENT or self.activated_at is None:
            return None
        return certificate_path(str(self.id))

    @strawberry.field(description="Payments of the premium (and of endorsements), oldest first.")
    async def payments(self, info: Info) -> list[Payment]:
        rows = await info.context.loaders.payments_of_policy.load(str(self.id))
        return [Payment.from_api(row) for row in rows]

    @strawberry.field(description="Refunds of this policy's payments (cancellation, a lower headcount), oldest "
                      "first. One policy-service call per policy: ask it of one policy.")
    async def refunds(self, info: Info) -> list[Refund]:
        return [Refund.from_api(row) for row in await info.context.policy.refunds_of_policy(str(self.id))]

    @strawberry.field(description="What cancelling today would refund and what would stop it (the firm and its "
                      "insurer); one policy-service call per policy.")
    async def cancellation_quote(self, info: Info) -> CancellationQuote:
        return CancellationQuote.from_api(await info.context.policy.cancellation_quote(str(self.id)))

    @strawberry.field(description="What this headcount from this date would change (premium, prevention budget, "
                      "the difference to transfer or refund), for the firm and its insurer; the endorsement's "
                      "refusals (VALIDATION at headcount or effectiveDate, INVALID_STATE) come back as an "
                      "OperationError. One policy-service call per policy.")
    @returns_operation_error
    async def endorsement_quote(self, info: Info, headcount: int, effective_date: date) -> EndorsementQuoteResult:
        return EndorsementQuote.from_api(await info.context.policy.endorsement_quote(
            str(self.id), headcount, effective_date.isoformat()))

    @strawberry.field(description="Visits booked on this policy; null when the bookings service does not answer.")
    async def bookings(self, info: Info) -> list[Annotated[Booking, strawberry.lazy("gateway.bookings.types")]] | None:
        from gateway.bookings.types import Booking

        rows = await info.context.loaders.bookings_of_policy.load(str(self.id))
        return [Booking.from_api(row) for row in rows]

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Policy:
        return cls(id=strawberry.ID(row["id"]), number=row.get("number") or "",
                   status=enum_value(PolicyStatus, row.get("status"), PolicyStatus.PENDING_PAYMENT),
                   headcount=int(row.get("headcount") or 0), limit_per_person_fen=row.get("limit_per_person_fen", 0),
                   premium_fen=row.get("premium_fen", 0), prevention_budget_fen=row.get("prevention_budget_fen", 0),
                   start_date=to_date(row["start_date"]), end_date=to_date(row["end_date"]),
                   cancelled_on=maybe_date(row.get("cancelled_on")),
                   activated_at=to_datetime(row["activated_at"]) if row.get("activated_at") else None,
                   cancel_reason=row.get("cancel_reason"), predecessor=row.get("predecessor_id"),
                   commission_rate=float(row.get("commission_rate") or 0),
                   commission_fen=Long(int(row.get("commission_fen") or 0)), enterprise_id=row["enterprise_id"],
                   insurer_id=row["insurer_id"], product_id=row["product_id"])


@strawberry.type
class BankInstructions:
    payee: str
    bank: str
    account: str
    memo: str


@strawberry.type
class Payment:
    id: strawberry.ID
    status: PaymentStatus
    method: PaymentMethod
    amount_fen: Long
    client_secret: str | None = None
    reference: str | None = None
    bank_instructions: BankInstructions | None = None
    policy_id: strawberry.ID | None = None
    purpose: PaymentPurpose | None = strawberry.field(default=None, description="the premium, or the difference "
                                                      "of a headcount endorsement")

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Payment:
        bank = row.get("bank_instructions")
        return cls(id=strawberry.ID(row["id"]),
                   status=enum_value(PaymentStatus, row.get("status"), PaymentStatus.PENDING),
                   method=enum_value(PaymentMethod, row.get("method"), PaymentMethod.BANK_TRANSFER),
                   amount_fen=row.get("amount_fen", 0), client_secret=row.get("client_secret"),
                   reference=row.get("reference"), policy_id=row.get("policy_id"),
                   purpose=enum_value(PaymentPurpose, row.get("purpose")),
                   bank_instructions=BankInstructions(payee=str(bank.get("payee", "")), bank=str(bank.get("bank", "")),
                                                      account=str(bank.get("account", "")),
                                                      memo=str(bank.get("memo", bank.get("reference", ""))))
                   if isinstance(bank, dict) else None)


@strawberry.input
class PolicyFilter:
    status: PolicyStatus | None = None
    enterprise_id: strawberry.ID | None = None
    insurer_id: strawberry.ID | None = None
    ending_within_days: int | None = None


@strawberry.input
class QuoteInput:
    enterprise_id: strawberry.ID
    product_id: strawberry.ID
    headcount: int
    limit_per_person_fen: Long
    start_date: date


QuoteResult = Annotated[Quote | OperationError, strawberry.union("QuoteResult")]
PolicyResult = Annotated[Policy | OperationError, strawberry.union("PolicyResult")]
PaymentResult = Annotated[Payment | OperationError, strawberry.union("PaymentResult")]
RefundResult = Annotated[Refund | OperationError, strawberry.union("RefundResult")]
