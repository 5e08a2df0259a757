"""Request body limits for every part: an ASGI middleware that refuses a body over the route's limit with 413
problem+json ``PAYLOAD_TOO_LARGE``: at once when ``Content-Length`` says so, otherwise as soon as the streamed
body passes the limit (a chunked upload is never read whole first). JSON and forms get the default (1 MiB);
routes declared as uploads (a path pattern, matched before routing, with its own limit) get theirs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException  # FastAPI lets its own class through when it reads a body
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kernel.errors import Problem, problem_response

DEFAULT_BODY_BYTES = 1024 * 1024
UPLOAD_BODY_BYTES = 12 * 1024 * 1024  # a 10 MiB file and its multipart framing


class BodyTooLarge(HTTPException):
    """Raised from the body stream; an HTTP exception so that a framework reading the body (FastAPI's JSON,
    Starlette's form parser) lets it through and the part's handler answers 413 PAYLOAD_TOO_LARGE."""

    problem_code = "PAYLOAD_TOO_LARGE"

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over this route's limit of {limit} bytes")


def too_large(limit: int) -> Any:
    return problem_response(Problem(title="Payload too large", status=413, code="PAYLOAD_TOO_LARGE",
                                    detail=f"the request body is over this route's limit of {limit} bytes"))


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, default: int = DEFAULT_BODY_BYTES, upload: int = UPLOAD_BODY_BYTES,
                 routes: Mapping[str, int | None] | None = None, multipart_is_upload: bool = False) -> None:
        self.app = app
        self.default, self.upload = default, upload
        # pattern -> its limit (None: the upload limit)
        self.routes = [(re.compile(p), limit or upload) for p, limit in (routes or {}).items()]
        self.multipart_is_upload = multipart_is_upload

    def limit_for(self, scope: Scope) -> int:
        path: str = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):  # mounted (the embedded mode's /api/<part>): the part's own path
            path = path[len(root):] or "/"
        for pattern, limit in self.routes:
            if pattern.search(path):
                return limit
        if self.multipart_is_upload:
            content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
            if content_type.startswith(b"multipart/form-data"):
                return self.upload
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = 0
            if declared > limit:
                await too_large(limit)(scope, receive, send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await too_large(limit)(scope, receive, send)
        except Exception as exc:  # the app may wrap what the body read raised (an ExceptionGroup...)
            if _caused_by_limit(exc) and not started:
                await too_large(limit)(scope, receive, send)
                return
            raise


def _caused_by_limit(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, BodyTooLarge):
            return True
        if isinstance(exc, BaseExceptionGroup):
            return any(_caused_by_limit(e) for e in exc.exceptions)
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def install_body_limits(app: Any, *, default: int = DEFAULT_BODY_BYTES, upload: int = UPLOAD_BODY_BYTES,
                        routes: Mapping[str, int | None] | None = None, multipart_is_upload: bool = False) -> None:
    """``routes``: the part's upload routes, a path pattern each, with their limit (None: ``upload``)."""
    app.add_middleware(BodyLimitMiddleware, default=default, upload=upload, routes=dict(routes or {}),
                       multipart_is_upload=multipart_is_upload)
