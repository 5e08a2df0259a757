"""Queries about accounts: who am I, and the accounts an organisation manages."""

from __future__ import annotations

import strawberry

from gateway.accounts import repository
from gateway.accounts.types import Role, User
from gateway.context import Info
from services.kernel.auth import Role as TokenRole


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The logged-in account; null when not logged in.")
    async def me(self, info: Info) -> User | None:
        principal = info.context.principal
        if principal is None:
            if info.context.auth_error is not None:
                raise info.context.auth_error
            return None
        async with info.context.gateway.database.transaction() as session:
            account = await repository.by_id(session, principal.sub)
        return User.from_account(account) if account else None

    @strawberry.field(description="Accounts the caller manages: an agency its experts, an insurer its staff, "
                      "the bureau and admin any.")
    async def accounts(self, info: Info, role: Role | None = None) -> list[User]:
        principal = info.context.require(TokenRole.AGENCY, TokenRole.INSURER, TokenRole.BUREAU)
        org = principal.org if principal.role in (TokenRole.AGENCY, TokenRole.INSURER) else None
        async with info.context.gateway.database.transaction() as session:
            rows = await repository.list_accounts(session, role=role.value.lower() if role else None, org_id=org,
                                                  limit=500)
        if principal.role is TokenRole.BUREAU:
            rows = [a for a in rows if a.role in ("agency", "bureau", "expert")]
        return [User.from_account(a) for a in rows]
