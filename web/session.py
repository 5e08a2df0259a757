"""The browser session: the gateway token in a signed HttpOnly SameSite=Lax cookie, and CSRF tokens
(signed double-submit: a random value in a cookie, the same value signed in every form)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from services.kernel import clock

SESSION_COOKIE = "anze_session"
CSRF_COOKIE = "anze_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class CsrfRefused(Exception):
    """A state-changing request came without a valid CSRF token."""


@dataclass(frozen=True)
class SessionUser:
    """Who is logged in, as the gateway said at login. The gateway checks the token on every call;
    these fields only choose menus and default filters."""

    token: str
    user_id: str
    email: str
    role: str  # ENTERPRISE, INSURER, AGENCY, EXPERT, BUREAU, ADMIN (GraphQL enum names)
    org_id: str | None
    region_code: str | None
    expires_at: float
    refresh_token: str | None = None  # the gateway's, spent to get a new access token when this one ends

    @property
    def expired(self) -> bool:
        return clock.timestamp() >= self.expires_at


class Signer:
    """HMAC-SHA256 signatures over short strings, with a purpose so a CSRF token is never a session."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def sign(self, value: str, purpose: str) -> str:
        mac = hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def verify(self, value: str, signature: str, purpose: str) -> bool:
        return hmac.compare_digest(self.sign(value, purpose), signature)

    def dumps(self, payload: dict[str, Any], purpose: str) -> str:
        # no "=" padding, so the cookie value needs no quoting
        body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
        return f"{body}.{self.sign(body, purpose)}"

    def loads(self, text: str, purpose: str) -> dict[str, Any] | None:
        body, _, signature = text.rpartition(".")
        if not body or not self.verify(body, signature, purpose):
            return None
        try:
            value = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, binascii.Error):
            return None
        return value if isinstance(value, dict) else None


def token_expiry(token: str) -> float:
    """The ``exp`` claim of a JWT, read without verifying it (the gateway verifies; this only tells the
    web when to send the user back to the login page instead of failing a call)."""
    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return float(claims.get("exp", 0))
    except (IndexError, ValueError, binascii.Error, AttributeError):
        return 0.0


class Sessions:
    def __init__(self, signer: Signer, *, secure: bool, lifetime_seconds: int = 12 * 3600) -> None:
        self.signer = signer
        self.secure = secure
        self.lifetime_seconds = lifetime_seconds  # how long a browser stays logged in without activity

    # ---------------------------------------------------------------- session cookie

    def read(self, request: Request, *, allow_expired: bool = False) -> SessionUser | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        payload = self.signer.loads(raw, "session")
        if payload is None:
            return None
        try:
            user = SessionUser(**payload)
        except TypeError:
            return None
        return user if allow_expired or not user.expired else None

    @staticmethod
    def from_auth_payload(auth_payload: dict[str, Any]) -> SessionUser:
        """The session of an ``AuthPayload`` (from ``login`` or ``refreshToken``)."""
        token = auth_payload["token"]
        user = auth_payload["user"]
        return SessionUser(token=token, user_id=user["id"], email=user["email"], role=user["role"],
                           org_id=user.get("orgId"), region_code=user.get("regionCode"),
                           expires_at=token_expiry(token) or clock.timestamp() + 1800,
                           refresh_token=auth_payload.get("refreshToken"))

    def store(self, response: Response, session: SessionUser) -> None:
        # without a refresh token the session ends with the access token
        lifetime = self.lifetime_seconds if session.refresh_token else int(session.expires_at - clock.timestamp())
        response.set_cookie(SESSION_COOKIE, self.signer.dumps(session.__dict__, "session"),
                            max_age=max(60, lifetime), httponly=True, samesite="lax", secure=self.secure, path="/")

    def login(self, request: Request, response: Response, auth_payload: dict[str, Any]) -> SessionUser:
        session = self.from_auth_payload(auth_payload)
        self.store(response, session)
        # a new CSRF secret at every login, so a token planted before login is worthless after it
        request.state.csrf_seed, request.state.csrf_new = secrets.token_urlsafe(24), False
        self._set_csrf_cookie(response, request.state.csrf_seed)
        return session

    def logout(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure)

    # ---------------------------------------------------------------- CSRF

    def csrf_seed(self, request: Request) -> str:
        """The browser's CSRF value: from its cookie, or a new one kept on the request until the
        response sets it."""
        seed = getattr(request.state, "csrf_seed", None)
        if seed:
            return str(seed)
        seed = request.cookies.get(CSRF_COOKIE) or ""
        if len(seed) < 16:
            seed = secrets.token_urlsafe(24)
            request.state.csrf_new = True
        request.state.csrf_seed = seed
        return seed

    def csrf_token(self, request: Request) -> str:
        """What a form carries: the cookie's value signed, so a token cannot be forged from outside."""
        seed = self.csrf_seed(request)
        return f"{seed}.{self.signer.sign(seed, 'csrf')}"

    def persist_csrf(self, request: Request, response: Response) -> None:
        if getattr(request.state, "csrf_new", False):
            self._set_csrf_cookie(response, request.state.csrf_seed)

    def _set_csrf_cookie(self, response: Response, seed: str) -> None:
        response.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="lax", secure=self.secure,
                            path="/", max_age=60 * 60 * 24 * 7)

    def check_csrf(self, request: Request, submitted: str | None) -> None:
        """Refuse unless the submitted token is the signed form of this browser's CSRF cookie."""
        cookie = request.cookies.get(CSRF_COOKIE)
        if not cookie or not submitted:
            raise CsrfRefused("missing CSRF token")
        seed, _, signature = submitted.rpartition(".")
        if not hmac.compare_digest(seed, cookie) or not self.signer.verify(seed, signature, "csrf"):
            raise CsrfRefused("CSRF token does not match")
