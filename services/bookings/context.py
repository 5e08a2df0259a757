"""What the bookings services need besides a session: settings, the calendar, providers, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.bookings.availability import Calendar
from services.bookings.providers import AnswerCache, Providers
from services.bookings.settings import BookingsSettings
from services.bookings.storage import Storage
from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.http import ServiceClient


@dataclass
class BookingContext:
    settings: BookingsSettings
    calendar: Calendar
    providers_client: ServiceClient
    storage: Storage
    clock: Callable[[], datetime] = field(default=utcnow)
    answers: AnswerCache = field(default_factory=lambda: AnswerCache(0))

    @classmethod
    def build(cls, settings: BookingsSettings, providers_client: ServiceClient, storage: Storage) -> BookingContext:
        calendar = Calendar.build(tz=settings.timezone, default_hours=settings.default_hours,
                                  extra_holidays=settings.extra_holidays, extra_workdays=settings.extra_workdays,
                                  grid_minutes=settings.grid_minutes)
        return cls(settings=settings, calendar=calendar, providers_client=providers_client, storage=storage,
                   answers=AnswerCache(settings.providers_cache_seconds))

    def now(self) -> datetime:
        return self.clock()

    def providers(self, principal: Principal) -> Providers:
        return Providers(self.providers_client, principal, self.answers)

    @property
    def min_notice(self) -> timedelta:
        return timedelta(hours=self.settings.min_notice_hours)

    @property
    def free_cancel(self) -> timedelta:
        return timedelta(hours=self.settings.free_cancel_hours)
