"""The web's only way to data: GraphQL calls to the gateway, in-process in the embedded mode and over
HTTP otherwise, carrying the user's token, the request id and ``traceparent``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.kernel.errors import ProblemError
from services.kernel.http import ServiceClient

log = logging.getLogger("anze.web.gateway")

GRAPHQL_PATH = "/graphql"


class GatewayUnavailable(Exception):
    """The gateway did not answer, or answered that a service it needs is down."""

    def __init__(self, message: str = "", services: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.services = services


class NotAuthenticated(Exception):
    """The gateway refused the token (missing or expired): the user must log in again."""


class GatewayError(Exception):
    """The gateway rejected the query itself (a web bug, not the user's fault)."""


class AccessDenied(Exception):
    """The gateway answered FORBIDDEN: the page asked for something this user may not see."""


@dataclass
class OperationError:
    """A mutation's expected failure (``OperationError`` in the schema)."""

    code: str
    message: str
    field: str | None = None
    retry_at: str | None = None  # when asked for (``retryAt``): when the same request may succeed


@dataclass
class GraphQLResult:
    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    hidden: bool = False  # some details were refused to this user and are left empty

    def codes(self) -> set[str]:
        return {str((e.get("extensions") or {}).get("code", "")) for e in self.errors}

    @property
    def unavailable_services(self) -> tuple[str, ...]:
        names = []
        for error in self.errors:
            ext = error.get("extensions") or {}
            if ext.get("code") == "SERVICE_UNAVAILABLE":
                names.append(str(ext.get("service") or ext.get("services") or error.get("message", "")))
        return tuple(names)

    @property
    def partial(self) -> bool:
        """Some fields are missing because a service is down (the page says so and shows the rest)."""
        return bool(self.unavailable_services)


def operation_error(payload: dict[str, Any] | None) -> OperationError | None:
    """The ``OperationError`` member of a result union, if that is what came back."""
    if payload and payload.get("__typename") == "OperationError":
        return OperationError(code=payload.get("code") or "ERROR", message=payload.get("message") or "",
                              field=payload.get("field"), retry_at=payload.get("retryAt"))
    return None


class Gateway:
    """A GraphQL client for the gateway; one per web app, reused across requests."""

    def __init__(self, base_url: str, *, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
                 timeout: float = 10.0) -> None:
        # the embedded mode fills ``transports`` after every part is built, so look it up on first use
        self.base_url = base_url.rstrip("/")
        self.transports = transports if transports is not None else {}
        self.timeout = timeout
        self._client: ServiceClient | None = None
        self._input_fields: dict[str, set[str]] = {}

    @property
    def client(self) -> ServiceClient:
        if self._client is None:
            transport = self.transports.get("gateway")
            self._client = ServiceClient("gateway", "http://gateway" if transport else self.base_url,
                                         transport=transport, timeout=self.timeout, retries=0)
        return self._client

    async def input_fields(self, type_name: str) -> set[str]:
        """The fields the gateway's schema accepts on an input type, asked once: lets a page send a newer
        field (``HazardInput.sixInPlace``) only to a gateway that knows it."""
        if type_name not in self._input_fields:
            result = await self.execute("query($t: String!) { __type(name: $t) { inputFields { name } } }",
                                        {"t": type_name})
            kind = result.data.get("__type") or {}
            self._input_fields[type_name] = {f["name"] for f in kind.get("inputFields") or []}
        return self._input_fields[type_name]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def execute(self, query: str, variables: dict[str, Any] | None = None, *,
                      token: str | None = None, allow_partial: bool = True,
                      client_address: str | None = None) -> GraphQLResult:
        """Run one operation. Raises ``GatewayUnavailable`` when nothing usable came back,
        ``NotAuthenticated`` / ``AccessDenied`` for refused tokens; otherwise returns data and errors
        (partial results when a service is down and ``allow_partial``). ``client_address`` (the browser's)
        goes as ``X-Forwarded-For``: the gateway throttles failed logins per address."""
        headers = {"X-Forwarded-For": client_address} if client_address else None
        try:
            response = await self.client.request("POST", GRAPHQL_PATH, token=token, headers=headers,
                                                 json={"query": query, "variables": variables or {}})
        except ProblemError as exc:  # transport failure, turned into SERVICE_UNAVAILABLE by the kernel
            log.warning("gateway unreachable: %s", exc.detail)
            raise GatewayUnavailable(exc.detail, ("gateway",)) from exc
        if response.status_code >= 500:
            raise GatewayUnavailable(f"gateway answered {response.status_code}", ("gateway",))
        try:
            body = response.json()
        except ValueError as exc:
            raise GatewayUnavailable("gateway answered something that is not JSON", ("gateway",)) from exc
        if response.status_code == 401:
            raise NotAuthenticated()
        result = GraphQLResult(data=body.get("data") or {}, errors=list(body.get("errors") or []))
        codes = result.codes()
        if "UNAUTHENTICATED" in codes:
            raise NotAuthenticated()
        if "FORBIDDEN" in codes:
            # a refused top-level field means the page itself is not for this user; a refused detail
            # inside it (the firm behind an agency's booking) only leaves that detail empty
            if any(len(e.get("path") or ()) <= 1 for e in result.errors
                   if (e.get("extensions") or {}).get("code") == "FORBIDDEN"):
                raise AccessDenied()
            result.errors = [e for e in result.errors if (e.get("extensions") or {}).get("code") != "FORBIDDEN"]
            codes = result.codes()
            result.hidden = True
        if result.partial:
            has_data = any(v is not None for v in result.data.values())
            if not (allow_partial and has_data):
                raise GatewayUnavailable("a service is unavailable", result.unavailable_services)
            return result
        if result.errors and not codes <= {"NOT_FOUND"}:
            log.error("the gateway refused a web query: %s", result.errors)
            raise GatewayError("; ".join(str(e.get("message")) for e in result.errors))
        return result


class DownloadRefused(GatewayError):
    """The file exists in no form this user can have: the service said why (``NOT_FOUND``, ``INVALID_STATE``...)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail = status, code, detail


@dataclass
class Download:
    body: bytes
    media_type: str
    disposition: str


async def file_request(gateway: Gateway, method: str, path: str, *, token: str | None, forbidden: bool = True,
                       **kwargs: Any) -> httpx.Response:
    """A call to one of the gateway's file routes (downloads, uploads, photos) with the user's token: the
    transport failing, a refused token, a refusal (when ``forbidden``) and a server error become the web's
    exceptions; any other answer is the caller's to read."""
    try:
        response = await gateway.client.request(method, path, token=token, **kwargs)
    except ProblemError as exc:
        raise GatewayUnavailable(exc.detail, ("gateway",)) from exc
    if response.status_code == 401:
        raise NotAuthenticated()
    if forbidden and response.status_code == 403:
        raise AccessDenied()
    if response.status_code >= 500:
        raise GatewayUnavailable(f"{path} answered {response.status_code}", ("gateway",))
    return response


async def download(gateway: Gateway, path: str, params: dict[str, Any], *, token: str | None) -> Download:
    """A report file or document from the gateway (``/reports/...``), fetched with the user's token; a service's
    refusal other than 401/403 is ``DownloadRefused`` with its status and code."""
    response = await file_request(gateway, "GET", path, token=token,
                                  params={k: v for k, v in params.items() if v not in (None, "")})
    if response.status_code >= 400:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        if not isinstance(problem, dict) or "code" not in problem:
            raise GatewayError(f"the report {path} answered {response.status_code}: {response.text[:200]}")
        raise DownloadRefused(response.status_code, str(problem["code"]), str(problem.get("detail") or ""))
    return Download(body=response.content, media_type=response.headers.get("content-type", "application/octet-stream"),
                    disposition=response.headers.get("content-disposition", "attachment"))


async def upload(gateway: Gateway, path: str, *, filename: str, content: bytes, content_type: str,
                 token: str | None) -> OperationError | None:
    """Send one file (multipart field ``file``) to a gateway upload route with the user's token: None when
    stored, or the service's refusal (``UNSUPPORTED_MEDIA_TYPE``, ``TOO_LARGE``...) as an ``OperationError``."""
    response = await file_request(gateway, "POST", path, token=token, files={"file": (filename, content, content_type)})
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = {}
        return OperationError(code=str(body.get("code") or "ERROR"), message=str(body.get("detail") or ""),
                              field="file")
    return None
