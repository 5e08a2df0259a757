"""Settings of the bookings service (``ANZE_BOOKINGS_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.kernel.settings import PartSettings


class BookingsSettings(PartSettings):
    model_config = SettingsConfigDict(env_prefix="ANZE_BOOKINGS_", extra="ignore")

    port: int = 8103
    providers_url: str = Field("http://127.0.0.1:8102", description="the providers service")
    policy_url: str = Field("http://127.0.0.1:8101", description="the policy service")
    storage_dir: Path | None = Field(None, description="uploaded photos; default var/uploads/bookings")
    max_upload_bytes: int = 10 * 1024 * 1024
