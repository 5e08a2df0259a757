"""Queries about accounts: who am I, and the accounts an organisation manages."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.accounts import repository
from gateway.accounts.types import Role, User
from gateway.context import Info
from services.kernel import scope
from services.kernel.auth import Role as TokenRole
from services.kernel.errors import ValidationProblem


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

    @strawberry.field(description="Accounts the caller manages, by e-mail: an agency its experts, an insurer its "
                      "staff, a bureau the bureaus of its region and the agencies (and their experts) serving "
                      "it, admin any. `first` (at most 500) rows after the e-mail `after` (the last of the "
                      "previous page).")
    async def accounts(self, info: Info, role: Role | None = None, first: int = 100,
                       after: str | None = None) -> list[User]:
        principal = info.context.require(TokenRole.AGENCY, TokenRole.INSURER, TokenRole.BUREAU)
        if not 1 <= first <= 500:
            raise ValidationProblem("first is between 1 and 500", field="first")
        org, visible = None, None
        if principal.role in (TokenRole.AGENCY, TokenRole.INSURER):
            org = scope.own_org(principal) or "\x00"  # an account without its org sees nobody
        elif principal.role is TokenRole.BUREAU:
            visible = repository.bureau_visible(principal, await _agencies_in_region(info))
        async with info.context.gateway.database.transaction() as session:
            rows = await repository.list_accounts(session, role=role.value.lower() if role else None, org_id=org,
                                                  visible=visible, after=after, limit=first)
        return [User.from_account(a) for a in rows]


async def _agencies_in_region(info: Info) -> list[str]:
    """The agencies serving a town of the calling bureau's region, as providers shows them to it."""
    principal = info.context.require(TokenRole.BUREAU)
    if scope.region_of(principal) is None:
        return []
    ids: list[str] = []
    params: dict[str, Any] = {"approved_only": False, "limit": 500}
    while True:
        body = await info.context.providers.agencies(params)
        ids.extend(a["id"] for a in body["items"] if scope.sees_any_region(principal, a.get("town_codes") or []))
        if not body.get("next_cursor"):
            return ids
        params = {**params, "cursor": body["next_cursor"]}
