"""Accounts: argon2 passwords, login with a lock-out after repeated failures, access and refresh tokens,
logout, password change, and account creation by the role entitled to it (never by raising one's own)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.accounts import repository
from gateway.accounts.models import Account, AddressThrottle, LoginThrottle, Outbox, RefreshToken, Revocation
from services.kernel import scope, sessions
from services.kernel.auth import Principal, Role, TokenSigner
from services.kernel.db import after_commit, utcnow
from services.kernel.errors import (
    Conflict,
    Forbidden,
    InvalidState,
    NotFound,
    ProblemError,
    Unauthenticated,
    ValidationProblem,
)
from services.kernel.ids import new_id

log = logging.getLogger("anze.gateway.accounts")

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, 64 MiB)
_DUMMY_HASH = _HASHER.hash("not a password anyone has")
MIN_PASSWORD = 10


class RateLimited(ProblemError):
    status, code = 429, "RATE_LIMITED"


class TooManyAttempts(ProblemError):
    """Too many failed logins from one client address, whatever the accounts tried."""

    status, code = 429, "TOO_MANY_ATTEMPTS"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class RefreshReused(Unauthenticated):
    """A refresh token spent before was presented again: stolen or replayed; its whole session is ended.
    To the client it is UNAUTHENTICATED (log in again), like any refresh token that is no longer valid."""


@dataclass(frozen=True)
class AccountPolicy:
    max_failures: int
    lock: timedelta
    refresh_lifetime: timedelta
    hasher: PasswordHasher = _HASHER
    access_lifetime: timedelta = timedelta(minutes=30)
    address_max_failures: int = 20  # failed logins from one address (any e-mail) before it waits
    revocations: sessions.RevocationList | None = None  # the gateway's own list, updated at once on commit


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str
    expires_at: datetime
    account: Account


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise ValidationProblem("this is not an e-mail address", field="email")
    return email


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationProblem(f"a password needs at least {MIN_PASSWORD} characters", field=field)
    if len(password) > 200:
        raise ValidationProblem("a password has at most 200 characters", field=field)


async def hash_password(password: str, hasher: PasswordHasher = _HASHER) -> str:
    return await asyncio.to_thread(hasher.hash, password)


async def _verify(password_hash: str, password: str, hasher: PasswordHasher = _HASHER) -> bool:
    def run() -> bool:
        try:
            return hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(run)


def issue_access(signer: TokenSigner, account: Account, sid: str) -> str:
    return signer.issue(sub=account.id, role=Role(account.role), org=account.org_id,
                        region=account.region_code, expert=account.expert_id, sid=sid)


async def _new_refresh(session: AsyncSession, account: Account, lifetime: timedelta, family_id: str) -> str:
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(RefreshToken(id=new_id("rft"), account_id=account.id, token_hash=_digest(raw),
                             family_id=family_id, created_at=now, expires_at=now + lifetime))
    await session.flush()
    return raw


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def _tokens(session: AsyncSession, signer: TokenSigner, policy: AccountPolicy, account: Account,
                  family_id: str | None = None) -> Tokens:
    """An access token and a refresh token of one login session (a new one unless ``family_id`` is given)."""
    family_id = family_id or new_id("sid")
    access = issue_access(signer, account, family_id)
    refresh = await _new_refresh(session, account, policy.refresh_lifetime, family_id)
    return Tokens(access=access, refresh=refresh, expires_at=utcnow() + signer.lifetime, account=account)


# ---------------------------------------------------------------- ending sessions


async def end_sessions(*, session: AsyncSession, policy: AccountPolicy, sids: set[str] | None = None,
                       account_id: str | None = None) -> None:
    """End login sessions: their refresh tokens are revoked, and their access tokens are refused at the
    gateway and at every service from the next request (``gateway.session.revoked``). With ``account_id``,
    every session of that account ends, and every token it was issued before now."""
    now = utcnow()
    until = now + policy.access_lifetime + timedelta(minutes=1)  # every token concerned has expired by then
    sids = set(sids or ())
    if account_id is not None:
        sids |= set(await repository.live_families(session, account_id, now))
        await repository.revoke_refresh_tokens(session, account_id, now)
    if sids:
        await repository.revoke_families(session, sids, now)
    ended = [await sessions.revoke(session, outbox=Outbox, model=Revocation, until=until, sid=sid)
             for sid in sorted(sids)]
    if account_id is not None:
        # whole seconds, as a token's iat: a token issued later in this second (a new login) stays valid
        before = now.replace(microsecond=0)
        ended.append(await sessions.revoke(session, outbox=Outbox, model=Revocation, until=until,
                                           sub=account_id, before=before))
    if policy.revocations is not None:
        revocations = policy.revocations

        async def remember(_: AsyncSession) -> None:
            for revocation in ended:
                revocations.add(revocation)

        after_commit(session, remember)
    await session.flush()


# ---------------------------------------------------------------- login


async def _check_address(session: AsyncSession, policy: AccountPolicy, address: str | None,
                         now: datetime) -> AddressThrottle | None:
    if not address:
        return None
    throttle = await repository.address_throttle(session, address)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        seconds = max(1, int((throttle.locked_until - now).total_seconds()) + 1)
        raise TooManyAttempts(f"too many failed logins from this address; try again in {seconds} seconds",
                              retry_after=seconds)
    return throttle


async def _record_address_failure(session: AsyncSession, policy: AccountPolicy, address: str | None,
                                  throttle: AddressThrottle | None, now: datetime) -> None:
    if not address:
        return
    if throttle is None:
        throttle = AddressThrottle(address=address, failures=0)
        session.add(throttle)
    _count_failure(throttle, now=now, window=policy.lock, limit=policy.address_max_failures)
    await session.flush()


async def login(*, session: AsyncSession, signer: TokenSigner, policy: AccountPolicy, email: str,
                password: str, address: str | None = None) -> Tokens:
    """Check the password; after ``max_failures`` wrong ones the e-mail is locked for a while, and after
    ``address_max_failures`` from one client address (whatever the e-mails) that address waits too."""
    email = email.strip().lower()
    now = utcnow()
    by_address = await _check_address(session, policy, address, now)
    throttle = await repository.throttle(session, email)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        raise RateLimited(f"too many failed logins for this address; try again in {minutes} minutes")
    account = await repository.by_email(session, email)
    ok = await _verify(account.password_hash if account else _DUMMY_HASH, password, policy.hasher)
    if not ok or account is None or not account.active:
        await _record_failure(session, policy, email, throttle, now)
        await _record_address_failure(session, policy, address, by_address, now)
        raise Unauthenticated("wrong e-mail address or password")
    if throttle is not None:
        throttle.failures, throttle.locked_until = 0, None
    return await _tokens(session, signer, policy, account)


async def _record_failure(session: AsyncSession, policy: AccountPolicy, email: str,
                          throttle: LoginThrottle | None, now: datetime) -> None:
    if throttle is None:
        throttle = LoginThrottle(email=email, failures=0)
        session.add(throttle)
    _count_failure(throttle, now=now, window=policy.lock, limit=policy.max_failures)
    await session.flush()


def _count_failure(throttle: LoginThrottle | AddressThrottle, *, now: datetime, window: timedelta,
                   limit: int) -> None:
    """One more failed login on an account's or an address's counter: counting restarts after a quiet
    ``window``; at ``limit`` failures the counter locks for ``window``."""
    if throttle.last_failure_at and now - throttle.last_failure_at > window:
        throttle.failures = 0
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= limit:
        throttle.locked_until = now + window
        throttle.failures = 0


async def refresh(*, session: AsyncSession, signer: TokenSigner, policy: AccountPolicy, token: str) -> Tokens:
    """Trade a refresh token for a new pair of the same session; the old one is spent (rotation). A spent
    token presented again (a replay, or a thief racing the owner) ends the whole session: every refresh token
    of the family and every access token of it (RFC 6819 5.2.2.3, OAuth 2.1 refresh token rotation). Of two
    concurrent refreshes of one token, one wins the conditional update; the other counts as a reuse."""
    record = await repository.refresh_by_hash(session, _digest(token))
    now = utcnow()
    if record is None or record.expires_at <= now:
        raise Unauthenticated("this refresh token is not valid; log in again")
    if record.used_at is not None:
        log.warning("refresh token reused: session %s of %s ended", record.family_id, record.account_id)
        await end_sessions(session=session, policy=policy, sids={record.family_id})
        raise RefreshReused("this refresh token was used before; the session is ended, log in again")
    if record.revoked_at is not None:
        raise Unauthenticated("this refresh token is not valid; log in again")
    account = await repository.by_id(session, record.account_id)
    if account is None or not account.active:
        raise Unauthenticated("this account is no longer active")
    if not await repository.spend_refresh(session, record.id, now):
        log.warning("refresh token used twice at once: session %s of %s ended", record.family_id, record.account_id)
        await end_sessions(session=session, policy=policy, sids={record.family_id})
        raise RefreshReused("this refresh token was used at the same moment; the session is ended, log in again")
    return await _tokens(session, signer, policy, account, family_id=record.family_id)


async def logout(*, session: AsyncSession, principal: Principal, refresh_token: str | None,
                 policy: AccountPolicy) -> None:
    """End the caller's session (the access token's own, and the refresh token's when given); without a
    refresh token, every session of the caller."""
    sids = {principal.sid} if principal.sid else set()
    if refresh_token:
        record = await repository.refresh_by_hash(session, _digest(refresh_token))
        if record is not None and record.account_id == principal.sub:
            sids.add(record.family_id)
        await end_sessions(session=session, policy=policy, sids=sids)
    else:
        await end_sessions(session=session, policy=policy, sids=sids, account_id=principal.sub)


async def change_password(*, session: AsyncSession, principal: Principal, current: str, new: str,
                          policy: AccountPolicy) -> Account:
    """A new password ends every session of the account, this one included: log in again with it."""
    account = await repository.by_id(session, principal.sub)
    if account is None:
        raise Unauthenticated("this account no longer exists")
    if not await _verify(account.password_hash, current, policy.hasher):
        raise Forbidden("the current password is wrong", field="currentPassword")
    check_password_strength(new, "newPassword")
    account.password_hash = await hash_password(new, policy.hasher)
    account.password_changed_at = utcnow()
    await end_sessions(session=session, policy=policy, account_id=account.id)
    await session.flush()
    return account


async def set_active(*, session: AsyncSession, principal: Principal, account_id: str, active: bool,
                     policy: AccountPolicy) -> Account:
    """The admin deactivates (or reactivates) an account; deactivation ends every session of it."""
    if principal.role is not Role.ADMIN:
        raise Forbidden("only the platform admin deactivates accounts")
    account = await repository.by_id(session, account_id)
    if account is None:
        raise ProblemError(f"no account {account_id}", code="NOT_FOUND", status=404, field="id")
    if account.id == principal.sub and not active:
        raise Forbidden("an admin does not deactivate their own account", field="id")
    account.active = active
    if not active:
        await end_sessions(session=session, policy=policy, account_id=account.id)
    await session.flush()
    return account



# Who may create which accounts. Nobody can create (or become) a role the table does not grant them,
# and no operation changes the role of an existing account: there is no way to promote oneself.
CREATABLE: dict[Role, set[Role]] = {
    Role.ADMIN: set(Role),
    Role.BUREAU: {Role.AGENCY, Role.BUREAU},
    Role.AGENCY: {Role.EXPERT},
    Role.INSURER: {Role.INSURER},
}


class OrgDirectory(Protocol):
    """What the services know about the organisations a new account is bound to, read with the creator's own
    token (so an agency the creator may not see is missing). Each returns None when there is no such row."""

    async def agency(self, agency_id: str) -> dict[str, Any] | None: ...

    async def enterprise(self, enterprise_id: str) -> dict[str, Any] | None: ...

    async def insurer(self, insurer_id: str) -> dict[str, Any] | None: ...

    async def expert(self, expert_id: str) -> dict[str, Any] | None: ...

    async def region_exists(self, code: str) -> bool: ...


async def _check_region(orgs: OrgDirectory, region_code: str | None) -> str:
    """A bureau account is bound to a region that exists: without one it would see nothing (or, in a service
    that failed open, everything)."""
    if not scope.valid_region_code(region_code):
        raise ValidationProblem("a bureau account needs a region code of 6, 9 or 12 digits", field="regionCode")
    assert region_code is not None
    if not await orgs.region_exists(region_code):
        raise NotFound(f"no region {region_code}", field="regionCode")
    return region_code


async def _check_org(creator: Principal, orgs: OrgDirectory, role: Role, org_id: str | None,
                     expert_id: str | None) -> tuple[str | None, str | None]:
    """The organisation (and expert) a bureau or the admin binds a new account to must exist; a bureau makes
    logins only for approved agencies that serve a town of its region. Returns (org_id, expert_id)."""
    if role is Role.EXPERT:
        if not expert_id:
            raise ValidationProblem("an expert account needs its expert id", field="expertId")
        expert = await orgs.expert(expert_id)
        if expert is None:
            raise NotFound(f"no expert {expert_id}", field="expertId")
        if org_id and org_id != expert.get("agency_id"):
            raise ValidationProblem("this expert works for another agency", field="orgId")
        return str(expert.get("agency_id")), expert_id
    if role not in (Role.AGENCY, Role.ENTERPRISE, Role.INSURER):
        return None, None
    if not org_id:
        raise ValidationProblem(f"a {role.value} account needs its organisation id", field="orgId")
    if role is Role.AGENCY:
        agency = await orgs.agency(org_id)
        if agency is None:
            raise NotFound(f"no agency {org_id}", field="orgId")
        if creator.role is Role.BUREAU:
            if agency.get("status") != "APPROVED":
                raise InvalidState("a bureau makes logins only for approved agencies", field="orgId")
            if not scope.sees_any_region(creator, list(agency.get("town_codes") or [])):
                raise Forbidden("this agency serves no town of the bureau's region", field="orgId")
    elif (await (orgs.enterprise(org_id) if role is Role.ENTERPRISE else orgs.insurer(org_id))) is None:
        raise NotFound(f"no {'firm' if role is Role.ENTERPRISE else 'insurer'} {org_id}", field="orgId")
    return org_id, None


async def create_account(*, session: AsyncSession, creator: Principal | None, email: str, password: str,
                         role: Role, org_id: str | None = None, region_code: str | None = None,
                         expert_id: str | None = None, display_name: str | None = None,
                         orgs: OrgDirectory | None = None, hasher: PasswordHasher = _HASHER) -> Account:
    """An account made by someone entitled to, bound to what that someone may hand out: the bureau and the admin
    bind it to an organisation, expert or region that exists (checked through ``orgs``)."""
    if creator is None:
        if role not in (Role.ENTERPRISE, Role.AGENCY):
            raise Forbidden("only a firm or an agency applicant may sign itself up; other accounts are "
                            "created for you", field="role")
        org_id = region_code = expert_id = None
    elif role not in CREATABLE.get(creator.role, set()):
        raise Forbidden(f"a {creator.role.value} account may not create {role.value} accounts", field="role")
    elif creator.role in (Role.BUREAU, Role.ADMIN):
        if creator.role is Role.BUREAU and scope.region_of(creator) is None:
            raise Forbidden("this bureau account has no region; it creates no accounts")
        if orgs is None:
            raise Forbidden("the organisation of the new account cannot be checked")
        if role is Role.BUREAU:
            if creator.role is Role.BUREAU and not scope.sees_region(creator, region_code):
                raise Forbidden("a bureau creates bureau accounts only inside its own region", field="regionCode")
            region_code, org_id, expert_id = await _check_region(orgs, region_code), None, None
        else:
            region_code = None
            org_id, expert_id = await _check_org(creator, orgs, role, org_id, expert_id)
    elif creator.role in (Role.AGENCY, Role.INSURER):
        org_id, region_code = creator.org, None
        if role is Role.EXPERT and not expert_id:
            raise ValidationProblem("an expert account needs its expert id", field="expertId")
    return await add_account(session=session, email=email, password=password, role=role, org_id=org_id,
                             region_code=region_code, expert_id=expert_id, display_name=display_name,
                             created_by=creator.sub if creator else None, hasher=hasher)


async def add_account(*, session: AsyncSession, email: str, password: str, role: Role, org_id: str | None = None,
                      region_code: str | None = None, expert_id: str | None = None,
                      display_name: str | None = None, created_by: str | None = None,
                      hasher: PasswordHasher = _HASHER) -> Account:
    email = normalise_email(email)
    check_password_strength(password)
    if await repository.by_email(session, email) is not None:
        raise Conflict("an account with this e-mail address exists", field="email")
    now = utcnow()
    account = Account(id=new_id("usr"), email=email, password_hash=await hash_password(password, hasher),
                      role=role.value, org_id=org_id, region_code=region_code, expert_id=expert_id,
                      display_name=display_name, active=True, created_by=created_by, created_at=now,
                      password_changed_at=now)
    session.add(account)
    await session.flush()
    return account


async def bind_org(*, session: AsyncSession, principal: Principal, org_id: str) -> Account | None:
    """After a signed-up account registers its firm (or applies as an agency), it belongs to that org."""
    account = await repository.by_id(session, principal.sub)
    if account is None or account.role not in (Role.ENTERPRISE.value, Role.AGENCY.value) or account.org_id:
        return None
    account.org_id = org_id
    await session.flush()
    return account
