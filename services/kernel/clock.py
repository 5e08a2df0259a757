"""The platform's one clock: every reading of "now" and "today" in services, gateway and web comes from here.

Instants are aware UTC; the calendar day people live by is the Asia/Shanghai one (a term, a deadline, a
working day, an expiry are local dates, and the machines run on UTC, so 00:30 in Cixi is still yesterday
in UTC). Tests pin this clock with ``time-machine`` (it moves ``datetime.now`` and ``time.time``, in every
thread), and processes a test starts inherit the same instant through libfaketime
(``services.kernel.testing.pinned_clock_env``); nothing here is a test hook, so production reads the real
time and nothing else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The present instant, aware, in UTC (what is stored)."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """The present instant on the wall clock of the people using the platform (Asia/Shanghai)."""
    return now().astimezone(SHANGHAI)


def today() -> date:
    """The calendar day in China now."""
    return local_now().date()


def local_date(instant: datetime) -> date:
    """The calendar day in China at ``instant`` (an aware datetime)."""
    return instant.astimezone(SHANGHAI).date()


def timestamp() -> float:
    """Seconds since the epoch now (for expiries counted in seconds, such as a session cookie's)."""
    return now().timestamp()
