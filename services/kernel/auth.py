"""Tokens and access: EdDSA JWTs verified with public keys only, roles, and routes that must each declare
who may call them (a route that declares nothing makes the app refuse to start: default deny)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute

from services.kernel import clock
from services.kernel.errors import Forbidden, Unauthenticated
from services.kernel.sessions import RevocationList
from services.kernel.settings import KernelSettings

AUDIENCES = ("gateway", "policy", "providers", "bookings")
"""The parts that accept a user's access token: the gateway, and the services it calls with that same token
(it passes the caller's token on, so one token names every part it may reach). A token whose ``aud`` does not
name the part is refused there."""


class Role(enum.StrEnum):
    ENTERPRISE = "enterprise"
    INSURER = "insurer"
    AGENCY = "agency"
    EXPERT = "expert"
    BUREAU = "bureau"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject, role, organisation and (bureau) region."""

    sub: str
    role: Role
    org: str | None = None
    region: str | None = None
    expert: str | None = None  # an EXPERT's own expert id (``org`` is their agency)
    token: str | None = None  # passed on to other services unchanged
    sid: str | None = None  # the login session (refresh-token family) the token belongs to

    def is_(self, *roles: Role) -> bool:
        return self.role in roles

    def require_org(self, org_id: str | None, what: str = "this record") -> None:
        """Rows owned by an organisation are visible to that organisation only."""
        if self.role is Role.ADMIN:
            return
        if org_id is None or self.org != org_id:
            raise Forbidden(f"{what} belongs to another organisation")

    def in_region(self, code: str | None) -> bool:
        """The bureau sees its region and every region below it (codes nest by prefix); a bureau without a
        valid region sees nothing, and no other role sees by region. See ``services.kernel.scope``."""
        from services.kernel.scope import sees_region  # scope builds on this module

        return sees_region(self, code)

    @property
    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


# ---------------------------------------------------------------- keys


def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def ensure_dev_keys(var_dir: Path) -> tuple[Path, Path]:
    """The embedded mode's signing keys under ``var/keys``, made once on first start."""
    keys = var_dir / "keys"
    private_path, public_path = keys / "signing.pem", keys / "public.pem"
    if not private_path.exists():
        keys.mkdir(parents=True, exist_ok=True)
        private_pem, public_pem = generate_keypair()
        private_path.write_bytes(private_pem)
        private_path.chmod(0o600)
        public_path.write_bytes(public_pem)
    return private_path, public_path


def _split_pem_blocks(text: str) -> list[str]:
    blocks, current = [], []
    for line in text.strip().splitlines():
        current.append(line)
        if line.startswith("-----END"):
            blocks.append("\n".join(current) + "\n")
            current = []
    return blocks


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return uuid.uuid5(uuid.NAMESPACE_OID, raw.hex()).hex[:16]


class TokenVerifier:
    """Checks tokens against every configured public key (several during a key rotation)."""

    def __init__(self, public_pems: Iterable[str], issuer: str, *, audience: str | None = None,
                 revocations: RevocationList | None = None) -> None:
        self.issuer = issuer
        self.audience = audience  # the part checking: a token must name it in ``aud``
        self.revocations = revocations  # sessions ended (logout, password change...): their tokens are refused
        self.keys: dict[str, Ed25519PublicKey] = {}
        for pem in public_pems:
            key = serialization.load_pem_public_key(pem.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("token keys must be Ed25519")
            self.keys[key_id(key)] = key

    @classmethod
    def from_settings(cls, settings: KernelSettings, *, audience: str | None = None,
                      revocations: RevocationList | None = None) -> TokenVerifier:
        text = ""
        if settings.jwt_public_keys is not None:
            text += settings.jwt_public_keys.get_secret_value() + "\n"
        if settings.jwt_public_key_file is not None:
            text += settings.jwt_public_key_file.read_text()
        if not text.strip():
            _, public_path = ensure_dev_keys(settings.var_dir)
            text = public_path.read_text()
        return cls(_split_pem_blocks(text), settings.jwt_issuer, audience=audience, revocations=revocations)

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys.get(header.get("kid", "")) or (
                next(iter(self.keys.values())) if len(self.keys) == 1 else None
            )
            if key is None:
                raise Unauthenticated("the token was signed with an unknown key")
            claims = jwt.decode(
                token, key, algorithms=["EdDSA"], issuer=self.issuer, audience=self.audience,
                options={"require": ["exp", "sub", "iat"], "verify_aud": self.audience is not None},
            )
            role = Role(claims["role"])
        except Unauthenticated:
            raise
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("the token has expired; log in again") from exc
        except (jwt.InvalidAudienceError, jwt.MissingRequiredClaimError) as exc:
            if "aud" in str(exc) or isinstance(exc, jwt.InvalidAudienceError):
                raise Unauthenticated(f"the token is not meant for {self.audience}") from exc
            raise Unauthenticated("the token is not valid") from exc
        except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
            raise Unauthenticated("the token is not valid") from exc
        if self.revocations is not None and self.revocations.revoked(claims):
            raise Unauthenticated("this session has ended (logged out, password changed or account changed); "
                                  "log in again")
        return Principal(sub=claims["sub"], role=role, org=claims.get("org"), region=claims.get("region"),
                         expert=claims.get("expert"), token=token, sid=claims.get("sid"))


class TokenSigner:
    """Issues tokens (the gateway's job); the private key never leaves the gateway."""

    def __init__(self, private_pem: bytes, issuer: str, lifetime: timedelta = timedelta(minutes=30)) -> None:
        key = serialization.load_pem_private_key(private_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be Ed25519")
        self.key = key
        self.kid = key_id(key.public_key())
        self.issuer = issuer
        self.lifetime = lifetime

    def issue(self, *, sub: str, role: Role, org: str | None = None, region: str | None = None,
              expert: str | None = None, lifetime: timedelta | None = None, sid: str | None = None,
              audience: Iterable[str] = AUDIENCES, extra: dict[str, Any] | None = None) -> str:
        """A token for ``sub``; ``sid`` is its login session (a token without one is its own session)."""
        now = clock.now()
        jti = uuid.uuid4().hex
        claims: dict[str, Any] = {
            "sub": sub, "role": role.value, "iss": self.issuer, "iat": now,
            "exp": now + (lifetime or self.lifetime), "jti": jti, "sid": sid or jti, "aud": list(audience),
        }
        if org:
            claims["org"] = org
        if region:
            claims["region"] = region
        if expert:
            claims["expert"] = expert
        claims.update(extra or {})
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": self.kid})


# ---------------------------------------------------------------- dependencies


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def optional_principal(request: Request) -> Principal | None:
    token = _bearer(request)
    if token is None:
        return None
    verifier: TokenVerifier = request.app.state.runtime.verifier
    return verifier.verify(token)


async def authenticate(request: Request) -> Principal:
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthenticated("log in first: this needs an Authorization: Bearer token")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


def allow(*roles: Role) -> Any:
    """Route dependency: only these roles may call (ADMIN always may)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role is not Role.ADMIN and principal.role not in roles:
            names = ", ".join(r.value for r in roles)
            raise Forbidden(f"this needs one of the roles: {names}")
        return principal

    check._anze_access = ("roles", roles)  # type: ignore[attr-defined]
    return Depends(check)


def _public() -> None:
    return None


_public._anze_access = ("public", ())  # type: ignore[attr-defined]
PUBLIC = Depends(_public)
"""Route dependency for what anyone may read without logging in; every such route is listed explicitly."""


def _declares_access(dependant: Any) -> bool:
    call: Callable[..., Any] | None = getattr(dependant, "call", None)
    if call is not None and hasattr(call, "_anze_access"):
        return True
    return any(_declares_access(d) for d in getattr(dependant, "dependencies", []))


def _api_routes(routes: Iterable[Any]) -> Iterable[APIRoute]:
    """Every APIRoute, including those of included routers (FastAPI >= 0.160 nests them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)
        elif hasattr(route, "routes") and not hasattr(route, "app"):
            yield from _api_routes(route.routes)


def ensure_access_declared(app: FastAPI, prefix: str = "/v1") -> None:
    """Refuse to start when a route under ``prefix`` does not say who may call it."""
    missing = [
        f"{','.join(sorted(r.methods or []))} {r.path}"
        for r in _api_routes(app.routes)
        if r.path.startswith(prefix) and not _declares_access(r.dependant)
    ]
    if missing:
        raise RuntimeError("routes without an access declaration (use allow(...) or PUBLIC): "
                           + "; ".join(missing))
