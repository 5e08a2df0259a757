"""Travel to a visit: check-in opens a set time before a visit's start (bookings ``checkin_earliest_hours``,
2 hours by default), so a test that checks in for a visit days ahead travels the pinned clock (time-machine,
every thread of this process: the embedded platform too) to a few minutes after the start, as the expert would
be on site then. Processes a test starts keep their own clock (see docs/testing.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import time_machine


def at_the_visit(start: str | datetime, minutes: int = 5) -> Any:
    instant = datetime.fromisoformat(start) if isinstance(start, str) else start
    return time_machine.travel(instant + timedelta(minutes=minutes), tick=True)
