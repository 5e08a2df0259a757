"""The firm's service archive: append-only entries chained by SHA-256 so that any later change to a
stored record, or a removed entry, is detectable; kept at least five years, never deleted."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.models import ArchiveEntry
from services.kernel.ids import new_id

GENESIS = "0" * 64
KEEP_YEARS = 5  # AQ 9010: the file is kept at least five years


def entry_hash(*, prev_hash: str, enterprise_id: str, seq: int, kind: str, subject_id: str,
               content: dict[str, Any], created_at: datetime) -> str:
    canonical = json.dumps({"prev": prev_hash, "enterprise_id": enterprise_id, "seq": seq, "kind": kind,
                            "subject_id": subject_id, "content": content,
                            "created_at": created_at.isoformat()}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def append(session: AsyncSession, *, enterprise_id: str, kind: str, subject_id: str,
                 content: dict[str, Any], now: datetime, years: int = 5) -> ArchiveEntry:
    """Add one record to the end of the firm's chain. Two writers racing for the same position collide
    on the (enterprise_id, seq) unique key, so the chain never forks."""
    content = json.loads(json.dumps(content, default=str, ensure_ascii=False))
    last = (await session.scalars(select(ArchiveEntry).where(ArchiveEntry.enterprise_id == enterprise_id)
                                  .order_by(ArchiveEntry.seq.desc()).limit(1))).one_or_none()
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    created = now.replace(microsecond=0)
    entry = ArchiveEntry(id=new_id("arc"), enterprise_id=enterprise_id, seq=seq, kind=kind, subject_id=subject_id,
                         content=content, prev_hash=prev, created_at=created,
                         retain_until=_years_after(created.date(), years),
                         hash=entry_hash(prev_hash=prev, enterprise_id=enterprise_id, seq=seq, kind=kind,
                                         subject_id=subject_id, content=content, created_at=created))
    session.add(entry)
    await session.flush()
    return entry


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    broken_at: int | None = None
    problem: str | None = None


async def verify_chain(session: AsyncSession, enterprise_id: str) -> ChainCheck:
    """Recompute every hash from the stored content: an edited record, a reordered or a missing entry
    breaks the chain at its position."""
    rows = (await session.scalars(select(ArchiveEntry).where(ArchiveEntry.enterprise_id == enterprise_id)
                                  .order_by(ArchiveEntry.seq))).all()
    prev = GENESIS
    for expected_seq, row in enumerate(rows, start=1):
        if row.seq != expected_seq:
            return ChainCheck(False, len(rows), row.seq, f"entry {expected_seq} is missing")
        if row.prev_hash != prev:
            return ChainCheck(False, len(rows), row.seq, "the link to the previous entry does not match")
        recomputed = entry_hash(prev_hash=row.prev_hash, enterprise_id=row.enterprise_id, seq=row.seq,
                                kind=row.kind, subject_id=row.subject_id, content=row.content,
                                created_at=row.created_at.replace(microsecond=0))
        if recomputed != row.hash:
            return ChainCheck(False, len(rows), row.seq, "the stored record was changed after it was archived")
        prev = row.hash
    return ChainCheck(True, len(rows))


async def entries(session: AsyncSession, enterprise_id: str) -> list[ArchiveEntry]:
    stmt = select(ArchiveEntry).where(ArchiveEntry.enterprise_id == enterprise_id).order_by(ArchiveEntry.seq)
    return list((await session.scalars(stmt)).all())


async def count(session: AsyncSession, enterprise_id: str) -> int:
    stmt = select(func.count()).select_from(ArchiveEntry).where(ArchiveEntry.enterprise_id == enterprise_id)
    return int(await session.scalar(stmt) or 0)
