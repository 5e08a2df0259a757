"""Persisted queries: a client sends the SHA-256 of a query instead of its text (Apollo's protocol:
``extensions.persistedQuery.sha256Hash``). Queries are known from the checked-in ``persisted/`` folder or
registered by a first request that carries both the text and its hash. With ``persisted_queries_only``
the gateway runs nothing else: the usual hardening of a public API."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from gateway.extensions import coded

PERSISTED_DIR = Path(__file__).parent / "persisted"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class PersistedQueries:
    def __init__(self, folder: Path | None = PERSISTED_DIR, *, max_registered: int = 5000) -> None:
        self.known: dict[str, str] = {}
        if folder is not None and folder.is_dir():
            for path in sorted(folder.glob("*.graphql")):
                text = path.read_text()
                self.known[sha256(text)] = text
        self.registered: OrderedDict[str, str] = OrderedDict()
        self.max_registered = max_registered

    def get(self, digest: str) -> str | None:
        return self.known.get(digest) or self.registered.get(digest)

    def register(self, digest: str, text: str) -> None:
        self.registered[digest] = text
        self.registered.move_to_end(digest)
        while len(self.registered) > self.max_registered:
            self.registered.popitem(last=False)


def _error(message: str, code: str) -> dict[str, Any]:
    return {"_anze_error": (message, code)}


class GatewayRouter(GraphQLRouter):  # type: ignore[type-arg]
    """strawberry's FastAPI router, plus persisted queries."""

    def __init__(self, *args: Any, persisted: PersistedQueries, persisted_only: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.persisted = persisted
        self.persisted_only = persisted_only

    async def parse_http_body(self, request: Any) -> Any:
        data = await super().parse_http_body(request)
        if isinstance(data, list):
            return [self._resolve(d) for d in data]
        return self._resolve(data)

    def _resolve(self, data: GraphQLRequestData) -> GraphQLRequestData:
        persisted = (data.extensions or {}).get("persistedQuery")
        if not isinstance(persisted, dict):
            if self.persisted_only and data.query is not None and sha256(data.query) not in self.persisted.known:
                data.extensions = _error("this gateway runs persisted queries only; send its sha256Hash",
                                         "PERSISTED_QUERY_REQUIRED")
            return data
        digest = str(persisted.get("sha256Hash") or "")
        if data.query is None:
            text = self.persisted.get(digest)
            if text is None:
                data.extensions = _error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            else:
                data.query = text
            return data
        if sha256(data.query) != digest:
            data.extensions = _error("the query does not match its sha256Hash", "PERSISTED_QUERY_HASH_MISMATCH")
        elif self.persisted_only and digest not in self.persisted.known:
            data.extensions = _error("only the gateway's own persisted queries may run", "PERSISTED_QUERY_REQUIRED")
        else:
            self.persisted.register(digest, data.query)
        return data

    async def process_result(self, request: Any, result: ExecutionResult) -> Any:
        # Errors raised before the operation ran (a parse error inside the parser cache) skip the schema's
        # extensions: give them their code here too.
        if result.errors:
            result.errors = [coded(e) for e in result.errors]
        return await super().process_result(request, result)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        request_data: GraphQLRequestData = kwargs["request_data"]
        refused = (request_data.extensions or {}).get("_anze_error")
        if refused:
            message, code = refused
            return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])
        return await super().execute_single(*args, **kwargs)
