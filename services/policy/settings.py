"""Settings of the policy service (``ANZE_POLICY_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.kernel.settings import PartSettings


class PolicySettings(PartSettings):
    model_config = SettingsConfigDict(env_prefix="ANZE_POLICY_", extra="ignore")

    port: int = 8101
    stripe_secret_key: SecretStr | None = Field(None, description="sk_test_... ; without it card, Alipay and WeChat Pay are unavailable")
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = Field(None, description="another Stripe API address (the localstripe test server)")
    quote_valid_days: int = 30
    min_limit_per_person_fen: int = 40_000_000
    max_prevention_share: float = 0.21
