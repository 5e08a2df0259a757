"""HTTP routes of the bookings service for hazards, ledgers, plans, availability, photos, the archive
and prevention metrics (``/v1/...``)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import archive, firm_file, hazards, ledger, metrics, plans, repository, thumbnails
from services.bookings.api import ANY, Ctx, Paging, Session, split_ids
from services.bookings.context import BookingContext
from services.bookings.models import Hazard, Photo, PolicyLedger, ServicePlan, TimeOff, WorkingHours
from services.bookings.schemas import HazardOut, LedgerEntryOut, LedgerOut, RectificationIn, VerificationIn
from services.kernel.auth import CurrentPrincipal, Principal, Role, allow
from services.kernel.errors import Forbidden, NotFound, ProblemError, ValidationProblem
from services.kernel.ids import new_id
from services.kernel.paging import Page, paginate

router = APIRouter(prefix="/v1")
log = logging.getLogger("anze.bookings.photos")


# ---------------------------------------------------------------- hazards


@router.get("/hazards", dependencies=[ANY], response_model=Page[HazardOut], tags=["hazards"])
async def list_hazards(session: Session, principal: CurrentPrincipal, paging: Paging, ids: str | None = None,
                       booking_ids: str | None = None, status: str | None = None, grade: str | None = None,
                       enterprise_id: str | None = None, agency_id: str | None = None,
                       policy_id: str | None = None) -> Page[HazardOut]:
    stmt = repository.hazards_query(principal, ids=split_ids(ids), booking_ids=split_ids(booking_ids, "booking_ids"),
                                    status=status, grade=grade, enterprise_id=enterprise_id, agency_id=agency_id,
                                    policy_id=policy_id)
    rows, cursor, total = await paginate(session, stmt, Hazard.id, paging, descending=True)
    return Page(items=[HazardOut.model_validate(r) for r in rows], next_cursor=cursor, total=total)


@router.get("/hazards/{hazard_id}", dependencies=[ANY], response_model=HazardOut, tags=["hazards"])
async def get_hazard(session: Session, principal: CurrentPrincipal, hazard_id: str) -> HazardOut:
    return HazardOut.model_validate(await hazards.get_visible(session=session, principal=principal,
                                                              hazard_id=hazard_id))


@router.get("/hazards/{hazard_id}/history", dependencies=[ANY], tags=["hazards"])
async def hazard_history(session: Session, principal: CurrentPrincipal, hazard_id: str) -> list[dict[str, Any]]:
    await hazards.get_visible(session=session, principal=principal, hazard_id=hazard_id)
    return [{"id": a.id, "kind": a.kind, "actor": a.actor, "description": a.description, "photo_ids": a.photo_ids,
             "created_at": a.created_at} for a in await repository.hazard_actions(session, hazard_id)]


@router.post("/hazards/{hazard_id}/rectifications", dependencies=[allow(Role.ENTERPRISE)], response_model=HazardOut,
             tags=["hazards"])
async def rectify(ctx: Ctx, session: Session, principal: CurrentPrincipal, hazard_id: str,
                  body: RectificationIn) -> HazardOut:
    return HazardOut.model_validate(await hazards.submit_rectification(
        ctx=ctx, session=session, principal=principal, hazard_id=hazard_id, data=body))


@router.post("/hazards/{hazard_id}/verification", dependencies=[allow(Role.EXPERT)], response_model=HazardOut,
             tags=["hazards"])
async def verify(ctx: Ctx, session: Session, principal: CurrentPrincipal, hazard_id: str,
                 body: VerificationIn) -> HazardOut:
    return HazardOut.model_validate(await hazards.verify(ctx=ctx, session=session, principal=principal,
                                                         hazard_id=hazard_id, data=body))


# ---------------------------------------------------------------- ledgers and plans


def _ledger_out(row: PolicyLedger) -> LedgerOut:
    return LedgerOut(policy_id=row.policy_id, enterprise_id=row.enterprise_id, insurer_id=row.insurer_id,
                     status=row.status, budget_fen=row.budget_fen, reserved_fen=row.reserved_fen,
                     spent_fen=row.spent_fen, available_fen=ledger.available(row))


@router.get("/ledgers", dependencies=[allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)],
            response_model=Page[LedgerOut], tags=["ledger"])
async def list_ledgers(session: Session, principal: CurrentPrincipal, paging: Paging,
                       policy_ids: str | None = None, enterprise_id: str | None = None,
                       insurer_id: str | None = None) -> Page[LedgerOut]:
    """Prevention budget, reserved, spent and available per policy: a firm sees its own, an insurer its book."""
    stmt = repository.ledger_page_query(principal, enterprise_id=enterprise_id, insurer_id=insurer_id)
    if ids := split_ids(policy_ids, "policy_ids"):
        stmt = stmt.where(PolicyLedger.policy_id.in_(ids))
    rows, cursor, total = await paginate(session, stmt, PolicyLedger.policy_id, paging)
    return Page(items=[_ledger_out(r) for r in rows], next_cursor=cursor, total=total)


@router.get("/ledgers/totals", dependencies=[allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)], tags=["ledger"])
async def ledger_totals(session: Session, principal: CurrentPrincipal, enterprise_id: str | None = None,
                        insurer_id: str | None = None) -> dict[str, int]:
    """Sums over the ledgers ``/ledgers`` lists with the same filters: a firm's, an insurer's book, a region."""
    count, budget, reserved, spent = await repository.ledger_totals(session, principal, enterprise_id=enterprise_id,
                                                                    insurer_id=insurer_id)
    return {"policies": int(count), "budget_fen": int(budget), "reserved_fen": int(reserved), "spent_fen": int(spent),
            "available_fen": int(budget) - int(reserved) - int(spent)}


async def _visible_ledger(session: Any, principal: Principal, policy_id: str) -> PolicyLedger:
    row = await repository.get_ledger(session, policy_id)
    if row is None:
        raise NotFound(f"no prevention ledger for policy {policy_id}")
    if not await repository.list_ledgers(session, principal, [policy_id]):
        raise Forbidden("this ledger belongs to another organisation")
    return row


@router.get("/ledgers/{policy_id}/entries", dependencies=[allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)],
            response_model=list[LedgerEntryOut], tags=["ledger"])
async def ledger_lines(session: Session, principal: CurrentPrincipal, policy_id: str) -> list[LedgerEntryOut]:
    """The ledger line by line (事故预防服务费用台账): budget, reservations, spend, releases, adjustments."""
    await _visible_ledger(session, principal, policy_id)
    return [LedgerEntryOut.model_validate(e) for e in await repository.ledger_entries(session, policy_id)]


@router.get("/policies/{policy_id}/prevention", dependencies=[allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)],
            tags=["ledger"])
async def policy_prevention(session: Session, principal: CurrentPrincipal, policy_id: str) -> dict[str, Any]:
    """Per policy: visits planned (the plan) and done, budget and spend, hazards found, open, overdue, closed."""
    row = await _visible_ledger(session, principal, policy_id)
    plan = await session.get(ServicePlan, policy_id)
    return {**_ledger_out(row).model_dump(), "visits_planned_per_year": plan.visits_per_year if plan else None,
            **await metrics.policy_summary(session, policy_id)}


class PlanChange(BaseModel):
    items: list[str] | None = Field(None, max_length=50)
    service_types: list[str] | None = Field(None, max_length=10)
    visits_per_year: int | None = Field(None, ge=0, le=52)
    agency_id: str | None = Field(None, max_length=40)
    targets: str | None = Field(None, max_length=2000)
    measures: str | None = Field(None, max_length=4000)
    staff: str | None = Field(None, max_length=2000)
    guarantees: str | None = Field(None, max_length=4000)


class PlanAgreement(BaseModel):
    accept: bool


def _plan_out(plan: Any) -> dict[str, Any]:
    return {k: getattr(plan, k) for k in ("policy_id", "enterprise_id", "insurer_id", "risk_color", "items",
                                          "service_types", "visits_per_year", "agency_id", "targets", "measures",
                                          "staff", "guarantees", "status",
                                          "proposed", "updated_at")}


@router.get("/plans/{policy_id}", dependencies=[allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)], tags=["plans"])
async def get_plan(session: Session, principal: CurrentPrincipal, policy_id: str) -> dict[str, Any]:
    return _plan_out(await plans.get_plan(session, principal, policy_id))


@router.post("/plans/{policy_id}/proposals", dependencies=[allow(Role.INSURER)], tags=["plans"])
async def propose_plan(ctx: Ctx, session: Session, principal: CurrentPrincipal, policy_id: str,
                       body: PlanChange) -> dict[str, Any]:
    change = body.model_dump(exclude_none=True)
    if not change:
        raise ValidationProblem("say what changes", field="body")
    return _plan_out(await plans.propose(session, principal, policy_id, change, ctx.now()))


@router.post("/plans/{policy_id}/agreement", dependencies=[allow(Role.ENTERPRISE)], tags=["plans"])
async def agree_plan(ctx: Ctx, session: Session, principal: CurrentPrincipal, policy_id: str,
                     body: PlanAgreement) -> dict[str, Any]:
    return _plan_out(await plans.agree(session, principal, policy_id, body.accept, ctx.now()))


# ---------------------------------------------------------------- expert availability


class HoursIn(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    starts: time
    ends: time

    @field_validator("ends")
    @classmethod
    def _after(cls, ends: time, info: Any) -> time:
        if "starts" in info.data and ends <= info.data["starts"]:
            raise ValueError("ends must be after starts")
        return ends


class TimeOffIn(BaseModel):
    starts_at: datetime
    ends_at: datetime
    reason: str | None = Field(None, max_length=200)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time with its offset")
        return value


def _manages(principal: Principal, expert_id: str, agency_id: str | None) -> None:
    """The expert themself, or their agency (the agency id comes with the request and is checked by
    the token's org), manages the hours."""
    if principal.role is Role.ADMIN:
        return
    if principal.role is Role.EXPERT and principal.expert == expert_id:
        return
    if principal.role is Role.AGENCY and agency_id and principal.org == agency_id:
        return
    raise Forbidden("an expert's hours are kept by the expert or their agency")


async def _check_manages(ctx: Ctx, principal: Principal, expert_id: str) -> None:
    if principal.role is Role.AGENCY:
        expert = await ctx.providers(principal).expert(expert_id)
        _manages(principal, expert_id, expert.agency_id)
    else:
        _manages(principal, expert_id, None)


def _hours_out(rows: list[WorkingHours]) -> list[dict[str, Any]]:
    return [{"weekday": h.weekday, "starts": h.starts, "ends": h.ends} for h in rows]


@router.get("/experts/{expert_id}/hours", dependencies=[allow(Role.EXPERT, Role.AGENCY)], tags=["availability"])
async def get_hours(ctx: Ctx, session: Session, principal: CurrentPrincipal, expert_id: str) -> list[dict[str, Any]]:
    """The expert's weekly hours (local time), by weekday; an empty list: the default hours."""
    await _check_manages(ctx, principal, expert_id)
    rows = await repository.working_hours(session, expert_id)
    return _hours_out(sorted(rows, key=lambda h: (h.weekday, h.starts)))


@router.put("/experts/{expert_id}/hours", dependencies=[allow(Role.EXPERT, Role.AGENCY)], tags=["availability"])
async def set_hours(ctx: Ctx, session: Session, principal: CurrentPrincipal, expert_id: str,
                    body: list[HoursIn]) -> list[dict[str, Any]]:
    """Replace the expert's weekly hours (local time); an empty list restores the default hours."""
    await _check_manages(ctx, principal, expert_id)
    spans = sorted(body, key=lambda h: (h.weekday, h.starts))
    for index, (before, after) in enumerate(pairwise(spans)):
        if before.weekday == after.weekday and after.starts < before.ends:
            raise ValidationProblem("two spans of the same weekday overlap", field=f"body.{index + 1}.starts")
    await session.execute(delete(WorkingHours).where(WorkingHours.expert_id == expert_id))
    for h in spans:
        session.add(WorkingHours(id=new_id("wkh"), expert_id=expert_id, weekday=h.weekday, starts=h.starts,
                                 ends=h.ends))
    await session.flush()
    return [h.model_dump() for h in spans]


def _time_off_out(row: TimeOff) -> dict[str, Any]:
    return {"id": row.id, "expert_id": row.expert_id, "starts_at": row.starts_at, "ends_at": row.ends_at,
            "reason": row.reason}


@router.get("/experts/{expert_id}/time-off", dependencies=[allow(Role.EXPERT, Role.AGENCY)], tags=["availability"])
async def list_time_off(ctx: Ctx, session: Session, principal: CurrentPrincipal, expert_id: str,
                        from_: Annotated[datetime | None, Query(alias="from")] = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """The expert's time off that ends after ``from`` (default now), soonest first."""
    await _check_manages(ctx, principal, expert_id)
    since = from_ or ctx.now()
    rows = await repository.time_off(session, expert_id, since, since + timedelta(days=20 * 365))
    return [_time_off_out(r) for r in sorted(rows, key=lambda r: r.starts_at)[:limit]]


@router.post("/experts/{expert_id}/time-off", status_code=201, dependencies=[allow(Role.EXPERT, Role.AGENCY)],
             tags=["availability"])
async def add_time_off(ctx: Ctx, session: Session, principal: CurrentPrincipal, expert_id: str,
                       body: TimeOffIn) -> dict[str, Any]:
    """A day off or a blocked period; visits already booked in it stay (the agency reschedules them)."""
    if body.ends_at <= body.starts_at:
        raise ValidationProblem("ends_at must be after starts_at", field="ends_at")
    await _check_manages(ctx, principal, expert_id)
    row = TimeOff(id=new_id("off"), expert_id=expert_id, starts_at=body.starts_at, ends_at=body.ends_at,
                  reason=body.reason)
    session.add(row)
    await session.flush()
    return _time_off_out(row)


# ---------------------------------------------------------------- photos


ALLOWED_IMAGES = {"image/jpeg", "image/png", "image/webp"}


def image_type(data: bytes) -> str | None:
    """What the bytes are (JPEG, PNG or WebP by their signatures), whatever the browser declared."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@router.post("/photos", status_code=201, dependencies=[allow(Role.EXPERT, Role.ENTERPRISE)], tags=["photos"])
async def upload_photo(request: Request, ctx: Ctx, session: Session, principal: CurrentPrincipal,
                       file: UploadFile) -> dict[str, Any]:
    """Upload a hazard or rectification photo (JPEG, PNG or WebP); returns the id to cite."""
    if file.content_type not in ALLOWED_IMAGES:
        raise ProblemError("photos are JPEG, PNG or WebP", code="UNSUPPORTED_MEDIA_TYPE", status=415, field="file")
    data = await file.read(ctx.settings.max_upload_bytes + 1)
    if len(data) > ctx.settings.max_upload_bytes:
        raise ProblemError("the photo is too large", code="TOO_LARGE", status=413, field="file")
    if not data:
        raise ValidationProblem("the file is empty", field="file")
    content_type = image_type(data)
    if content_type is None:  # served back as an image later: the bytes must be one, not just the label
        raise ProblemError("the file is not a JPEG, PNG or WebP image", code="UNSUPPORTED_MEDIA_TYPE", status=415,
                           field="file")
    try:  # decoded once here: bytes that only look like an image are refused, and the thumbnail is ready
        thumb = await asyncio.to_thread(thumbnails.make_thumbnail, data)
    except thumbnails.NotAnImage:
        raise ProblemError("the file cannot be read as a JPEG, PNG or WebP image", code="UNSUPPORTED_MEDIA_TYPE",
                           status=415, field="file") from None
    photo = Photo(id=new_id("pho"), owner_org=principal.org, content_type=content_type,
                  size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key="",
                  created_at=ctx.now())
    photo.storage_key = photo.id
    await ctx.storage.put(photo.storage_key, data)
    await ctx.storage.put(thumbnails.thumbnail_key(photo.id), thumb)
    session.add(photo)
    await session.flush()
    return {"id": photo.id, "content_type": photo.content_type, "size_bytes": photo.size_bytes, "sha256": photo.sha256}


PHOTO_CACHE = {"Cache-Control": "private, max-age=600"}  # the answer depends on who asks: no shared cache


@router.get("/photos/{photo_id}", dependencies=[ANY], response_class=Response, tags=["photos"],
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}})
async def get_photo(ctx: Ctx, session: Session, principal: CurrentPrincipal, photo_id: str,
                    size: Annotated[Literal["thumb"] | None, Query(
                        description="`thumb`: a JPEG at most 320 px on its longer side")] = None) -> Response:
    """A photo is seen by its uploader's organisation and, once a hazard cites it, by who sees the hazard; its
    thumbnail under the same rule."""
    photo = await session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"no photo {photo_id}")
    if photo.hazard_id is not None:
        await hazards.get_visible(session=session, principal=principal, hazard_id=photo.hazard_id)
    elif principal.role is not Role.ADMIN and photo.owner_org != principal.org:
        raise Forbidden("this photo is not cited by any hazard you can see")
    if size == "thumb":
        thumb = await _thumbnail(ctx, photo)
        if thumb is not None:
            return Response(thumb, media_type=thumbnails.THUMB_TYPE, headers=PHOTO_CACHE)
    return Response(await ctx.storage.get(photo.storage_key), media_type=photo.content_type, headers=PHOTO_CACHE)


async def _thumbnail(ctx: BookingContext, photo: Photo) -> bytes | None:
    """The stored thumbnail, made and stored now for a photo uploaded before thumbnails were made; None (the
    full photo is answered instead) when an old photo cannot be decoded."""
    key = thumbnails.thumbnail_key(photo.id)
    try:
        return await ctx.storage.get(key)
    except FileNotFoundError:
        pass
    try:
        thumb = await asyncio.to_thread(thumbnails.make_thumbnail, await ctx.storage.get(photo.storage_key))
    except thumbnails.NotAnImage:
        log.warning("photo %s cannot be decoded; its thumbnail is the full photo", photo.id)
        return None
    await ctx.storage.put(key, thumb)
    return thumb


# ---------------------------------------------------------------- archive and metrics


@router.get("/archive/{enterprise_id}", dependencies=[allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)],
            tags=["archive"])
async def firm_archive(session: Session, principal: CurrentPrincipal, enterprise_id: str) -> dict[str, Any]:
    """The firm's service archive with the result of checking its hash chain."""
    await _may_read_archive(session, principal, enterprise_id)
    check = await archive.verify_chain(session, enterprise_id)
    rows = await archive.entries(session, enterprise_id)
    return {"enterprise_id": enterprise_id, "intact": check.ok, "broken_at": check.broken_at, "problem": check.problem,
            "entries": [{"seq": r.seq, "kind": r.kind, "subject_id": r.subject_id, "content": r.content,
                         "hash": r.hash, "prev_hash": r.prev_hash, "created_at": r.created_at,
                         "retain_until": r.retain_until} for r in rows]}


@router.get("/archive/{enterprise_id}/annual-report.pdf", dependencies=[allow(Role.ENTERPRISE, Role.INSURER,
                                                                                Role.BUREAU)],
            tags=["archive"], responses={200: {"content": {"application/pdf": {}}}}, response_class=Response)
async def annual_report_pdf(ctx: Ctx, session: Session, principal: CurrentPrincipal, enterprise_id: str,
                            year: Annotated[int, Query(ge=2000, le=2100)]) -> Response:
    """The firm's annual evaluation report (AQ 9010) for a calendar year, as a PDF: readers of its archive."""
    await _may_read_archive(session, principal, enterprise_id)
    pdf, entry = await firm_file.annual_report_pdf(session, ctx, enterprise_id=enterprise_id, year=year)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="annual-report-{enterprise_id}-{year}.pdf"',
        "Cache-Control": "private, no-store", "X-Content-SHA256": entry.content["sha256"],
        "X-Archive-Seq": str(entry.seq)})


