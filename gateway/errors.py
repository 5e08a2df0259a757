"""Errors the gateway raises itself, and how any error becomes a GraphQL error or an ``OperationError``."""

from __future__ import annotations

from services.kernel.errors import ProblemError


class ServiceDown(ProblemError):
    """A service did not answer (down, timed out, circuit open, or failed with a 5xx)."""

    status, code = 503, "SERVICE_UNAVAILABLE"

    def __init__(self, service: str, detail: str | None = None) -> None:
        super().__init__(detail or f"the {service} service is unavailable")
        self.service = service


class QueryRefused(ProblemError):
    """A query over one of the gateway's limits (depth, aliases, tokens, cost) or not persisted."""

    status, code = 400, "QUERY_REFUSED"
