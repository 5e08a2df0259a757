"""The authorization table's vocabulary: for every operation (a REST route "METHOD /v1/path" or a GraphQL
query/mutation field) which roles may call it and, per role, which rows it may reach (the tenant rule).

Each part keeps its own table next to its routes (``services/<part>/access.py``, ``gateway/access.py``); the
matrix test (tests/security/test_matrix.py) fails when an operation has no row, when a row names an
operation that no longer exists, when a REST row's roles differ from the route's ``allow(...)``, and when a
role that is not allowed, or the same role of another tenant, gets through. See docs/security.md."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from services.kernel.auth import Role, _api_routes


class Scope(enum.StrEnum):
    """The tenant rule: which rows a role reaches through an operation."""

    PUBLIC = "public"  # anyone, without logging in; no tenant data
    ANY = "any"  # the role reaches every row: reference data or the role's own tool (catalogue, calendar)
    OWN_FIRM = "own firm"  # ENTERPRISE: rows of its own firm (token ``org``)
    OWN_BOOK = "own book"  # INSURER: rows of its own policies and quotes (token ``org``)
    OWN_AGENCY = "own agency"  # AGENCY: rows of its own agency (token ``org``)
    OWN_EXPERT = "own expert"  # EXPERT: rows assigned to the expert (token ``expert``)
    OWN_REGION = "own region"  # BUREAU: rows whose region code starts with the token's ``region``
    ADMIN_ONLY = "admin only"
    SELF = "self"  # the caller's own account


ADMIN = Role.ADMIN
ALL_ROLES: tuple[Role, ...] = (Role.ENTERPRISE, Role.INSURER, Role.AGENCY, Role.EXPERT, Role.BUREAU, ADMIN)


@dataclass(frozen=True)
class Access:
    """One operation's row: ``scopes`` maps each allowed role to its tenant rule (ADMIN, when allowed, sees
    every row); ``public`` operations need no token; ``lists`` says the answer is a list whose rows are
    filtered by the tenant rule; ``finding`` names the issue-13 finding that breaks the rule today."""

    scopes: dict[Role, Scope] = field(default_factory=dict)
    public: bool = False
    lists: bool = False
    note: str = ""
    finding: dict[Role, str] = field(default_factory=dict)  # role -> "N: branch" of an open issue-13 finding

    @property
    def roles(self) -> frozenset[Role]:
        """The roles that may call (ADMIN always may, like ``allow(...)``)."""
        return frozenset(self.scopes) | {ADMIN}

    def allows(self, role: Role | None) -> bool:
        if self.public:
            return True
        return role is not None and role in self.roles


def public(note: str = "", *, lists: bool = False) -> Access:
    return Access(public=True, lists=lists, note=note)


def admin_only(note: str = "") -> Access:
    return Access(scopes={ADMIN: Scope.ADMIN_ONLY}, note=note)


def rule(*, lists: bool = False, note: str = "", finding: dict[str, str] | None = None,
         **by_role: Scope) -> Access:
    """``rule(enterprise=Scope.OWN_FIRM, bureau=Scope.OWN_REGION, lists=True)``; ``finding`` maps a role's
    name to the open issue-13 finding that breaks its rule today."""
    return Access(scopes={Role(name): scope for name, scope in by_role.items()}, lists=lists, note=note,
                  finding={Role(name): text for name, text in (finding or {}).items()})


def every_tenant(*, lists: bool = False, note: str = "", finding: dict[str, str] | None = None) -> Access:
    """Every role, each to its own rows: firm, book, agency, expert (assigned), region."""
    return rule(enterprise=Scope.OWN_FIRM, insurer=Scope.OWN_BOOK, agency=Scope.OWN_AGENCY,
                expert=Scope.OWN_EXPERT, bureau=Scope.OWN_REGION, lists=lists, note=note, finding=finding)


def anyone_logged_in(scope: Scope = Scope.ANY, *, lists: bool = False, note: str = "",
                     **overrides: Scope) -> Access:
    """Every role may call; ``overrides`` narrow some roles' rule."""
    scopes = {role: scope for role in ALL_ROLES if role is not ADMIN}
    scopes.update({Role(name): s for name, s in overrides.items()})
    return Access(scopes=scopes, lists=lists, note=note)


# ---------------------------------------------------------------- a service's declared routes


def _declared(dependant: Any) -> tuple[str, tuple[Role, ...]] | None:
    call = getattr(dependant, "call", None)
    if call is not None and hasattr(call, "_anze_access"):
        return call._anze_access  # type: ignore[no-any-return]
    for dep in getattr(dependant, "dependencies", []):
        found = _declared(dep)
        if found is not None:
            return found
    return None


def declared_routes(app: FastAPI, prefix: str = "/v1") -> Iterator[tuple[str, str, tuple[Role, ...] | None]]:
    """Every route under ``prefix`` as ("METHOD /path", kind, roles): kind "public" (PUBLIC, roles None) or
    "roles" (``allow(...)``, the roles given; ADMIN is always added by ``allow``)."""
    for route in _api_routes(app.routes):
        if not route.path.startswith(prefix):
            continue
        declared = _declared(route.dependant)
        kind, roles = declared if declared is not None else ("none", ())
        for method in sorted(route.methods or []):
            if method == "HEAD":
                continue
            yield f"{method} {route.path}", kind, (None if kind == "public" else tuple(roles))


def table_roles(access: Access) -> frozenset[Role] | None:
    return None if access.public else access.roles


def declared_roles(roles: Iterable[Role] | None) -> frozenset[Role] | None:
    return None if roles is None else frozenset(roles) | {ADMIN}