@router.get("/archive/{enterprise_id}/file.zip", dependencies=[allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)],
            tags=["archive"], responses={200: {"content": {"application/zip": {}}}}, response_class=Response)
async def whole_file_zip(ctx: Ctx, session: Session, principal: CurrentPrincipal, enterprise_id: str) -> Response:
    """The firm's whole AQ 9010 file as a ZIP: each item (contract, service plan, agencies, fee ledger, visit
    records, this year's annual evaluation report) archived in the hash chain first, and a manifest with each file's
    SHA-256, its archive entry and the chain head. Readers of the firm's archive."""
    await _may_read_archive(session, principal, enterprise_id)
    data = await firm_file.whole_file(session, ctx, enterprise_id=enterprise_id,
                                      insurer_id=(principal.org or "-") if principal.role is Role.INSURER else None)
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="aq9010-file-{enterprise_id}.zip"',
        "Cache-Control": "private, no-store"})


async def _may_read_archive(session: AsyncSession, principal: Principal, enterprise_id: str) -> None:
    if principal.role is Role.ENTERPRISE:
        principal.require_org(enterprise_id, "this archive")
    elif principal.role is Role.INSURER:
        ledgers = await repository.list_ledgers(session, principal, [])
        if not any(row.enterprise_id == enterprise_id for row in ledgers):
            raise Forbidden("an insurer reads the archives of its own policyholders")
    elif principal.role is Role.BUREAU:
        firm = await repository.get_enterprise(session, enterprise_id)
        if firm is None or not principal.in_region(firm.town_code):
            raise Forbidden("the bureau reads archives of its own region")


@router.get("/metrics/prevention", dependencies=[allow(Role.INSURER, Role.BUREAU)], tags=["metrics"])
async def prevention_metrics(ctx: Ctx, session: Session, principal: CurrentPrincipal,
                             region_code: Annotated[str | None, Query(max_length=20)] = None,
                             insurer_id: Annotated[str | None, Query(max_length=40)] = None,
                             from_: Annotated[date | None, Query(alias="from")] = None, to: date | None = None,
                             group_by: Annotated[str | None, Query(pattern="^(town|insurer)$")] = None,
                             ) -> dict[str, Any]:
    """PreventionMetrics (snake_case) for the caller's scope; ``group_by=town|insurer`` adds rows."""
    region, insurer = metrics.scope_filters(principal, region_code, insurer_id)
    totals = await metrics.prevention(session, region=region, insurer=insurer, day_from=from_, day_to=to,
                                      tz=ctx.calendar.tz)
    result = {**metrics.EMPTY, **totals.get("", {})}
    if group_by:
        rows = await metrics.prevention(session, region=region, insurer=insurer, day_from=from_, day_to=to,
                                        tz=ctx.calendar.tz, group_by=group_by)
        result["rows"] = [{"key": k, **v} for k, v in sorted(rows.items())]
    return result

