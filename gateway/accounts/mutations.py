"""Mutations about accounts: login, refresh, logout, password change, sign-up and account creation."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.accounts import service
from gateway.accounts.types import AccountInput, AuthPayload, Done, DoneResult, LoginResult, Role, User, UserResult
from gateway.common import operation_error, returns_operation_error, unless_missing
from gateway.context import Info
from services.kernel.auth import Role as TokenRole
from services.kernel.errors import Forbidden, NotFound, ProblemError


def _payload(tokens: service.Tokens) -> AuthPayload:
    return AuthPayload(token=tokens.access, user=User.from_account(tokens.account), refresh_token=tokens.refresh,
                       expires_at=tokens.expires_at)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Log in; the token goes in `Authorization: Bearer`. Repeated failures "
                         "lock the address for a while (RATE_LIMITED).")
    @returns_operation_error
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        gw = info.context.gateway
        async with gw.database.transaction() as session:
            try:
                tokens = await service.login(session=session, signer=gw.signer, policy=gw.account_policy,
                                             email=email, password=password)
            except ProblemError as exc:  # the failure is counted: commit it, then answer
                return operation_error(exc)
        return _payload(tokens)

    @strawberry.mutation(description="A new token pair for a refresh token (which is spent).")
    @returns_operation_error
    async def refresh_token(self, info: Info, refresh_token: str) -> LoginResult:
        gw = info.context.gateway
        async with gw.database.transaction() as session:
            tokens = await service.refresh(session=session, signer=gw.signer, policy=gw.account_policy,
                                           token=refresh_token)
        return _payload(tokens)

    @strawberry.mutation(description="Revoke a refresh token, or every one of the caller's when none is given.")
    @returns_operation_error
    async def logout(self, info: Info, refresh_token: str | None = None) -> DoneResult:
        principal = info.context.require()
        async with info.context.gateway.database.transaction() as session:
            await service.logout(session=session, principal=principal, refresh_token=refresh_token)
        return Done(ok=True)

    @strawberry.mutation(description="Change one's own password; every refresh token is revoked.")
    @returns_operation_error
    async def change_password(self, info: Info, current_password: str, new_password: str) -> UserResult:
        principal = info.context.require()
        async with info.context.gateway.database.transaction() as session:
            account = await service.change_password(session=session, principal=principal, current=current_password,
                                                    new=new_password, hasher=info.context.gateway.account_policy.hasher)
        return User.from_account(account)

    @strawberry.mutation(description="A firm (role ENTERPRISE) or an agency applicant (role AGENCY) signs "
                         "itself up without an organisation; `registerEnterprise` / `applyAgency` then binds it.")
    @returns_operation_error
    async def sign_up(self, info: Info, email: str, password: str, role: Role = Role.ENTERPRISE) -> LoginResult:
        gw = info.context.gateway
        async with gw.database.transaction() as session:
            await service.create_account(session=session, creator=None, email=email, password=password,
                                         role=TokenRole(role.value.lower()), hasher=gw.account_policy.hasher)
            tokens = await service.login(session=session, signer=gw.signer, policy=gw.account_policy,
                                         email=email, password=password)
        return _payload(tokens)

    @strawberry.mutation(description="Create an account for someone else: the bureau its agencies (and "
                         "sub-region bureaus), an agency its experts, an insurer its staff, admin anyone.")
    @returns_operation_error
    async def create_account(self, info: Info, input: AccountInput) -> UserResult:
        principal = info.context.require()
        if input.role is Role.EXPERT and principal.role is TokenRole.AGENCY and input.expert_id:
            await _own_expert(info, principal.org, str(input.expert_id))
        async with info.context.gateway.database.transaction() as session:
            account = await service.create_account(
                session=session, creator=principal, email=input.email, password=input.password,
                role=TokenRole(input.role.value.lower()), org_id=input.org_id, region_code=input.region_code,
                expert_id=input.expert_id, display_name=input.display_name, orgs=ServiceDirectory(info),
                hasher=info.context.gateway.account_policy.hasher)
        return User.from_account(account)


class ServiceDirectory:
    """The organisations, experts and regions as the services show them to the creator (its own token)."""

    def __init__(self, info: Info) -> None:
        self.ctx = info.context

    async def agency(self, agency_id: str) -> dict[str, Any] | None:
        return await unless_missing(self.ctx.providers.agency(agency_id))

    async def enterprise(self, enterprise_id: str) -> dict[str, Any] | None:
        return await unless_missing(self.ctx.policy.enterprise(enterprise_id))

    async def insurer(self, insurer_id: str) -> dict[str, Any] | None:
        return next(iter(await self.ctx.policy.insurers_by_ids([insurer_id])), None)

    async def expert(self, expert_id: str) -> dict[str, Any] | None:
        return next(iter(await self.ctx.providers.experts_by_ids([expert_id])), None)

    async def region_exists(self, code: str) -> bool:
        parent = code[:-3] if len(code) > 6 else None
        return any(r.get("code") == code for r in await self.ctx.policy.regions(parent))


async def _own_expert(info: Info, agency_id: str | None, expert_id: str) -> None:
    """An agency makes logins only for its own experts: an account bound to another agency's expert would read
    that expert's visits."""
    rows = await info.context.providers.experts_by_ids([expert_id])
    if not rows:
        raise NotFound(f"no expert {expert_id}", field="expertId")
    if rows[0].get("agency_id") != agency_id:
        raise Forbidden("an agency creates logins only for its own experts", field="expertId")
