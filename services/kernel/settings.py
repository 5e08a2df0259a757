"""Settings shared by every part (prefix ``ANZE_``) and the base that each part's own settings extend."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KernelSettings(BaseSettings):
    """What every process needs, whatever part it runs: read from ``ANZE_*``."""

    model_config = SettingsConfigDict(env_prefix="ANZE_", extra="ignore")

    env: str = Field("dev", description="dev, test or prod; prod refuses demo-only shortcuts")
    var_dir: Path = Field(Path("var"), description="where the embedded mode keeps databases, keys, uploads")
    bus_url: str = Field("memory://", description="memory:// (in-process) or nats://host:4222 (JetStream)")
    bus_stream: str = Field("ANZE", description="the JetStream stream that carries every event")
    bus_replicas: int = Field(1, ge=1, le=5, description="copies of the stream in a JetStream cluster (3 survives "
                                                          "the loss of one server)")
    jwt_public_key_file: Path | None = Field(None, description="PEM Ed25519 public key(s) that sign tokens")
    jwt_public_keys: SecretStr | None = Field(None, description="the same, inline (PEM blocks concatenated)")
    jwt_issuer: str = "anze-gateway"
    log_level: str = "INFO"
    log_json: bool = True
    otel_enabled: bool = False
    relay_poll_seconds: float = 1.0
    max_body_bytes: int = Field(1024 * 1024, description="largest request body (JSON, forms) a route accepts, "
                                "unless it is a declared upload route (413 PAYLOAD_TOO_LARGE)")
    max_upload_body_bytes: int = Field(12 * 1024 * 1024, description="largest body of a declared upload route "
                                       "(a 10 MiB file and its multipart framing)")
    metrics_token: SecretStr | None = Field(None, description="the bearer token /metrics asks for (Prometheus "
                                            "sends it); with env=prod /metrics is refused to everyone without it")
    metrics_token_file: Path | None = Field(None, description="the same, read from a file (a mounted secret)")
    revocation_reload_seconds: float = Field(2.0, description="how often a part rereads its revoked sessions "
                                             "(what a sibling replica consumed)")


    def resolved_metrics_token(self) -> str | None:
        if self.metrics_token is not None:
            return self.metrics_token.get_secret_value().strip() or None
        if self.metrics_token_file is not None:
            return self.metrics_token_file.read_text().strip() or None
        return None


class PartSettings(BaseSettings):
    """The settings of one part; subclasses set ``env_prefix`` (``ANZE_POLICY_`` ...)."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = ""
    port: int = 0
    db_pool_size: int = 10
    db_echo: bool = False
    kernel: KernelSettings = Field(default_factory=lambda: KernelSettings())

    def resolved_database_url(self, part: str) -> str:
        """The configured URL, or the embedded default: a SQLite file per part under ``var/``."""
        if self.database_url:
            return self.database_url
        path = (self.kernel.var_dir / f"{part}.db").resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{path}"
