"""The typed per-request context: who calls, with which token, the service clients bound to that token,
and the request's DataLoaders."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from fastapi import Request
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from gateway.clients.bookings import BookingsClient
from gateway.clients.policy import PolicyClient
from gateway.clients.providers import ProvidersClient
from gateway.loaders import Loaders
from services.kernel.auth import Principal, Role
from services.kernel.errors import Forbidden, ProblemError, Unauthenticated

if TYPE_CHECKING:
    from gateway.app import Gateway


class Context(BaseContext):
    def __init__(self, *, gateway: Gateway, principal: Principal | None, token: str | None,
                 auth_error: ProblemError | None = None, client_address: str | None = None) -> None:
        super().__init__()
        self.client_address = client_address  # the peer (a proxy in front sets it through uvicorn's
        # --forwarded-allow-ips): what per-address login throttling counts
        self.gateway = gateway
        self.settings = gateway.settings
        self.principal = principal
        self.token = token
        self.auth_error = auth_error
        self.policy = PolicyClient(gateway.endpoints["policy"], token)
        self.providers = ProvidersClient(gateway.endpoints["providers"], token)
        self.bookings = BookingsClient(gateway.endpoints["bookings"], token)
        self.loaders = Loaders(self.policy, self.providers, self.bookings)
        self.extra_errors: list[ProblemError] = []

    def note_unavailable(self, exc: ProblemError) -> None:
        """A service failed but the field still has an answer (marked partial): report it in ``errors``."""
        self.extra_errors.append(exc)

    def require(self, *roles: Role) -> Principal:
        """The caller, who must be logged in and (when roles are given) hold one of them (ADMIN always may)."""
        if self.principal is None:
            raise self.auth_error or Unauthenticated("log in first: this needs an Authorization: Bearer token")
        if roles and self.principal.role is not Role.ADMIN and self.principal.role not in roles:
            raise Forbidden("this needs one of the roles: " + ", ".join(r.value.upper() for r in roles))
        return self.principal


def client_address(request: Request, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str | None:
    """The address a login attempt comes from: the peer, or, when the peer is a trusted proxy (the web, a
    reverse proxy, the embedded mode's in-process call), the last address of its ``X-Forwarded-For``."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for", "")
    if peer and forwarded:
        try:
            peer_ip = ipaddress.ip_address(peer)
        except ValueError:
            return peer
        if any(peer_ip in network for network in trusted):
            last = forwarded.split(",")[-1].strip()
            return last[:64] or peer
    return peer


async def build_context(request: Request) -> Context:
    gateway: Gateway = request.app.state.gateway
    address = client_address(request, gateway.trusted_proxies)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    if not token:
        return Context(gateway=gateway, principal=None, token=None, client_address=address)
    try:
        principal = gateway.runtime.verifier.verify(token)
    except ProblemError as exc:
        return Context(gateway=gateway, principal=None, token=None, auth_error=exc, client_address=address)
    return Context(gateway=gateway, principal=principal, token=token, client_address=address)


Info = StrawberryInfo[Context, Any]
