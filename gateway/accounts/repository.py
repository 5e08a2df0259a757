"""Every query on the gateway's accounts tables."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.accounts.models import Account, AddressThrottle, LoginThrottle, RefreshToken
from services.kernel import scope
from services.kernel.auth import Principal


async def by_email(session: AsyncSession, email: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.email == email))


async def by_id(session: AsyncSession, account_id: str) -> Account | None:
    return await session.get(Account, account_id)


async def count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Account)) or 0


async def list_accounts(session: AsyncSession, *, role: str | None = None, org_id: str | None = None,
                        visible: ColumnElement[bool] | None = None, after: str | None = None,
                        limit: int = 100) -> list[Account]:
    """Accounts by e-mail; every filter (``visible`` is the caller's scope) applies before the limit, and
    ``after`` (the last e-mail of the previous page) continues the list."""
    stmt = select(Account).order_by(Account.email)
    if role is not None:
        stmt = stmt.where(Account.role == role)
    if org_id is not None:
        stmt = stmt.where(Account.org_id == org_id)
    if visible is not None:
        stmt = stmt.where(visible)
    if after:
        stmt = stmt.where(Account.email > after)
    return list((await session.scalars(stmt.limit(limit))).all())


def bureau_visible(principal: Principal, agency_ids: Iterable[str]) -> ColumnElement[bool]:
    """What a bureau sees: the bureaus of its region (itself and those below) and the agency and expert
    accounts of the agencies in its region; nothing without a region."""
    agencies = list(agency_ids)
    return or_(and_(Account.role == "bureau", scope.region_filter(principal, Account.region_code)),
               and_(Account.role.in_(("agency", "expert")), Account.org_id.in_(agencies)) if agencies else false())


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
