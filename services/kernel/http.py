"""Calling another part over HTTP: timeouts, retries only for idempotent calls, the caller's token,
request id and ``traceparent`` passed on, and problem+json turned back into ``ProblemError``."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

import httpx

from services.kernel.errors import ProblemError, ServiceUnavailable
from services.kernel.logging import request_id_var, traceparent_var

log = logging.getLogger("anze.http")

IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


def new_traceparent() -> str:
    return f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"


def propagation_headers() -> dict[str, str]:
    headers = {}
    if rid := request_id_var.get():
        headers["X-Request-ID"] = rid
    headers["traceparent"] = traceparent_var.get() or new_traceparent()
    return headers


class ServiceClient:
    """A client for one part. ``transport`` is an in-process ASGI transport in the embedded mode and
    ``None`` (real HTTP) in the distributed one: only wiring differs."""

    def __init__(self, name: str, base_url: str, *,
                 transport: httpx.AsyncBaseTransport | Callable[[], httpx.AsyncBaseTransport | None] | None = None,
                 timeout: float = 5.0, retries: int = 2) -> None:
        self.name = name
        self.retries = retries
        self.base_url = base_url
        self.timeout = timeout
        # A callable is looked up on first use: the embedded wiring fills its transports after the apps
        # that hold clients to each other have been built.
        self._transport = transport
        self._http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            transport = self._transport() if callable(self._transport) else self._transport
            base_url = f"http://{self.name}" if transport is not None else self.base_url
            self._http = httpx.AsyncClient(base_url=base_url, transport=transport,
                                           timeout=httpx.Timeout(self.timeout, connect=2.0))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def request(self, method: str, path: str, *, token: str | None = None,
                      headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        send_headers = propagation_headers()
        if token:
            send_headers["Authorization"] = f"Bearer {token}"
        send_headers.update(headers or {})
        attempts = 1 + (self.retries if method.upper() in IDEMPOTENT else 0)
        for attempt in range(attempts):
            try:
                response = await self.http.request(method, path, headers=send_headers, **kwargs)
            except httpx.TransportError as exc:
                if attempt + 1 < attempts:
                    await asyncio.sleep(0.1 * 2**attempt)
                    continue
                raise ServiceUnavailable(f"the {self.name} service did not answer: {exc.__class__.__name__}",
                                         code="SERVICE_UNAVAILABLE") from exc
            if response.status_code in (502, 503, 504) and attempt + 1 < attempts:
                await asyncio.sleep(0.1 * 2**attempt)
                continue
            return response
        raise AssertionError("unreachable")

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send and return the JSON body; an error response raises ``ProblemError`` with its code."""
        response = await self.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise problem_from_response(self.name, response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.call("POST", path, **kwargs)


def problem_from_response(service: str, response: httpx.Response) -> ProblemError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code") or ("SERVICE_UNAVAILABLE" if response.status_code >= 500 else "ERROR")
    detail = body.get("detail") or f"the {service} service answered {response.status_code}"
    fields = body.get("fields")
    error = ProblemError(detail, code=code, status=response.status_code)
    if body.get("retry_at"):
        from datetime import datetime

        error.retry_at = datetime.fromisoformat(str(body["retry_at"]).replace("Z", "+00:00"))
    if fields:
        from services.kernel.errors import FieldProblem

        error.fields = [FieldProblem(**f) for f in fields]
    return error
