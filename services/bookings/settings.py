"""Settings of the bookings service (``ANZE_BOOKINGS_*``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.kernel.settings import PartSettings


class BookingsSettings(PartSettings):
    model_config = SettingsConfigDict(env_prefix="ANZE_BOOKINGS_", extra="ignore")

    port: int = 8103
    providers_url: str = Field("http://127.0.0.1:8102", description="the providers service")
    policy_url: str = Field("http://127.0.0.1:8101", description="the policy service")
    storage_dir: Path | None = Field(None, description="uploaded photos; default var/uploads/bookings")
    max_upload_bytes: int = 10 * 1024 * 1024

    timezone: str = Field("Asia/Shanghai", description="where working hours, deadlines and notices are read")
    default_hours: str = Field("09:00-17:00", description="working hours Mon-Fri of an expert without own hours")
    grid_minutes: int = Field(30, ge=5, le=120, description="slots start on this grid; claims use it as unit")
    min_notice_hours: float = Field(24, ge=0, description="a visit is booked at least this long ahead")
    free_cancel_hours: float = Field(24, ge=0, description="cancel or reschedule free until this long before")
    default_travel_buffer_minutes: int = Field(30, ge=0, description="between visits in different towns")
    extra_holidays: list[date] = Field(default_factory=list, description="public holidays beyond the table")
    extra_workdays: list[date] = Field(default_factory=list, description="weekend days worked (调休)")
    checkin_earliest_hours: float | None = Field(
        2, ge=0, description="how long before the start an expert may check in (CHECK_IN_NOT_OPEN before that); "
        "unset (null): any time after confirming")
    providers_cache_seconds: float = Field(
        5, ge=0, description="how long providers' caller-independent answers are reused (0: never)")
    overdue_job_seconds: float = Field(3600, description="how often the overdue job looks (it is idempotent)")
    archive_years: int = Field(5, ge=5, description="how long service records are kept")
    cjk_font: Path | None = Field(None, description="a TTF/TTC font with Chinese glyphs for PDF notices")
