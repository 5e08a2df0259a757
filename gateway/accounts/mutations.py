"""Mutations about accounts: login, refresh, logout, password change, sign-up and account creation."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.accounts import service
from gateway.accounts.types import AccountInput, AuthPayload, Done, DoneResult, LoginResult, Role, User, UserResult
from gateway.clients.policy import PolicyClient
from gateway.common import operation_error, returns_operation_error, unless_missing
from gateway.context import Info
from gateway.enterprises.mutations import enterprise_body
from gateway.enterprises.types import EnterpriseInput
from services.kernel.auth import Role as TokenRole
from services.kernel.errors import Forbidden, NotFound, ProblemError, ValidationProblem
from services.kernel.ids import new_id


def _payload(tokens: service.Tokens) -> AuthPayload:
    return AuthPayload(token=tokens.access, user=User.from_account(tokens.account), refresh_token=tokens.refresh,
                       expires_at=tokens.expires_at)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Log in; the token goes in `Authorization: Bearer`. Repeated failures "
                         "lock the e-mail for a while (RATE_LIMITED), and many from one client address make "
                         "that address wait (TOO_MANY_ATTEMPTS, with retryAfterSeconds).")
    @returns_operation_error
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        gw = info.context.gateway
        async with gw.database.transaction() as session:
            try:
                tokens = await service.login(session=session, signer=gw.signer, policy=gw.account_policy,
                                             email=email, password=password, address=info.context.client_address)
            except ProblemError as exc:  # the failure is counted: commit it, then answer
                return operation_error(exc)
        return _payload(tokens)

    @strawberry.mutation(description="A new token pair of the same session for a refresh token (which is "
                         "spent). A spent token presented again ends the whole session (UNAUTHENTICATED).")
    @returns_operation_error
    async def refresh_token(self, info: Info, refresh_token: str) -> LoginResult:
        gw = info.context.gateway
        async with gw.database.transaction() as session:
            try:
                tokens = await service.refresh(session=session, signer=gw.signer, policy=gw.account_policy,
                                               token=refresh_token)
            except ProblemError as exc:  # a reuse ends the session: commit that, then answer
                return operation_error(exc)
        return _payload(tokens)

    @strawberry.mutation(description="End the caller's session (this token's, and the refresh token's when "
                         "given); without a refresh token, every session of the caller. The access tokens "
                         "concerned are refused everywhere from the next request.")
    @returns_operation_error
    async def logout(self, info: Info, refresh_token: str | None = None) -> DoneResult:
        principal = info.context.require()
        gw = info.context.gateway
        async with gw.database.transaction() as session:
            await service.logout(session=session, principal=principal, refresh_token=refresh_token,
                                 policy=gw.account_policy)
        return Done(ok=True)

    @strawberry.mutation(description="Change one's own password; every session of the account ends (this "
                         "one too): log in again with the new password.")
    @returns_operation_error
    async def change_password(self, info: Info, current_password: str, new_password: str) -> UserResult:
        principal = info.context.require()
        gw = info.context.gateway
        async with gw.database.transaction() as session:
            account = await service.change_password(session=session, principal=principal, current=current_password,
                                                    new=new_password, policy=gw.account_policy)
        return User.from_account(account)

    @strawberry.mutation(description="The admin deactivates an account (every session of it ends at once) or "
                         "reactivates it.")
    @returns_operation_error
    async def set_account_active(self, info: Info, id: strawberry.ID, active: bool) -> UserResult:
        principal = info.context.require(TokenRole.ADMIN)
        gw = info.context.gateway
        async with gw.database.transaction() as session:
            account = await service.set_active(session=session, principal=principal, account_id=str(id),
                                               active=active, policy=gw.account_policy)
        return User.from_account(account)

    @strawberry.mutation(description="A firm (role ENTERPRISE) or an agency applicant (role AGENCY) signs "
                         "itself up. With `enterprise` the firm is registered in the same step and the token "
                         "carries it: the login and the firm are made together or not at all (a refused firm, "
                         "e.g. INVALID_USCC or CONFLICT, leaves no account). Without it the account has no "
                         "organisation until `registerEnterprise` / `applyAgency` binds it.")
    @returns_operation_error
    async def sign_up(self, info: Info, email: str, password: str, role: Role = Role.ENTERPRISE,
                      enterprise: EnterpriseInput | None = None) -> LoginResult:
        gw = info.context.gateway
        if enterprise is not None and role is not Role.ENTERPRISE:
            raise ValidationProblem("a firm is registered with an ENTERPRISE account only", field="enterprise")
        async with gw.database.transaction() as session:
            account = await service.create_account(session=session, creator=None, email=email, password=password,
                                                   role=TokenRole(role.value.lower()), hasher=gw.account_policy.hasher)
            if enterprise is not None:
                # the firm first, as the account not yet committed: a refusal rolls the account back with it
                access = service.issue_access(gw.signer, account, new_id("sid"))
                row = await PolicyClient(gw.endpoints["policy"], access).register_enterprise(
                    enterprise_body(enterprise))
                account.org_id = row["id"]
                await session.flush()
            tokens = await service.login(session=session, signer=gw.signer, policy=gw.account_policy,
                                         email=email, password=password, address=info.context.client_address)
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
