"""Today as the users see it: dates in Asia/Shanghai (validity, expiry and deadlines are local dates)."""

from __future__ import annotations

from datetime import date, datetime

from services.kernel import clock
from services.kernel.clock import SHANGHAI as LOCAL_TZ

__all__ = ["LOCAL_TZ", "local_today"]


def local_today(now: datetime | None = None) -> date:
    """The calendar date in Asia/Shanghai at ``now`` (an aware instant; default the present)."""
    return clock.local_date(now) if now else clock.today()
