"""Premium arithmetic: base rate per risk class × floating factors with bounds, one rounding rule."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.kernel.errors import ValidationProblem

PPM = Decimal(1_000_000)
MAX_PREMIUM_FEN = 10**15
BP = Decimal(10_000)

# The 8 industries where the insurance is compulsory (Work Safety Law art. 51, the 2025 Measures). For
# hazardous chemicals that is their production, operation (trade) and storage; a firm that merely uses them
# is not in the list (HAZARDOUS_CHEMICALS_USE below).
COMPULSORY_TAGS = {
    "MINING": "矿山", "HAZARDOUS_CHEMICALS_PRODUCTION": "危险化学品生产",
    "HAZARDOUS_CHEMICALS_OPERATION": "危险化学品经营", "HAZARDOUS_CHEMICALS_STORAGE": "危险化学品储存",
    "FIREWORKS": "烟花爆竹", "TRANSPORT": "交通运输", "CONSTRUCTION": "建筑施工", "CIVIL_EXPLOSIVES": "民用爆炸物品",
    "METAL_SMELTING": "金属冶炼", "FISHERIES": "渔业生产",
}
OTHER_RISK_TAGS = {"HAZARDOUS_CHEMICALS_USE": "危险化学品使用"}  # high risk, insurance encouraged, not compulsory
# The one tag before the split (issue 18): still accepted from old clients and imports, read as production, the
# same mapping as migration 0003 (docs/decisions.md).
LEGACY_TAGS = {"HAZARDOUS_CHEMICALS": "HAZARDOUS_CHEMICALS_PRODUCTION"}
THREE_PLACES_TAGS = {  # Zhejiang's "three places, three enterprises"
    "CONFINED_SPACE": "有限空间作业", "COMBUSTIBLE_DUST": "粉尘涉爆", "SPRAY_PAINTING": "喷涂作业",
    "AMMONIA_REFRIGERATION": "涉氨制冷", "MOLTEN_METAL": "金属冶炼(熔融金属)", "SHIPBUILDING": "船舶修造",
}
HIGH_RISK_TAGS = {**COMPULSORY_TAGS, **OTHER_RISK_TAGS, **THREE_PLACES_TAGS}
RISK_CLASS_LABELS = {"LOW": "低风险类", "MEDIUM": "中风险类", "HIGH": "高风险类"}

# Insurer configuration (a product may override any entry in its ``factor_bounds``). Values are ASSUMED
# except the accident record's −10 %…+30 % band (one local rule, domain.md).
DEFAULT_FACTORS: dict[str, dict[str, Any]] = {
    "accident_record": {"label": "事故记录系数", "min": "0.9", "max": "1.3",
                        "none": "0.9", "per_claim": "0.1", "per_death": "0.1"},
    "risk_color": {"label": "风险等级(四色)系数", "min": "0.9", "max": "1.3",
                   "table": {"RED": "1.3", "ORANGE": "1.15", "YELLOW": "1.0", "BLUE": "0.95"}},
    "standardisation": {"label": "安全生产标准化等级系数", "min": "0.8", "max": "1.0",
                        "table": {"1": "0.85", "2": "0.9", "3": "0.95"}},
    "hazard_record": {"label": "隐患整改记录系数", "min": "0.95", "max": "1.2",
                      "closed_only": "0.95", "per_overdue": "0.05"},
    "blacklist": {"label": "失信/黑名单系数", "min": "1.0", "max": "1.1", "listed": "1.1"},
}


@dataclass(frozen=True)
class RiskRecord:
    """What the floating factors read about a firm at pricing time."""

    risk_class: str = "LOW"
    risk_color: str | None = None
    standardisation_grade: str | None = None
    blacklisted: bool = False
    claims: int = 0
    deaths: int = 0
    hazards_closed: int = 0
    hazards_overdue: int = 0


@dataclass(frozen=True)
class Price:
    premium_fen: int
    prevention_budget_fen: int
    factors: list[dict[str, Any]]


def risk_class(tags: list[str]) -> str:
    if any(t in COMPULSORY_TAGS for t in tags):
        return "HIGH"
    if any(t in THREE_PLACES_TAGS or t in OTHER_RISK_TAGS for t in tags):
        return "MEDIUM"
    return "LOW"


def round_fen(amount: Decimal) -> int:
    """THE rounding rule: exact decimal arithmetic, rounded once to the fen, half up."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def prevention_budget(premium_fen: int, share_bp: int) -> int:
    return round_fen(Decimal(premium_fen) * share_bp / BP)


