"""Size class of a firm (《中小企业划型标准规定》2011): computed from sector, staff, revenue and assets."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from services.kernel.errors import ValidationProblem

FEN_PER_WAN = 1_000_000  # 10,000 yuan × 100 fen: the standard's thresholds are in 万元


class SizeClass(enum.StrEnum):
    LARGE = "LARGE"
    MEDIUM = "MEDIUM"
    SMALL = "SMALL"
    MICRO = "MICRO"


class Sector(enum.StrEnum):
    INDUSTRY = "INDUSTRY"
    CONSTRUCTION = "CONSTRUCTION"
    WHOLESALE = "WHOLESALE"
    RETAIL = "RETAIL"
    TRANSPORT = "TRANSPORT"
    WAREHOUSING = "WAREHOUSING"
    POSTAL = "POSTAL"
    AGRICULTURE = "AGRICULTURE"
    OTHER = "OTHER"


@dataclass(frozen=True)
class Bounds:
    """One measure's thresholds; ``None`` where the standard does not use that measure."""

    medium: int | None
    small: int | None
    ceiling: int | None  # the SME test: below the ceiling of *either* measure


@dataclass(frozen=True)
class Rule:
    staff: Bounds | None = None
    revenue_wan: Bounds | None = None
    assets_wan: Bounds | None = None


# domain.md's table. POSTAL and AGRICULTURE are not in domain.md: their rows come from the same 2011
# standard (邮政业; 农、林、牧、渔业) and are listed as such in docs/policy.md.
RULES: dict[Sector, Rule] = {
    Sector.INDUSTRY: Rule(staff=Bounds(300, 20, 1000), revenue_wan=Bounds(2000, 300, 40000)),
    Sector.CONSTRUCTION: Rule(revenue_wan=Bounds(6000, 300, 80000), assets_wan=Bounds(5000, 300, 80000)),
    Sector.WHOLESALE: Rule(staff=Bounds(20, 5, 200), revenue_wan=Bounds(5000, 1000, 40000)),
    Sector.RETAIL: Rule(staff=Bounds(50, 10, 300), revenue_wan=Bounds(500, 100, 20000)),
    Sector.TRANSPORT: Rule(staff=Bounds(300, 20, 1000), revenue_wan=Bounds(3000, 200, 30000)),
    Sector.WAREHOUSING: Rule(staff=Bounds(100, 20, 200), revenue_wan=Bounds(1000, 100, 30000)),
    Sector.POSTAL: Rule(staff=Bounds(300, 20, 1000), revenue_wan=Bounds(2000, 100, 30000)),
    Sector.AGRICULTURE: Rule(revenue_wan=Bounds(500, 50, 20000)),
    Sector.OTHER: Rule(staff=Bounds(100, 10, 300)),
}


def classify(*, sector: Sector | str, employees: int, annual_revenue_fen: int,
             total_assets_fen: int | None = None) -> SizeClass:
    """Large fails the SME test; medium meets both medium bounds; micro is under either small bound;
    small is the rest of the SMEs."""
    sector = Sector(sector)
    rule = RULES[sector]
    if rule.assets_wan is not None and total_assets_fen is None:
        raise ValidationProblem("total assets are needed to classify a construction firm",
                                field="total_assets_fen")
    # (value, bounds, scale): money compared in whole fen, so no float ever decides a boundary
    values: list[tuple[int, Bounds, int]] = []
    if rule.staff is not None:
        values.append((employees, rule.staff, 1))
    if rule.revenue_wan is not None:
        values.append((annual_revenue_fen, rule.revenue_wan, FEN_PER_WAN))
    if rule.assets_wan is not None:
        values.append((total_assets_fen or 0, rule.assets_wan, FEN_PER_WAN))

    is_sme = any(b.ceiling is not None and v < b.ceiling * k for v, b, k in values)
    if not is_sme:
        return SizeClass.LARGE
    if all(b.medium is not None and v >= b.medium * k for v, b, k in values):
        return SizeClass.MEDIUM
    if any(b.small is not None and v < b.small * k for v, b, k in values):
        return SizeClass.MICRO
    return SizeClass.SMALL
