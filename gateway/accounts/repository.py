"""Every query on the gateway's accounts tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.accounts.models import Account, AddressThrottle, LoginThrottle, RefreshToken


async def by_email(session: AsyncSession, email: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.email == email))


async def by_id(session: AsyncSession, account_id: str) -> Account | None:
    return await session.get(Account, account_id)


async def count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Account)) or 0


async def list_accounts(session: AsyncSession, *, role: str | None = None, org_id: str | None = None,
                        limit: int = 100) -> list[Account]:
    stmt = select(Account).order_by(Account.email).limit(limit)
    if role is not None:
        stmt = stmt.where(Account.role == role)
    if org_id is not None:
        stmt = stmt.where(Account.org_id == org_id)
    return list((await session.scalars(stmt)).all())


async def throttle(session: AsyncSession, email: str) -> LoginThrottle | None:
    return await session.get(LoginThrottle, email)


async def refresh_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


async def revoke_refresh_tokens(session: AsyncSession, account_id: str, now: datetime) -> None:
    await session.execute(update(RefreshToken)
                          .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
                          .values(revoked_at=now))


async def address_throttle(session: AsyncSession, address: str) -> AddressThrottle | None:
    return await session.get(AddressThrottle, address[:64])


async def spend_refresh(session: AsyncSession, token_id: str, now: datetime) -> bool:
    """Mark a refresh token used, only if nobody did first: True for the one caller whose update hit the row
    (a conditional UPDATE, so two concurrent refreshes cannot both win, on SQLite or PostgreSQL)."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


async def live_families(session: AsyncSession, account_id: str, now: datetime) -> list[str]:
    """The login sessions of an account that are still alive: a refresh token of theirs neither expired nor
    revoked (an ended session's access tokens were revoked when it ended)."""
    rows = await session.scalars(select(RefreshToken.family_id).distinct()
                                 .where(RefreshToken.account_id == account_id, RefreshToken.expires_at > now,
                                        RefreshToken.revoked_at.is_(None)))
    return list(rows.all())


async def revoke_families(session: AsyncSession, family_ids: set[str], now: datetime) -> None:
    await session.execute(update(RefreshToken)
                          .where(RefreshToken.family_id.in_(family_ids), RefreshToken.revoked_at.is_(None))
                          .values(revoked_at=now)
                          .execution_options(synchronize_session=False))