def _config(bounds: dict[str, Any], name: str) -> dict[str, Any]:
    merged = dict(DEFAULT_FACTORS[name])
    merged.update(bounds.get(name, {}))
    return merged


def _clamp(value: Decimal, cfg: dict[str, Any]) -> Decimal:
    return max(Decimal(cfg["min"]), min(Decimal(cfg["max"]), value))


def floating_factors(record: RiskRecord, bounds: dict[str, Any]) -> list[tuple[str, str, Decimal]]:
    """(name, label, value) of each floating factor, each clamped to its configured bounds."""
    out = []
    cfg = _config(bounds, "accident_record")
    if record.claims == 0:
        value = Decimal(cfg["none"])
    else:
        value = 1 + Decimal(cfg["per_claim"]) * record.claims + Decimal(cfg["per_death"]) * record.deaths
    out.append(("accident_record", f"{cfg['label']}({record.claims}起理赔)", _clamp(value, cfg)))
    cfg = _config(bounds, "risk_color")
    value = Decimal(cfg["table"].get(record.risk_color or "", "1.0"))
    out.append(("risk_color", f"{cfg['label']}({record.risk_color or '未评定'})", _clamp(value, cfg)))
    cfg = _config(bounds, "standardisation")
    value = Decimal(cfg["table"].get(record.standardisation_grade or "", "1.0"))
    out.append(("standardisation", f"{cfg['label']}({record.standardisation_grade or '未达标'})",
                _clamp(value, cfg)))
    cfg = _config(bounds, "hazard_record")
    if record.hazards_overdue:
        value = 1 + Decimal(cfg["per_overdue"]) * record.hazards_overdue
    elif record.hazards_closed:
        value = Decimal(cfg["closed_only"])
    else:
        value = Decimal(1)
    out.append(("hazard_record", f"{cfg['label']}(销号{record.hazards_closed}/逾期{record.hazards_overdue})",
                _clamp(value, cfg)))
    cfg = _config(bounds, "blacklist")
    value = Decimal(cfg["listed"]) if record.blacklisted else Decimal(1)
    out.append(("blacklist", f"{cfg['label']}({'在列' if record.blacklisted else '不在列'})", _clamp(value, cfg)))
    return out


def price(*, headcount: int, limit_per_person_fen: int, base_rates_ppm: dict[str, int],
          factor_bounds: dict[str, Any], min_premium_fen: int, prevention_share_bp: int,
          record: RiskRecord) -> Price:
    """premium = headcount × limit × base rate × Π factors, rounded once; never under the minimum."""
    if record.risk_class not in base_rates_ppm:
        raise ValidationProblem(f"the product has no base rate for the risk class {record.risk_class}",
                                field="product_id")
    base = Decimal(base_rates_ppm[record.risk_class]) / PPM
    factors: list[dict[str, Any]] = [
        {"name": "base_rate", "label": f"基础费率({RISK_CLASS_LABELS[record.risk_class]})", "value": float(base)}
    ]
    amount = Decimal(headcount) * Decimal(limit_per_person_fen) * base
    for name, label, value in floating_factors(record, factor_bounds):
        factors.append({"name": name, "label": label, "value": float(value)})
        amount *= value
    premium = round_fen(amount)
    if premium > MAX_PREMIUM_FEN:
        raise ValidationProblem("the premium would exceed what one policy can hold; check headcount and limit",
                                field="headcount")
    if premium < min_premium_fen:
        factors.append({"name": "minimum_premium", "label": "最低保费", "value": float(min_premium_fen / 100)})
        premium = min_premium_fen
    return Price(premium, prevention_budget(premium, prevention_share_bp), factors)
