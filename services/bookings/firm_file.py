"""The insured firm's AQ 9010 file (服务档案) as one download: every item of the standard's file that bookings
holds, each archived in the firm's hash chain (``archive.py``) before it goes into the ZIP, and a manifest with
each file's SHA-256, the archive entry that vouches for it and the chain head.

Items and where bookings has them (it never reads another service's database):
- service records, corrections, follow-ups: archived when they happen (``visits.py``);
- the contract (保险合同): the policy as bookings learnt it from ``policy.*`` events (number, insurer, term,
  premium, headcount, status, prevention budget);
- the service plan (服务计划) of each policy, as agreed with the firm;
- the agency contracts (服务机构): the agencies that served the firm, from its bookings (offering, service type,
  price per visit, funding, number of visits); bookings does not hold the insurer's panel agreements;
- the fee ledger (预防服务经费台账): each policy's prevention ledger with every line;
- complaints (投诉处理记录): archived when providers' ``providers.complaint.filed`` / ``.answered`` events arrive
  (``consumers.py``), one entry per step, like the visit records;
- the annual evaluation report (年度服务评估报告): the PDF, stored and archived with its SHA-256 when generated.

Items other than the visit records are archived when the file or the annual report is produced: a new entry is
appended only when an item's content differs from its last archived version, so the chain keeps every version
that was ever handed out and any later edit of an archived entry breaks the chain."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import annual_report, archive, repository
from services.bookings.context import BookingContext
from services.bookings.models import ArchiveEntry, Booking, PolicyLedger
from services.kernel.errors import NotFound

STANDARD = "AQ 9010-2019"
CONTRACT, PLAN, AGENCY, FEE_LEDGER, REPORT = "CONTRACT", "SERVICE_PLAN", "AGENCY_SERVICE", "FEE_LEDGER", "ANNUAL_REPORT"
COMPLAINT = "COMPLAINT"
# kinds archived as they happen, every version kept in the file (the others: their latest version)
VISIT_KINDS = {"SERVICE_RECORD": "service-records", "CORRECTION": "corrections", "FOLLOW_UP": "follow-ups",
               COMPLAINT: "complaints"}
FOLDERS = {CONTRACT: "contract", PLAN: "service-plan", AGENCY: "agencies", FEE_LEDGER: "fee-ledger", **VISIT_KINDS}
NOT_AVAILABLE: list[dict[str, str]] = []  # every item of the standard's file is in it


def canonical(content: Any) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, indent=2, default=str).encode()


def _contract(policy: PolicyLedger) -> dict[str, Any]:
    return {"policy_id": policy.policy_id, "number": policy.number, "insurer_id": policy.insurer_id,
            "product_id": policy.product_id, "status": policy.status, "start_date": policy.start_date,
            "end_date": policy.end_date, "premium_fen": policy.premium_fen, "headcount": policy.headcount,
            "risk_color": policy.risk_color, "prevention_budget_fen": policy.budget_fen,
            "source": "policy events received by bookings"}


def _agencies(bookings: list[Booking]) -> dict[str, dict[str, Any]]:
    served: dict[str, dict[tuple[str, str, int, str], int]] = defaultdict(lambda: defaultdict(int))
    for b in bookings:
        if b.status != "CANCELLED":
            served[b.agency_id][(b.offering_id, b.service_type, b.price_fen, b.funding)] += 1
    return {agency: {"agency_id": agency, "source": "the firm's bookings with the agency (not the panel agreement)",
                     "services": [{"offering_id": o, "service_type": t, "price_fen": p, "funding": f, "visits": n}
                                  for (o, t, p, f), n in sorted(rows.items())]}
            for agency, rows in sorted(served.items())}


async def current_items(session: AsyncSession, enterprise_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, subject id, content) of every item bookings holds now, other than the visit records."""
    policies = await repository.ledgers_of_firm(session, enterprise_id)
    items: list[tuple[str, str, dict[str, Any]]] = [(CONTRACT, p.policy_id, _contract(p)) for p in policies]
    for plan in await repository.plans_of(session, [p.policy_id for p in policies]):
        items.append((PLAN, plan.policy_id, {
            "policy_id": plan.policy_id, "status": plan.status, "items": plan.items,
            "service_types": plan.service_types, "visits_per_year": plan.visits_per_year, "agency_id": plan.agency_id,
            "targets": plan.targets, "measures": plan.measures, "staff": plan.staff, "guarantees": plan.guarantees,
            "proposed_change": plan.proposed}))
    for agency_id, content in _agencies(await repository.bookings_of_firm(session, enterprise_id)).items():
        items.append((AGENCY, agency_id, content))
    for p in policies:
        lines = await repository.ledger_entries(session, p.policy_id)
        items.append((FEE_LEDGER, p.policy_id, {
            "policy_id": p.policy_id, "budget_fen": p.budget_fen, "reserved_fen": p.reserved_fen,
            "spent_fen": p.spent_fen,
            "entries": [{"id": e.id, "kind": e.kind, "amount_fen": e.amount_fen, "booking_id": e.booking_id,
                         "note": e.note, "created_at": e.created_at} for e in lines]}))
    return items


