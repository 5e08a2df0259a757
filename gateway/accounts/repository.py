"""Every query on the gateway's accounts tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.accounts.models import Account, LoginThrottle, RefreshToken


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
