"""Today as the users see it: dates in Asia/Shanghai (validity, expiry and deadlines are local dates)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_today(now: datetime | None = None) -> date:
    """The calendar date in Asia/Shanghai at ``now`` (an aware instant; default the present)."""
    return (now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ).date()
