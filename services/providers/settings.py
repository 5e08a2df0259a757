"""Settings of the providers service (``ANZE_PROVIDERS_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.kernel.settings import PartSettings


class ProvidersSettings(PartSettings):
    model_config = SettingsConfigDict(env_prefix="ANZE_PROVIDERS_", extra="ignore")

    port: int = 8102
    storage_dir: Path | None = Field(None, description="uploaded scans; default var/uploads/providers")
    max_upload_bytes: int = Field(10 * 1024 * 1024, description="largest accepted scan, in bytes")

    def resolved_storage_dir(self) -> Path:
        return self.storage_dir or (self.kernel.var_dir / "uploads" / "providers")
