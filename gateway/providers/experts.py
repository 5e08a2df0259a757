"""An agency's experts: reading them, adding one with its certificates, changing or deactivating one, adding a
certificate (providers service), and the expert's weekly hours and time off (bookings service)."""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise
from typing import Any

import strawberry

from gateway.common import Connection, connection, page_params, returns_operation_error, unless_missing
from gateway.context import Info
from gateway.providers.types import (
    CertificateInput,
    Expert,
    ExpertCertificate,
    ExpertCertificateResult,
    ExpertInput,
    ExpertResult,
    ExpertTimeOff,
    ExpertTimeOffResult,
    ExpertUpdateInput,
    TimeOffInput,
    WorkingHoursInput,
)
from services.kernel import clock
from services.kernel.auth import Role
from services.kernel.clock import SHANGHAI
from services.kernel.errors import NotFound, ValidationProblem

_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _expert_id(value: strawberry.ID) -> str:
    """Ids go into the services' URL paths: anything but an id's shape is simply not found."""
    if not _ID.match(str(value)):
        raise NotFound(f"no expert {value!r}", field="expertId")
    return str(value)


def _certificate_body(c: CertificateInput, field: str) -> dict[str, Any]:
    # checked here so that the error names the end date (the service's own check names the whole body)
    if c.valid_until < c.valid_from:
        raise ValidationProblem("a certificate cannot end before it starts", field=f"{field}validUntil")
    if not c.service_types:
        raise ValidationProblem("name at least one service type the certificate covers",
                                field=f"{field}serviceTypes")
    return {"name": c.name, "number": c.number, "scope": [t.value for t in c.service_types],
            "valid_from": c.valid_from.isoformat(), "valid_until": c.valid_until.isoformat()}


def _hours_body(hours: list[WorkingHoursInput]) -> list[dict[str, Any]]:
    for index, h in enumerate(hours):
        if not 0 <= h.weekday <= 6:
            raise ValidationProblem("a weekday is 0 (Monday) to 6 (Sunday)", field=f"hours.{index}.weekday")
        if h.ends <= h.starts:
            raise ValidationProblem("a span ends after it starts", field=f"hours.{index}.ends")
    order = sorted(range(len(hours)), key=lambda i: (hours[i].weekday, hours[i].starts))
    for before, after in pairwise(order):
        if hours[before].weekday == hours[after].weekday and hours[after].starts < hours[before].ends:
            raise ValidationProblem("two spans of the same day overlap", field=f"hours.{after}.starts")
    return [{"weekday": h.weekday, "starts": h.starts.isoformat(), "ends": h.ends.isoformat()} for h in hours]


def _local(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)).isoformat()


@strawberry.type
class ExpertsQuery:
    @strawberry.field(description="One expert with their certificates; null when there is none. Logged in.")
    async def expert(self, info: Info, id: strawberry.ID) -> Expert | None:
        info.context.require()
        if not _ID.match(str(id)):
            return None
        row = await unless_missing(info.context.providers.expert(str(id)))
        return Expert.from_api(row) if row else None

    @strawberry.field(description="An agency's active experts, paged; `includeInactive` adds those marked gone "
                      "(for the agency itself, the bureau and admin). Logged in.")
    async def experts(self, info: Info, agency_id: strawberry.ID, include_inactive: bool = False,
                      first: int | None = 50, after: str | None = None) -> Connection[Expert]:
        info.context.require()
        body = await info.context.providers.experts({**page_params(first, after), "agency_id": str(agency_id),
                                                     "include_inactive": include_inactive})
        return connection(body, Expert.from_api)


@strawberry.type
class ExpertsMutation:
    @strawberry.mutation(description="The agency adds an expert, with certificates if given (its own agency "
                         "only). Their login is made next with `createAccount(role: EXPERT, expertId:)`.")
    @returns_operation_error
    async def add_expert(self, info: Info, agency_id: strawberry.ID, input: ExpertInput,
                         idempotency_key: str | None = None) -> ExpertResult:
        info.context.require(Role.AGENCY)
        body = {"name": input.name, "phone": input.phone or None, "specialties": input.specialties or [],
                "town_codes": input.town_codes or [],
                "certificates": [_certificate_body(c, f"certificates.{i}.")
                                 for i, c in enumerate(input.certificates or [])]}
        if not _ID.match(str(agency_id)):
            raise NotFound(f"no agency {agency_id!r}", field="agencyId")
        return Expert.from_api(await info.context.providers.add_expert(str(agency_id), body, idempotency_key))

    @strawberry.mutation(description="The agency changes an expert's name, phone, specialties or towns, or marks "
                         "them gone (`active: false`) or back.")
    @returns_operation_error
    async def update_expert(self, info: Info, expert_id: strawberry.ID, input: ExpertUpdateInput) -> ExpertResult:
        info.context.require(Role.AGENCY)
        change = {key: value for key, value in {
            "name": input.name, "phone": input.phone, "specialties": input.specialties,
            "town_codes": input.town_codes, "active": input.active}.items() if value is not None}
        if not change:
            raise ValidationProblem("say what changes", field="input")
        return Expert.from_api(await info.context.providers.update_expert(_expert_id(expert_id), change))

    @strawberry.mutation(description="The agency adds a certificate to one of its experts.")
    @returns_operation_error
    async def add_expert_certificate(self, info: Info, expert_id: strawberry.ID,
                                     input: CertificateInput) -> ExpertCertificateResult:
        info.context.require(Role.AGENCY)
        row = await info.context.providers.add_expert_certificate(_expert_id(expert_id),
                                                                  _certificate_body(input, ""))
        return ExpertCertificate.from_api(row, clock.today())

    @strawberry.mutation(description="Replace the expert's weekly hours (local time); an empty list restores the "
                         "default hours. The expert or their agency.")
    @returns_operation_error
    async def set_expert_hours(self, info: Info, expert_id: strawberry.ID,
                               hours: list[WorkingHoursInput]) -> ExpertResult:
        info.context.require(Role.AGENCY, Role.EXPERT)
        await info.context.bookings.set_expert_hours(_expert_id(expert_id), _hours_body(hours))
        return Expert.from_api(await info.context.providers.expert(str(expert_id)))

    @strawberry.mutation(description="A day off or a blocked period of the expert (times without an offset are "
                         "Asia/Shanghai); visits already booked in it stay. The expert or their agency.")
    @returns_operation_error
    async def add_expert_time_off(self, info: Info, expert_id: strawberry.ID,
                                  input: TimeOffInput) -> ExpertTimeOffResult:
        info.context.require(Role.AGENCY, Role.EXPERT)
        if input.ends_at.replace(tzinfo=input.ends_at.tzinfo or SHANGHAI) <= \
                input.starts_at.replace(tzinfo=input.starts_at.tzinfo or SHANGHAI):
            raise ValidationProblem("the time off ends after it starts", field="endsAt")
        if input.reason is not None and len(input.reason) > 200:
            raise ValidationProblem("a reason has at most 200 characters", field="reason")
        row = await info.context.bookings.add_expert_time_off(_expert_id(expert_id), {
            "starts_at": _local(input.starts_at), "ends_at": _local(input.ends_at), "reason": input.reason or None})
        return ExpertTimeOff.from_api(row)