def _latest(rows: list[ArchiveEntry]) -> dict[tuple[str, str], ArchiveEntry]:
    return {(r.kind, r.subject_id): r for r in rows}  # rows come in chain order: the last one wins


async def archive_items(session: AsyncSession, *, enterprise_id: str, now: datetime) -> int:
    """Append each item whose content differs from its last archived version; how many were appended."""
    latest = _latest(await archive.entries(session, enterprise_id))
    appended = 0
    for kind, subject_id, content in await current_items(session, enterprise_id):
        normal = json.loads(json.dumps(content, default=str, ensure_ascii=False))
        last = latest.get((kind, subject_id))
        if last is None or last.content != normal:
            await archive.append(session, enterprise_id=enterprise_id, kind=kind, subject_id=subject_id,
                                 content=normal, now=now)
            appended += 1
    return appended


def report_key(enterprise_id: str, year: int, sha256: str) -> str:
    return f"annual-report-{enterprise_id}-{year}-{sha256[:16]}.pdf"


async def annual_report_pdf(session: AsyncSession, ctx: BookingContext, *, enterprise_id: str,
                            year: int) -> tuple[bytes, ArchiveEntry]:
    """The year's report, stored and archived with its hash. When the report's content is what was last archived
    for that year, the stored PDF is handed out again (same bytes, same hash) rather than a new one."""
    report = await annual_report.annual_report(session, ctx, enterprise_id=enterprise_id, year=year)
    report_sha = hashlib.sha256(canonical(report.lines)).hexdigest()
    last = _latest(await archive.entries(session, enterprise_id)).get((REPORT, str(year)))
    if last is not None and last.content.get("report_sha256") == report_sha:
        try:
            return await ctx.storage.get(last.content["storage_key"]), last
        except FileNotFoundError:
            pass  # the stored copy is gone: a new one is made and archived
    pdf = await annual_report.render(session, ctx, enterprise_id=enterprise_id, year=year)
    sha = hashlib.sha256(pdf).hexdigest()
    key = report_key(enterprise_id, year, sha)
    await ctx.storage.put(key, pdf)
    entry = await archive.append(session, enterprise_id=enterprise_id, kind=REPORT, subject_id=str(year),
                                 content={"year": year, "sha256": sha, "size_bytes": len(pdf), "storage_key": key,
                                          "report_sha256": report_sha,
                                          "filename": f"annual-report-{enterprise_id}-{year}.pdf"},
                                 now=ctx.now())
    return pdf, entry


async def report_years(session: AsyncSession, enterprise_id: str, this_year: int) -> list[int]:
    """This year and every earlier year a policy of the firm covered: the years the file has a report for."""
    years = {this_year}
    for policy in await repository.ledgers_of_firm(session, enterprise_id):
        if policy.start_date is not None and policy.start_date.year <= this_year:
            last = min(policy.end_date.year if policy.end_date else this_year, this_year)
            years.update(range(max(policy.start_date.year, this_year - archive.KEEP_YEARS), last + 1))
    return sorted(years)


POLICY_KINDS = (CONTRACT, PLAN, FEE_LEDGER)  # items about one policy, named by its id


