"""Mutations on quotes, policies and payments."""

from __future__ import annotations

from datetime import date

import strawberry

from gateway.common import returns_operation_error
from gateway.context import Info
from gateway.policies.types import (
    CancelReason,
    Payment,
    PaymentMethod,
    PaymentResult,
    Policy,
    PolicyResult,
    Quote,
    QuoteInput,
    QuoteResult,
    Refund,
    RefundResult,
)
from services.kernel.auth import Role


@strawberry.type
class PolicyMutation:
    @strawberry.mutation
    @returns_operation_error
    async def request_quote(self, info: Info, input: QuoteInput) -> QuoteResult:
        info.context.require(Role.ENTERPRISE, Role.INSURER)
        row = await info.context.policy.request_quote({
            "enterprise_id": input.enterprise_id, "product_id": input.product_id, "headcount": input.headcount,
            "limit_per_person_fen": input.limit_per_person_fen, "start_date": input.start_date.isoformat()})
        return Quote.from_api(row)

    @strawberry.mutation(description="Turn a quote into a policy awaiting payment (PENDING_PAYMENT).")
    @returns_operation_error
    async def bind_quote(self, info: Info, quote_id: strawberry.ID) -> PolicyResult:
        info.context.require(Role.ENTERPRISE, Role.INSURER)
        return Policy.from_api(await info.context.policy.bind_quote(str(quote_id)))

    @strawberry.mutation
    @returns_operation_error
    async def start_payment(self, info: Info, policy_id: strawberry.ID, method: PaymentMethod,
                            idempotency_key: str | None = None) -> PaymentResult:
        info.context.require(Role.ENTERPRISE)
        return Payment.from_api(await info.context.policy.start_payment(str(policy_id), method.value,
                                                                        idempotency_key))

    @strawberry.mutation(description="The insurer records a bank transfer it received; the policy turns ACTIVE.")
    @returns_operation_error
    async def confirm_offline_payment(self, info: Info, payment_id: strawberry.ID, reference: str) -> PaymentResult:
        info.context.require(Role.INSURER)
        return Payment.from_api(await info.context.policy.confirm_offline_payment(str(payment_id), reference))

    @strawberry.mutation
    @returns_operation_error
    async def cancel_policy(self, info: Info, policy_id: strawberry.ID, reason: str,
                            reason_code: CancelReason | None = None) -> PolicyResult:
        info.context.require(Role.ENTERPRISE, Role.INSURER)
        return Policy.from_api(await info.context.policy.cancel_policy(
            str(policy_id), reason, reason_code.value if reason_code else None))

    @strawberry.mutation(description="The successor policy for the next term.")
    @returns_operation_error
    async def renew_policy(self, info: Info, policy_id: strawberry.ID) -> PolicyResult:
        info.context.require(Role.ENTERPRISE, Role.INSURER)
        return Policy.from_api(await info.context.policy.renew_policy(str(policy_id)))

    @strawberry.mutation
    @returns_operation_error
    async def endorse_headcount(self, info: Info, policy_id: strawberry.ID, headcount: int,
                                effective_date: date) -> PolicyResult:
        info.context.require(Role.ENTERPRISE, Role.INSURER)
        return Policy.from_api(await info.context.policy.endorse_headcount(str(policy_id), headcount,
                                                                           effective_date.isoformat()))

    @strawberry.mutation(description="The insurer sent a bank-transfer refund to the firm (the bank's reference).")
    @returns_operation_error
    async def confirm_offline_refund(self, info: Info, refund_id: strawberry.ID, reference: str) -> RefundResult:
        info.context.require(Role.INSURER)
        return Refund.from_api(await info.context.policy.confirm_offline_refund(str(refund_id), reference))
