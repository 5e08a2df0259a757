"""DataLoaders built per request: every nested field across services is fetched in one batch call per
kind of row and level of the query, whatever the length of the list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.dataloader import DataLoader

from gateway.clients.bookings import BookingsClient
from gateway.clients.policy import PolicyClient
from gateway.clients.providers import ProvidersClient

Row = dict[str, Any]


def _by_id(fetch: Callable[[list[str]], Awaitable[list[Row]]], key: str = "id") -> DataLoader[str, Row | None]:
    """A loader of single rows: one call for all the keys; keys the caller may not see give ``None``."""

    async def load(keys: list[str]) -> list[Row | None]:
        rows = {row[key]: row for row in await fetch(keys)}
        return [rows.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _grouped(fetch: Callable[[list[str]], Awaitable[list[Row]]], key: str) -> DataLoader[str, list[Row]]:
    """A loader of the rows that point at each key (a policy's bookings, a booking's hazards)."""

    async def load(keys: list[str]) -> list[list[Row]]:
        groups: dict[str, list[Row]] = {k: [] for k in keys}
        for row in await fetch(keys):
            groups.setdefault(row.get(key) or "", []).append(row)
        return [groups[k] for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """The request's loaders; they cache, so the same row is fetched once per request."""

    def __init__(self, policy: PolicyClient, providers: ProvidersClient, bookings: BookingsClient) -> None:
        self.enterprise = _by_id(policy.enterprises_by_ids)
        self.insurer = _by_id(policy.insurers_by_ids)
        self.product = _by_id(policy.products_by_ids)
        self.policy = _by_id(policy.policies_by_ids)
        self.ledger = _by_id(bookings.ledgers, key="policy_id")
        self.agency = _by_id(providers.agencies_by_ids)
        self.qualifications_of_agency = _grouped(providers.qualifications_of_agencies, "agency_id")
        self.offering = _by_id(providers.offerings_by_ids)
        self.expert = _by_id(providers.experts_by_ids)
        self.booking = _by_id(bookings.bookings_by_ids)
        self.hazards_of_booking = _grouped(bookings.hazards_of_bookings, "booking_id")

        self.policies_of_enterprise = _grouped(policy.policies_of_enterprises, "enterprise_id")
        self.bookings_of_policy = _grouped(bookings.bookings_of_policies, "policy_id")
        self.offerings_of_agency = _grouped(providers.offerings_of_agencies, "agency_id")
        self.experts_of_agency = _grouped(providers.experts_of_agencies, "agency_id")
        self.payments_of_policy = _grouped(policy.payments_of_policies, "policy_id")