async def _hidden_policies(session: AsyncSession, enterprise_id: str, insurer_id: str | None) -> set[str]:
    """The firm's policies with other insurers: an insurer downloading the file sees their entries by hash only
    (a competitor's premium, plan and ledger are not its business); None (the firm, the bureau) hides nothing."""
    if insurer_id is None:
        return set()
    return {p.policy_id for p in await repository.ledgers_of_firm(session, enterprise_id)
            if p.insurer_id != insurer_id}


def _redacted(entry: ArchiveEntry, hidden: set[str]) -> bool:
    if not hidden:
        return False
    if entry.kind in POLICY_KINDS:
        return entry.subject_id in hidden
    if entry.kind == REPORT:  # a year's report covers every policy of that year, another insurer's too
        return bool(set(entry.content.get("policy_ids") or hidden) & hidden)
    return False


async def whole_file(session: AsyncSession, ctx: BookingContext, *, enterprise_id: str,
                     insurer_id: str | None = None) -> bytes:
    """The ZIP: the annual reports (this year and each earlier year a policy covered, within the five kept) generated
    and archived, every other item archived, then each item's latest archived version as a file, ``archive.json``
    with the whole chain, and ``manifest.json``."""
    if await repository.get_enterprise(session, enterprise_id) is None:
        raise NotFound(f"no firm {enterprise_id}")
    now = ctx.now()
    for year in await report_years(session, enterprise_id, now.astimezone(ctx.calendar.tz).year):
        await annual_report_pdf(session, ctx, enterprise_id=enterprise_id, year=year)
    await archive_items(session, enterprise_id=enterprise_id, now=now)
    rows = await archive.entries(session, enterprise_id)
    check = await archive.verify_chain(session, enterprise_id)
    hidden = await _hidden_policies(session, enterprise_id, insurer_id)
    redacted = [{"kind": r.kind, "subject_id": r.subject_id, "archive_seq": r.seq, "archive_hash": r.hash,
                 "reason": "another insurer's policy: shown by its hash only"} for r in rows if _redacted(r, hidden)]
    files: dict[str, bytes] = {}
    items: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    visit_records = [r for r in rows if r.kind in VISIT_KINDS]
    for entry in [*_latest([r for r in rows if r.kind not in VISIT_KINDS]).values(), *visit_records]:
        if _redacted(entry, hidden):
            continue
        if entry.kind == REPORT:
            path = f"annual-report/{entry.content['filename']}"
            try:
                data = await ctx.storage.get(entry.content["storage_key"])
            except FileNotFoundError:  # an older year's stored copy is gone: said, not hidden
                missing.append({"path": path, "kind": entry.kind, "subject_id": entry.subject_id,
                                "sha256": entry.content["sha256"], "archive_seq": entry.seq,
                                "archive_hash": entry.hash, "reason": "the stored copy cannot be read"})
                continue
        else:
            suffix = f"-{entry.seq}" if entry.kind in VISIT_KINDS else ""
            path = f"{FOLDERS.get(entry.kind, entry.kind.lower())}/{entry.subject_id}{suffix}.json"
            data = canonical(entry.content)
        files[path] = data
        items.append({"path": path, "kind": entry.kind, "subject_id": entry.subject_id,
                      "sha256": hashlib.sha256(data).hexdigest(), "archive_seq": entry.seq,
                      "archive_hash": entry.hash})
    files["archive.json"] = canonical([{"seq": r.seq, "kind": r.kind, "subject_id": r.subject_id,
                                        "content": None if _redacted(r, hidden) else r.content,
                                        "redacted": _redacted(r, hidden),
                                        "prev_hash": r.prev_hash, "hash": r.hash, "created_at": r.created_at,
                                        "retain_until": r.retain_until} for r in rows])
    manifest = {"enterprise_id": enterprise_id, "standard": STANDARD, "generated_at": now,
                "chain": {"intact": check.ok, "entries": check.entries, "broken_at": check.broken_at,
                          "problem": check.problem, "head": rows[-1].hash if rows else archive.GENESIS},
                "items": sorted(items, key=lambda i: (i["kind"], i["path"])),
                "archive_sha256": hashlib.sha256(files["archive.json"]).hexdigest(),
                "not_available": NOT_AVAILABLE, "missing": missing, "redacted": redacted}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", canonical(manifest))
        for path, data in sorted(files.items()):
            zf.writestr(path, data)
    return out.getvalue()
