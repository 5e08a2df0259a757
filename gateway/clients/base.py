"""What every service client shares: the caller's token on each call, reads retried (by the kernel
client) and writes not, a circuit breaker per service, and a count of calls per service."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx
from prometheus_client import Counter

from gateway.errors import ServiceDown
from services.kernel.errors import ProblemError
from services.kernel.http import ServiceClient

SERVICE_CALLS = Counter("anze_gateway_service_calls_total", "calls from the gateway to a service",
                        ["service", "method", "outcome"])


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; while open, calls fail at once for ``reset_seconds``,
    then one call is let through (half-open) and its outcome closes or re-opens the circuit."""

    def __init__(self, threshold: int, reset_seconds: float) -> None:
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and time.monotonic() - self.opened_at < self.reset_seconds

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        if not self.is_open:
            self.opened_at = time.monotonic()  # half-open: this one call probes, the others keep failing fast
            return True
        return False

    def succeeded(self) -> None:
        self.failures, self.opened_at = 0, None

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = time.monotonic()


class ServiceEndpoint:
    """One service as the gateway process sees it: the kernel client and its breaker (shared by requests)."""

    def __init__(self, name: str, connect: Callable[[], ServiceClient], breaker: CircuitBreaker) -> None:
        self.name, self.breaker = name, breaker
        self._connect = connect  # the client is made on first use: in-process transports are wired late
        self.calls = 0

    @property
    def client(self) -> ServiceClient:
        return self._connect()

    async def call(self, method: str, path: str, *, token: str | None, params: Mapping[str, Any] | None = None,
                   json: Any = None, time_limit: float | None = None,
                   headers: dict[str, str] | None = None) -> Any:
        """Send and return the JSON body (None when empty)."""
        response = await self.send(method, path, token=token, params=params, json=json, time_limit=time_limit,
                                   headers=headers)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def send(self, method: str, path: str, *, token: str | None, params: Mapping[str, Any] | None = None,
                   json: Any = None, time_limit: float | None = None, headers: dict[str, str] | None = None,
                   **body: Any) -> httpx.Response:
        """Send and return the response itself (for files: ``files=`` to upload, bytes back); a 4xx raises the
        service's problem, a 5xx or no answer ``ServiceDown``."""
        if not self.breaker.allow():
            SERVICE_CALLS.labels(self.name, method, "circuit_open").inc()
            raise ServiceDown(self.name, f"the {self.name} service is unavailable (circuit open)")
        self.calls += 1
        kwargs: dict[str, Any] = {"token": token, "headers": headers}
        if params:
            kwargs["params"] = _query(params)
        if json is not None:
            kwargs["json"] = json
        if time_limit is not None:
            kwargs["timeout"] = time_limit
        kwargs.update(body)
        try:
            response = await self.client.request(method, path, **kwargs)
        except ProblemError as exc:
            self.breaker.failed()
            SERVICE_CALLS.labels(self.name, method, "unavailable").inc()
            raise ServiceDown(self.name, f"the {self.name} service did not answer") from exc
        if response.status_code >= 500:
            self.breaker.failed()
            SERVICE_CALLS.labels(self.name, method, "error").inc()
            raise ServiceDown(self.name, f"the {self.name} service failed ({response.status_code})")
        self.breaker.succeeded()
        SERVICE_CALLS.labels(self.name, method, str(response.status_code)).inc()
        if response.status_code >= 400:
            from services.kernel.http import problem_from_response

            raise problem_from_response(self.name, response)
        return response


def _query(params: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | tuple | set):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


class BoundClient:
    """A service client for one request: every call carries that request's token."""

    service = ""

    def __init__(self, endpoint: ServiceEndpoint, token: str | None) -> None:
        self.endpoint = endpoint
        self.token = token

    async def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        return await self.endpoint.call("GET", path, token=self.token, params=params, **kw)

    async def post(self, path: str, json: Any = None, *, idempotency_key: str | None = None, **kw: Any) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return await self.endpoint.call("POST", path, token=self.token, json=json if json is not None else {},
                                        headers=headers, **kw)

    async def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return await self.endpoint.call("PATCH", path, token=self.token, json=json or {}, **kw)

    async def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return await self.endpoint.call("PUT", path, token=self.token, json=json if json is not None else {}, **kw)

    async def page(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        body = await self.get(path, params)
        if isinstance(body, list):  # tolerate a bare list
            return {"items": body, "next_cursor": None, "total": len(body)}
        return dict(body)

    async def by_ids(self, path: str, ids: Iterable[str], key: str = "ids",
                     extra: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows for many ids (or rows pointing at many ids), in chunks of 500 keys (what the batch routes
        accept), following the cursor when the rows of a chunk fill more than one page."""
        unique = list(dict.fromkeys(ids))
        rows: list[dict[str, Any]] = []
        for start in range(0, len(unique), 500):
            params: dict[str, Any] = {key: unique[start:start + 500], "limit": 500, **(extra or {})}
            while True:
                body = await self.page(path, params)
                rows.extend(body["items"])
                if not body.get("next_cursor"):
                    break
                params = {**params, "cursor": body["next_cursor"]}
        return rows
