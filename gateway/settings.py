"""Settings of the gateway (``ANZE_GATEWAY_*``): service addresses, the signing key, limits, accounts."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.kernel.auth import ensure_dev_keys
from services.kernel.settings import PartSettings


class GatewaySettings(PartSettings):
    model_config = SettingsConfigDict(env_prefix="ANZE_GATEWAY_", extra="ignore")

    port: int = 8100
    policy_url: str = "http://127.0.0.1:8101"
    providers_url: str = "http://127.0.0.1:8102"
    bookings_url: str = "http://127.0.0.1:8103"

    jwt_private_key_file: Path | None = Field(default=None, description="PEM Ed25519 private key that signs tokens")
    jwt_private_key: SecretStr | None = Field(default=None, description="the same, inline")
    token_minutes: int = Field(default=30, description="lifetime of an access token")
    refresh_days: int = Field(default=14, description="lifetime of a refresh token")

    argon2_time_cost: int = Field(default=3, description="argon2id passes (RFC 9106 low-memory profile: 3)")
    argon2_memory_kib: int = Field(default=65536, description="argon2id memory in KiB (64 MiB)")
    login_max_failures: int = Field(default=5, description="failed logins per account before a lock-out")
    login_lock_minutes: int = Field(default=15, description="how long a lock-out lasts")
    trusted_proxies: str = Field(
        default="127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
        description="networks whose X-Forwarded-For the gateway believes (the web, the reverse proxy): comma-"
                    "separated CIDRs; narrow it when untrusted clients reach the gateway from these networks")
    login_max_failures_per_address: int = Field(
        default=20, description="failed logins from one client address (any e-mail) before it must wait")

    service_timeout_seconds: float = Field(default=5.0, description="per call to a service")
    coverage_timeout_seconds: float = Field(default=15.0, description="aggregates over a whole region take longer")
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, description="largest photo the gateway passes on")
    breaker_failures: int = Field(default=5, description="consecutive failures that open a service's circuit")
    breaker_reset_seconds: float = Field(default=10.0, description="how long an open circuit fails fast")

    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 50_000
    persisted_queries_only: bool = Field(default=False, description="refuse queries that are not persisted")

    def trusted_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(n.strip(), strict=False) for n in self.trusted_proxies.split(",") if n.strip()]

    def signing_key_pem(self) -> bytes:
        """The private key: configured, or the embedded mode's dev key under ``var/keys``."""
        if self.jwt_private_key is not None:
            return self.jwt_private_key.get_secret_value().encode()
        if self.jwt_private_key_file is not None:
            return self.jwt_private_key_file.read_bytes()
        private_path, _ = ensure_dev_keys(self.kernel.var_dir)
        return private_path.read_bytes()
