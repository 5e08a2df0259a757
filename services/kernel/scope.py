"""Who may see rows of which region, firm, insurer, agency or expert: the one place every service asks.

The rule fails closed: a principal whose scope is missing (a bureau without a valid region code, a firm, insurer
or agency without its organisation, an expert without an expert id) sees nothing. ADMIN sees everything. Region
codes nest by prefix (city 330282 ⊃ town 330282107 ⊃ village 330282107201), so a bureau sees its region and
every region below it, never a sibling or a parent.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from services.kernel.auth import Principal, Role
from services.kernel.errors import Forbidden

# county-level city (6 digits), town / sub-district (9), village (12): the levels a bureau can be set up for
_REGION = re.compile(r"^\d{6}(\d{3}){0,2}$")
ORG_ROLES = (Role.ENTERPRISE, Role.INSURER, Role.AGENCY)


def valid_region_code(code: str | None) -> bool:
    """A region code a bureau may be bound to: 6, 9 or 12 digits."""
    return bool(code) and bool(_REGION.match(code or ""))


def region_of(principal: Principal | None) -> str | None:
    """The bureau's region when it has a valid one, else None (the bureau then sees nothing)."""
    if principal is None or principal.role is not Role.BUREAU:
        return None
    return principal.region if valid_region_code(principal.region) else None


def code_in_region(code: str | None, region: str | None) -> bool:
    """Whether ``code`` lies in ``region`` (equal or below it); False when either is missing or malformed."""
    return valid_region_code(region) and bool(code) and str(code).startswith(region or "\x00")


def sees_region(principal: Principal | None, code: str | None) -> bool:
    """May this principal see rows of the region ``code``? ADMIN always; a bureau for codes in its region."""
    if principal is None:
        return False
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.BUREAU and code_in_region(code, region_of(principal))


def sees_any_region(principal: Principal | None, codes: list[str] | tuple[str, ...] | None) -> bool:
    """A row spanning several regions (an agency's service towns) is the bureau's when one of them is."""
    return any(sees_region(principal, code) for code in (codes or ()))


def own_org(principal: Principal | None) -> str | None:
    """The organisation a firm, insurer, agency or expert (its agency) acts for; None when missing."""
    if principal is None or principal.role not in (*ORG_ROLES, Role.EXPERT):
        return None
    return principal.org or None


def sees_org(principal: Principal | None, org_id: str | None, *roles: Role) -> bool:
    """May this principal see rows of organisation ``org_id``? ADMIN always; otherwise only its own org, and only
    for the roles given (all organisation roles when none are)."""
    if principal is None:
        return False
    if principal.role is Role.ADMIN:
        return True
    if roles and principal.role not in roles:
        return False
    own = own_org(principal)
    return own is not None and org_id is not None and own == org_id


def sees_expert(principal: Principal | None, expert_id: str | None) -> bool:
    """An expert sees its own rows only; ADMIN all."""
    if principal is None:
        return False
    if principal.role is Role.ADMIN:
        return True
    return (principal.role is Role.EXPERT and bool(principal.expert) and expert_id is not None
            and principal.expert == expert_id)


def require_region(principal: Principal, code: str | None, what: str = "this record") -> None:
    """Refuse (FORBIDDEN) unless the principal sees region ``code``."""
    if not sees_region(principal, code):
        raise Forbidden(f"{what} lies outside your region")


def region_filter(principal: Principal | None, column: Any) -> ColumnElement[bool]:
    """SQL: rows whose region ``column`` the principal sees (TRUE for ADMIN, FALSE when no region)."""
    if principal is not None and principal.role is Role.ADMIN:
        return true()
    region = region_of(principal)
    if region is None:
        return false()
    return column.startswith(region)


def regions_filter(principal: Principal | None, columns: list[Any]) -> ColumnElement[bool]:
    """SQL: rows where any of several region columns lies in the principal's region."""
    if principal is not None and principal.role is Role.ADMIN:
        return true()
    if region_of(principal) is None or not columns:
        return false()
    return or_(*(region_filter(principal, c) for c in columns))


def org_filter(principal: Principal | None, column: Any) -> ColumnElement[bool]:
    """SQL: rows of the principal's own organisation (TRUE for ADMIN, FALSE when it has none)."""
    if principal is not None and principal.role is Role.ADMIN:
        return true()
    own = own_org(principal)
    return false() if own is None else column == own


def expert_filter(principal: Principal | None, column: Any) -> ColumnElement[bool]:
    """SQL: an expert's own rows (TRUE for ADMIN, FALSE without an expert id)."""
    if principal is not None and principal.role is Role.ADMIN:
        return true()
    if principal is None or principal.role is not Role.EXPERT or not principal.expert:
        return false()
    return column == principal.expert
