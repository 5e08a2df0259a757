"""Amounts of money as people type them in the forms, the one parser every money field of the pages uses.

Understood: plain yuan ("400000", "400000.5"), thousands separators ("1,000,000", full-width "１,０００,０００" or
"1，000，000"), a currency sign or unit ("¥400,000", "400000元") and 万 = 10,000 yuan ("50万", "50 万元", "2.5万").
Anything else ("五十万", "50w", "1.234", "-5") is refused with exactly what to type. Amounts become fen (分)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

HOW_TO_TYPE = "请输入金额（元），例如 500000、500,000 或 50万（1 万 = 10,000 元）。"
NOT_UNDERSTOOD = "无法识别此金额：请只用数字，可带千位分隔符“,”或单位“万”，例如 500000、500,000 或 50万。"
NEGATIVE = "金额不能为负数，例如 500000 或 50万。"
TOO_MANY_DECIMALS = "小数位过多：元最多 2 位小数（到分），万最多 6 位小数，例如 1234.56 或 2.5万。"
TOO_LARGE = "金额过大，请核对后重新输入。"
WAN, YUAN = "万", "元"  # 万 = 10,000 yuan
_SHAPE = re.compile(rf"^(?P<number>\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(?P<frac>\d+))?(?P<unit>{WAN})?{YUAN}?$")
MAX_FEN = 10**15  # a trillion yuan: beyond any amount a form here takes


@dataclass(frozen=True)
class Money:
    """The amount in fen, or None with the reason (``error``: Chinese, saying what to type; None when blank)."""

    fen: int | None
    error: str | None = None


def money_fen(text: str | None, *, required: bool = True) -> Money:
    """What a person typed into a money field, in fen; see the module for what is understood."""
    cleaned = unicodedata.normalize("NFKC", text or "").replace(" ", "").replace("\u3000", "")
    cleaned = cleaned.replace("，", ",").lstrip("¥￥").removeprefix("RMB")
    if not cleaned:
        return Money(None, HOW_TO_TYPE if required else None)
    match = _SHAPE.match(cleaned)
    if match is None:
        return Money(None, NEGATIVE if cleaned.startswith("-") else NOT_UNDERSTOOD)
    frac = match.group("frac") or ""
    wan = match.group("unit") == WAN
    if len(frac) > (6 if wan else 2):
        return Money(None, TOO_MANY_DECIMALS)
    try:
        yuan = Decimal(match.group("number").replace(",", "") + (f".{frac}" if frac else ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return Money(None, HOW_TO_TYPE)
    fen = yuan * (10_000 if wan else 1) * 100
    if fen >= MAX_FEN:
        return Money(None, TOO_LARGE)
    return Money(int(fen))
