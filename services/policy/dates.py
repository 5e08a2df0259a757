"""Calendar rules of the policy service: today in China, policy terms, pro-rata days."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from services.kernel import clock


def today() -> date:
    """The calendar day in China: a term, a quote's validity and coverage are counted in local days."""
    return clock.today()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, months: int) -> date:
    """The last day covered: a 12-month policy from 1 March 2026 covers up to and including 28 Feb 2027."""
    return add_months(start, months) - timedelta(days=1)


def term_days(start: date, end: date) -> int:
    """Days covered, both ends included (365 or 366 for a year)."""
    return (end - start).days + 1
