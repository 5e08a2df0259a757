"""Settings of the web part (prefix ``ANZE_WEB_``): where the gateway is and the secret that signs
session cookies and CSRF tokens."""

from __future__ import annotations

import logging
import os
import secrets

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.kernel.settings import PartSettings

log = logging.getLogger("anze.web.settings")


class WebSettings(PartSettings):
    model_config = SettingsConfigDict(env_prefix="ANZE_WEB_", extra="ignore")

    port: int = 8080
    gateway_url: str = Field("http://127.0.0.1:8100", description="the gateway; its GraphQL is at /graphql")
    gateway_timeout_seconds: float = 10.0
    session_secret: SecretStr | None = Field(
        None, description="signs the session cookie and CSRF tokens; generated under var/ in dev when unset")
    cookie_secure: bool = Field(False, description="mark cookies Secure (set it behind HTTPS)")
    session_hours: int = Field(12, ge=1, le=24 * 14,
                               description="a browser stays logged in this long, refreshing its token")
    page_size: int = Field(20, ge=1, le=200)
    max_form_upload_bytes: int = Field(64 * 1024 * 1024, description="largest multipart form (photos, scans); "
                                       "other bodies are held to ANZE_MAX_BODY_BYTES")

    def resolved_session_secret(self) -> bytes:
        """The configured secret; in dev and test, one generated once and kept under ``var_dir``."""
        if self.session_secret is not None:
            return self.session_secret.get_secret_value().encode()
        if self.kernel.env == "prod":
            raise RuntimeError("ANZE_WEB_SESSION_SECRET must be set in production")
        path = self.kernel.var_dir / "web-session.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
                log.info("generated a development session secret under %s", path.parent)
        return path.read_text().strip().encode()
