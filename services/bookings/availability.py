"""When an expert can visit: working hours (local time), days off and blocked periods, Chinese public
holidays with their make-up working days, a travel buffer between towns, minimum notice, and the grid
of units that slot claims use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# 国务院办公厅 holiday notices. Make-up working days (调休) are weekends worked. More years or local
# changes come from settings (``extra_holidays`` / ``extra_workdays``) until the table is updated.
# 2027: the notice is not out yet (2026-11), so only the statutory days of 《全国年节及纪念日放假办法》
# (2024 revision) are listed, with no make-up days; the providers service makes the same assumption.
PUBLIC_HOLIDAYS: dict[date, str] = {}
MAKEUP_WORKDAYS: set[date] = set()


def _span(first: date, days: int, name: str) -> None:
    for i in range(days):
        PUBLIC_HOLIDAYS[first + timedelta(days=i)] = name


for _first, _days, _name in (
    (date(2025, 1, 1), 1, "元旦"), (date(2025, 1, 28), 8, "春节"), (date(2025, 4, 4), 3, "清明节"),
    (date(2025, 5, 1), 5, "劳动节"), (date(2025, 5, 31), 3, "端午节"), (date(2025, 10, 1), 8, "国庆节、中秋节"),
    (date(2026, 1, 1), 3, "元旦"), (date(2026, 2, 15), 9, "春节"), (date(2026, 4, 4), 3, "清明节"),
    (date(2026, 5, 1), 5, "劳动节"), (date(2026, 6, 19), 3, "端午节"), (date(2026, 9, 25), 3, "中秋节"),
    (date(2026, 10, 1), 7, "国庆节"),
    (date(2027, 1, 1), 1, "元旦"), (date(2027, 2, 5), 4, "春节"), (date(2027, 4, 5), 1, "清明节"),
    (date(2027, 5, 1), 2, "劳动节"), (date(2027, 6, 9), 1, "端午节"), (date(2027, 9, 15), 1, "中秋节"),
    (date(2027, 10, 1), 3, "国庆节"),
):
    _span(_first, _days, _name)
MAKEUP_WORKDAYS.update({
    date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11),
    date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
    date(2026, 10, 10),
})


@dataclass(frozen=True)
class Calendar:
    """Which local days are working days, and the default hours of an expert without hours of their own."""

    tz: ZoneInfo
    default_hours: tuple[time, time]
    holidays: frozenset[date]
    workdays: frozenset[date]
    grid: timedelta

    @classmethod
    def build(cls, *, tz: str, default_hours: str, extra_holidays: Iterable[date] = (),
              extra_workdays: Iterable[date] = (), grid_minutes: int = 30) -> Calendar:
        start, _, end = default_hours.partition("-")
        return cls(tz=ZoneInfo(tz), default_hours=(time.fromisoformat(start), time.fromisoformat(end)),
                   holidays=frozenset(PUBLIC_HOLIDAYS) | frozenset(extra_holidays),
                   workdays=frozenset(MAKEUP_WORKDAYS) | frozenset(extra_workdays),
                   grid=timedelta(minutes=grid_minutes))

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def windows(self, day: date, hours: Sequence[tuple[int, time, time]]) -> list[tuple[datetime, datetime]]:
        """The expert's working windows on one local day, as aware UTC instants. A make-up working day
        follows the hours of a Monday when the expert keeps hours of their own."""
        if not self.is_working_day(day):
            return []
        if hours:
            weekday = day.weekday() if day not in self.workdays else 0
            spans = [(s, e) for wd, s, e in hours if wd == weekday]
        else:
            spans = [self.default_hours]
        return [(datetime.combine(day, s, self.tz).astimezone(UTC), datetime.combine(day, e, self.tz).astimezone(UTC))
                for s, e in spans]

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def on_grid(self, instant: datetime) -> bool:
        seconds = int(self.grid.total_seconds())
        return int(instant.timestamp()) % seconds == 0 and instant.microsecond == 0

    def units(self, start: datetime, end: datetime) -> list[datetime]:
        """The grid units a visit [start, end) occupies: the rows it claims in ``slot_claims``."""
        seconds = int(self.grid.total_seconds())
        first = int(start.timestamp()) // seconds * seconds
        out, t = [], first
        while t < end.timestamp():
            out.append(datetime.fromtimestamp(t, UTC))
            t += seconds
        return out


@dataclass(frozen=True)
class Busy:
    """Something the expert already does: a visit (with its town) or time off (town None, no buffer)."""

    start: datetime
    end: datetime
    town_code: str | None = None
    is_visit: bool = True


def conflicts(start: datetime, end: datetime, town_code: str | None, busy: Iterable[Busy],
              buffer: timedelta) -> Busy | None:
    """The first busy period that the visit overlaps, counting the travel buffer between visits in
    different towns (an unknown town counts as different)."""
    for b in busy:
        pad = buffer if b.is_visit and (town_code is None or b.town_code != town_code) else timedelta(0)
        if start < b.end + pad and b.start - pad < end:
            return b
    return None


def free_slots(calendar: Calendar, *, day_from: date, day_to: date, duration: timedelta,
               hours: Sequence[tuple[int, time, time]], busy: Sequence[Busy], town_code: str | None,
               buffer: timedelta, earliest: datetime) -> list[tuple[datetime, datetime]]:
    """Every grid-aligned start in the expert's windows that fits the duration, respects the minimum
    notice (``earliest``) and overlaps nothing busy (with travel buffers)."""
    out: list[tuple[datetime, datetime]] = []
    day = day_from
    while day <= day_to:
        for w_start, w_end in calendar.windows(day, hours):
            t = w_start
            while t + duration <= w_end:
                free = conflicts(t, t + duration, town_code, busy, buffer) is None
                if t >= earliest and calendar.on_grid(t) and free:
                    out.append((t, t + duration))
                t += calendar.grid
        day += timedelta(days=1)
    return out


def within_hours(calendar: Calendar, start: datetime, end: datetime,
                 hours: Sequence[tuple[int, time, time]]) -> bool:
    day = calendar.local_date(start)
    return any(w_start <= start and end <= w_end for w_start, w_end in calendar.windows(day, hours))
