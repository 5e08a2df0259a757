"""Settings of the policy service (``ANZE_POLICY_*``); the assumed business values of domain.md live here."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from services.kernel.settings import PartSettings
from services.policy import floors


class PolicySettings(PartSettings):
    model_config = SettingsConfigDict(env_prefix="ANZE_POLICY_", extra="ignore")

    port: int = 8101
    stripe_secret_key: SecretStr | None = Field(
        None, description="sk_test_... ; without it card, Alipay and WeChat Pay are unavailable")
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = Field(None, description="another Stripe API address (the localstripe server)")
    quote_valid_days: int = Field(30, description="days a quote can be bound after it is made")
    pending_payment_alert_days: int = Field(7, description="insurers see transfers pending longer than this")
    renewal_window_days: int = Field(30, description="policies ending within this many days are due for renewal")
    expiry_job_seconds: float = Field(3600, description="how often the expiry and snapshot jobs run")
    refund_job_seconds: float = Field(60, description="how often Stripe refunds that could not be sent are retried")
    cjk_font: Path | None = Field(None, description="a TTF/TTC font with Chinese glyphs for policy certificates")
    regional_limit_floors_fen: dict[str, int] = Field(
        default_factory=dict, description="per-person limit floors set by regions, in fen, by 6-digit division code "
        "(a province 330000, a city 330200 or 330282), e.g. {\"330282\": 50000000}; 400,000 yuan is the national "
        "minimum and no region may go below it")

    @field_validator("regional_limit_floors_fen")
    @classmethod
    def _floors(cls, value: dict[str, int]) -> dict[str, int]:
        return floors.check(value)
