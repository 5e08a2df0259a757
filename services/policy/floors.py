"""The per-person limit floor: 400,000 yuan nationally (2025 Measures), higher where a region sets more."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NATIONAL_MIN_LIMIT_FEN = 40_000_000  # 400,000 yuan per person (《安全生产责任保险实施办法》 2025)


@dataclass(frozen=True)
class Floor:
    """The floor that binds a firm, and the region that set it (None: the national minimum)."""

    fen: int
    region_code: str | None = None


def _prefix(code: str) -> str:
    """What a 6-digit division code covers: 330000 (a province) → 33, 330200 (a city) → 3302, 330282 → 330282."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def check(floors: Mapping[str, int]) -> dict[str, int]:
    """Validate a region → floor mapping: 6-digit division codes, no floor below the national minimum."""
    out: dict[str, int] = {}
    for code, fen in floors.items():
        if len(code) != 6 or not code.isdigit():
            raise ValueError(f"{code!r} is not a 6-digit division code (a province 330000, a city 330200 or 330282)")
        if int(fen) < NATIONAL_MIN_LIMIT_FEN:
            raise ValueError(f"the floor of {code} ({int(fen)} fen) is below the national minimum of 400,000 yuan "
                             f"({NATIONAL_MIN_LIMIT_FEN} fen); a region may set more, never less")
        out[code] = int(fen)
    return out


def floor_for(town_code: str, floors: Mapping[str, int]) -> Floor:
    """The highest floor among the national one and those of every region the town lies in (a city within a
    province cannot go below the province)."""
    best = Floor(NATIONAL_MIN_LIMIT_FEN)
    for code, fen in floors.items():
        if town_code.startswith(_prefix(code)) and fen > best.fen:
            best = Floor(fen, code)
    return best
