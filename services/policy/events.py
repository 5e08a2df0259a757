"""Events the policy service publishes (payload version 1) and the payloads built for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Event, record_event
from services.policy.models import Enterprise, Outbox, Policy

ENTERPRISE_REGISTERED = "policy.enterprise.registered"
ENTERPRISE_UPDATED = "policy.enterprise.updated"
POLICY_ACTIVATED = "policy.policy.activated"
POLICY_RENEWED = "policy.policy.renewed"
POLICY_ENDORSED = "policy.policy.endorsed"
POLICY_BUDGET_CHANGED = "policy.policy.budget_changed"  # the budget followed premium received
POLICY_CANCELLED = "policy.policy.cancelled"
POLICY_EXPIRED = "policy.policy.expired"
CLAIM_SETTLED = "policy.claim.settled"


def publish(session: AsyncSession, name: str, payload: dict[str, Any]) -> None:
    record_event(session, Outbox, name, payload)


ENTERPRISE_FIELDS = ("uscc", "name", "town_code", "village_code", "park_name", "size_class", "risk_color",
                     "principal_name", "contact_phone", "employees", "high_risk_tags", "operating_status")


def enterprise_payload(e: Enterprise) -> dict[str, Any]:
    payload: dict[str, Any] = {"enterprise_id": e.id, **{k: getattr(e, k) for k in ENTERPRISE_FIELDS}}
    payload["high_risk_tags"] = list(e.high_risk_tags or [])
    return payload


def policy_payload(p: Policy, e: Enterprise) -> dict[str, Any]:
    payload = {"policy_id": p.id, "number": p.number, "enterprise_id": p.enterprise_id,
               "insurer_id": p.insurer_id, "product_id": p.product_id, "town_code": e.town_code,
               "headcount": p.headcount, "premium_fen": p.premium_fen,
               "prevention_budget_fen": p.prevention_budget_fen, "start_date": p.start_date.isoformat(),
               "end_date": p.end_date.isoformat(), "risk_color": e.risk_color}
    if p.predecessor_id:
        payload["predecessor_id"] = p.predecessor_id
    return payload


_FACTS = {POLICY_ACTIVATED: "policy_activated", POLICY_CANCELLED: "policy_cancelled",
          POLICY_EXPIRED: "policy_expired", CLAIM_SETTLED: "claim_settled",
          ENTERPRISE_REGISTERED: "enterprise_registered"}


def business_facts(event: Event) -> list[str]:
    """The business facts an event stands for, counted in ``anze_business_events_total``."""
    fact = _FACTS.get(event.name)
    return [fact] if fact else []
