"""Languages of the pages: Chinese (the source text of every template) by default, English on request,
plus the labels of enum values and the formats of money, rates and times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from fastapi import Request

from services.kernel.clock import SHANGHAI
from web.messages import EN, LABELS

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "anze_lang"


def language(request: Request) -> str:
    """``?lang=`` wins for this page, then the cookie the switch set; Chinese otherwise."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def translator(lang: str) -> Callable[..., str]:
    """``_("登录")`` → ``Log in`` in English; ``_("共 {n} 家", n=3)`` formats after translating."""

    def gettext(text: str, **values: object) -> str:
        out = EN.get(text, text) if lang == "en" else text
        return out.format(**values) if values else out

    return gettext


def label(kind: str, value: str | None, lang: str) -> str:
    """The shown name of an enum value (``label("PolicyStatus", "ACTIVE")`` → 有效 / Active)."""
    if value is None:
        return "—"
    pair = LABELS.get(kind, {}).get(value)
    if pair is None:
        return value
    return pair[1] if lang == "en" else pair[0]


def money(fen: int | None, lang: str = "zh") -> str:
    """Integer fen as yuan with two decimals (never through a float)."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def yuan_to_fen(text: str) -> int | None:
    """A yuan amount typed by a person ("400000", "1,234.5", "40万") as fen, or None when it is not one
    (web/money.py is the parser; it also says what to type)."""
    from web.money import money_fen

    return money_fen(text).fen


def percent(rate: float | None, digits: int = 1) -> str:
    return "—" if rate is None else f"{rate * 100:.{digits}f}%"


def local_time(value: str | datetime | None, with_date: bool = True) -> str:
    """An instant shown in Asia/Shanghai (stored in UTC)."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")
    moment = moment.astimezone(SHANGHAI)
    return moment.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def local_date(value: str | date | None) -> str:
    if not value:
        return "—"
    return value if isinstance(value, str) else value.isoformat()
