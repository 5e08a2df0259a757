"""The working-day calendar of mainland China: Monday to Friday, minus public holidays, plus the make-up
working days (调休) the State Council announces each year. Exceptions live in the ``calendar_days`` table,
filled from the arrangements below and editable by the admin for years announced later."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.providers import repository_feedback as feedback
from services.providers.models import CalendarDay

SOURCE_2025 = "国务院办公厅关于2025年部分节假日安排的通知(国办发明电〔2024〕12号,2024-11-12)"
SOURCE_2026 = "国务院办公厅关于2026年部分节假日安排的通知(新华社 2025-11-04)"
SOURCE_2027 = "假设:2027年安排未公布时仅录入《全国年节及纪念日放假办法》(2024修订)的法定假日,无调休"


def _span(start: date, days: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(days)]


def _holidays(source: str, spans: Iterable[tuple[str, date, int]]) -> list[tuple[date, bool, str, str]]:
    return [(d, False, name, source) for name, start, days in spans for d in _span(start, days)]


def _makeup(source: str, days: Iterable[tuple[str, date]]) -> list[tuple[date, bool, str, str]]:
    return [(d, True, f"{name}调休上班", source) for name, d in days]


D = date
ARRANGEMENTS: list[tuple[date, bool, str, str]] = [
    *_holidays(SOURCE_2025, [("元旦", D(2025, 1, 1), 1), ("春节", D(2025, 1, 28), 8), ("清明节", D(2025, 4, 4), 3),
                             ("劳动节", D(2025, 5, 1), 5), ("端午节", D(2025, 5, 31), 3),
                             ("国庆节、中秋节", D(2025, 10, 1), 8)]),
    *_makeup(SOURCE_2025, [("春节", D(2025, 1, 26)), ("春节", D(2025, 2, 8)), ("劳动节", D(2025, 4, 27)),
                           ("国庆节", D(2025, 9, 28)), ("国庆节", D(2025, 10, 11))]),
    *_holidays(SOURCE_2026, [("元旦", D(2026, 1, 1), 3), ("春节", D(2026, 2, 15), 9), ("清明节", D(2026, 4, 4), 3),
                             ("劳动节", D(2026, 5, 1), 5), ("端午节", D(2026, 6, 19), 3),
                             ("中秋节", D(2026, 9, 25), 3), ("国庆节", D(2026, 10, 1), 7)]),
    *_makeup(SOURCE_2026, [("元旦", D(2026, 1, 4)), ("春节", D(2026, 2, 14)), ("春节", D(2026, 2, 28)),
                           ("劳动节", D(2026, 5, 9)), ("国庆节", D(2026, 9, 20)), ("国庆节", D(2026, 10, 10))]),
    # 2027: the statutory days only (New Year's Eve of the lunar year is 2027-02-05).
    *_holidays(SOURCE_2027, [("元旦", D(2027, 1, 1), 1), ("春节", D(2027, 2, 5), 4), ("清明节", D(2027, 4, 5), 1),
                             ("劳动节", D(2027, 5, 1), 2), ("端午节", D(2027, 6, 9), 1),
                             ("中秋节", D(2027, 9, 15), 1), ("国庆节", D(2027, 10, 1), 3)]),
]


async def ensure_calendar(session: AsyncSession) -> int:
    """Add the known arrangements that are missing (an admin's own edits are kept); returns how many."""
    known = await feedback.calendar_days(session, min(a[0] for a in ARRANGEMENTS),
                                         max(a[0] for a in ARRANGEMENTS))
    missing = [CalendarDay(day=day, working=working, name=name, source=source)
               for day, working, name, source in ARRANGEMENTS if day not in known]
    if not missing:
        return 0
    try:
        async with session.begin_nested():
            session.add_all(missing)
    except IntegrityError:
        return 0  # filled at the same moment by another request or replica
    return len(missing)


class WorkingCalendar:
    """Working-day arithmetic over a window of exceptions loaded once."""

    def __init__(self, exceptions: dict[date, bool]) -> None:
        self.exceptions = exceptions

    @classmethod
    async def load(cls, session: AsyncSession, start: date, end: date) -> WorkingCalendar:
        rows = await feedback.calendar_days(session, start, end)
        return cls({d: row.working for d, row in rows.items()})

    def is_working(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working(day):
                left -= 1
        return day


async def working_days_after(session: AsyncSession, start: date, days: int) -> date:
    # Enough room for the longest holiday runs: 30 working days never span more than ~60 calendar days.
    calendar = await WorkingCalendar.load(session, start, start + timedelta(days=days * 2 + 40))
    return calendar.add_working_days(start, days)
