"""GraphQL types of accounts and login."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from gateway.accounts.models import Account
from gateway.common import OperationError


@strawberry.enum
class Role(enum.Enum):
    ENTERPRISE = "ENTERPRISE"
    INSURER = "INSURER"
    AGENCY = "AGENCY"
    EXPERT = "EXPERT"
    BUREAU = "BUREAU"
    ADMIN = "ADMIN"


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    role: Role
    org_id: strawberry.ID | None
    region_code: str | None
    expert_id: strawberry.ID | None = None
    display_name: str | None = None

    @classmethod
    def from_account(cls, account: Account) -> User:
        return cls(id=strawberry.ID(account.id), email=account.email, role=Role[account.role.upper()],
                   org_id=strawberry.ID(account.org_id) if account.org_id else None,
                   region_code=account.region_code,
                   expert_id=strawberry.ID(account.expert_id) if account.expert_id else None,
                   display_name=account.display_name)


@strawberry.type
class AuthPayload:
    token: str
    user: User
    refresh_token: str | None = None
    expires_at: datetime | None = None


@strawberry.type
class Done:
    ok: bool


@strawberry.input
class AccountInput:
    email: str
    password: str
    role: Role
    org_id: strawberry.ID | None = None
    region_code: str | None = None
    expert_id: strawberry.ID | None = None
    display_name: str | None = None


LoginResult = Annotated[AuthPayload | OperationError, strawberry.union("LoginResult")]
UserResult = Annotated[User | OperationError, strawberry.union("UserResult")]
DoneResult = Annotated[Done | OperationError, strawberry.union("DoneResult")]
