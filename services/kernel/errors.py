"""Problem details (RFC 9457) with stable codes: the only error shape any part returns."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("anze.errors")

PROBLEM_JSON = "application/problem+json"

_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """The body of every error response."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str | None = None
    fields: list[FieldProblem] | None = None
    retry_at: datetime | None = None  # when the same request may succeed (e.g. check-in opens), if known


class ProblemError(Exception):
    """Raise anywhere in a request to answer with problem+json."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
        fields: list[FieldProblem] | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_at = retry_at
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields or ([FieldProblem(field=field, message=detail)] if field else None)

    def to_problem(self) -> Problem:
        return Problem(
            title=self.code.replace("_", " ").capitalize(),
            status=self.status,
            code=self.code,
            detail=self.detail,
            fields=self.fields,
            retry_at=self.retry_at,
        )


class ValidationProblem(ProblemError):
    status, code = 422, "VALIDATION"


class NotFound(ProblemError):
    status, code = 404, "NOT_FOUND"


class Forbidden(ProblemError):
    status, code = 403, "FORBIDDEN"


class Unauthenticated(ProblemError):
    status, code = 401, "UNAUTHENTICATED"


class InvalidState(ProblemError):
    status, code = 409, "INVALID_STATE"


class Conflict(ProblemError):
    status, code = 409, "CONFLICT"


class ServiceUnavailable(ProblemError):
    status, code = 503, "SERVICE_UNAVAILABLE"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True), status_code=problem.status, media_type=PROBLEM_JSON,
        headers=headers,
    )


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    """Every error, expected or not, leaves the part as problem+json; never a stack trace."""

    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.to_problem())

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            FieldProblem(field=_location(tuple(e.get("loc", ()))), message=str(e.get("msg", "invalid")))
            for e in exc.errors()
        ]
        detail = "; ".join(f"{f.field}: {f.message}" for f in fields) or "the request is not valid"
        return problem_response(
            Problem(title="Validation", status=422, code="VALIDATION", detail=detail, fields=fields)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = getattr(exc, "problem_code", None) or _STATUS_CODES.get(exc.status_code, "ERROR")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            Problem(title=code.replace("_", " ").capitalize(), status=exc.status_code, code=code, detail=detail),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error turned into CONFLICT: %s", exc.orig)
        return problem_response(
            Problem(title="Conflict", status=409, code="CONFLICT",
                    detail="the change conflicts with data that already exists")
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem_response(
            Problem(title="Internal error", status=500, code="INTERNAL",
                    detail="an unexpected error occurred; it has been logged")
        )


# Documented on every route so that OpenAPI lists the error shape.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": code.replace("_", " ").lower()}
    for status, code in {
        400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND",
        409: "CONFLICT", 422: "VALIDATION",
    }.items()
}
