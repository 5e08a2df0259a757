"""Pieces every domain of the schema uses: the ``Long`` scalar, ``OperationError``, paging types, the
enums shared by several domains, and the turn of a service's problem into a union member."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, Generic, NewType, TypeVar

import strawberry

from gateway.errors import ServiceDown
from services.kernel.errors import ProblemError

log = logging.getLogger("anze.gateway")

_LONG_MAX = 2**63 - 1


def _parse_long(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValueError("Long must be a whole number of fen")
    if not -_LONG_MAX - 1 <= value <= _LONG_MAX:
        raise ValueError("Long must fit in 64 bits")
    return value


Long = NewType("Long", int)

SCALARS: dict[object, Any] = {Long: strawberry.scalar(
    name="Long",
    description="A 64-bit integer serialised as a JSON number (money in fen: GraphQL's Int stops at 2^31-1).",
    serialize=int,
    parse_value=_parse_long,
)}


@strawberry.type(description="A business failure: the service's stable code, a message, the offending field.")
class OperationError:
    code: str
    message: str
    field: str | None = None
    retry_after_seconds: int | None = strawberry.field(
        default=None, description="TOO_MANY_ATTEMPTS, RATE_LIMITED: how long to wait before trying again")
    retry_at: datetime | None = strawberry.field(
        default=None, description="when the same request may succeed, if known (CHECK_IN_NOT_OPEN: when check-in "
        "opens)")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = None


T = TypeVar("T")


@strawberry.type
class Connection(Generic[T]):
    nodes: list[T]
    page_info: PageInfo
    total_count: int


def connection(body: dict[str, Any], convert: Callable[[dict[str, Any]], T]) -> Connection[T]:
    """A service page ``{items, next_cursor, total}`` as a GraphQL connection."""
    cursor = body.get("next_cursor")
    return Connection(nodes=[convert(row) for row in body.get("items", [])],
                      page_info=PageInfo(has_next_page=cursor is not None, end_cursor=cursor),
                      total_count=int(body.get("total", len(body.get("items", [])))))


def page_params(first: int | None, after: str | None) -> dict[str, Any]:
    first = 50 if first is None else first
    if first < 1 or first > 500:
        raise ProblemError("first must be between 1 and 500", code="VALIDATION", status=422, field="first")
    return {"limit": first, "cursor": after}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def operation_error(exc: ProblemError) -> OperationError:
    field = exc.fields[0].field if exc.fields else None
    if field:
        field = ".".join(camel(part) for part in field.split(".") if part not in ("body", "input"))
    message = exc.detail
    if isinstance(exc, ServiceDown):
        message = f"{exc.detail}; nothing was changed there, try again shortly"
    retry_after = getattr(exc, "retry_after", None)
    return OperationError(code=exc.code, message=message, field=field or None,
                          retry_after_seconds=int(retry_after) if retry_after is not None else None,
                          retry_at=getattr(exc, "retry_at", None))


R = TypeVar("R")


def returns_operation_error(fn: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R | OperationError]]:
    """A mutation resolver whose business failures become ``OperationError`` members of its result union."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> R | OperationError:
        try:
            return await fn(*args, **kwargs)
        except ProblemError as exc:
            return operation_error(exc)

    return wrapper


def to_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def to_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def maybe_date(value: Any) -> date | None:
    return None if value in (None, "") else to_date(value)


def enum_value(enum_cls: Any, value: Any, default: Any = None) -> Any:
    """A service's string as one of our enums; an unknown value (a newer service) gives ``default``."""
    if value is None:
        return default
    try:
        return enum_cls[str(value).upper()]
    except KeyError:
        return default


async def unless_missing(call: Awaitable[R]) -> R | None:
    """A single-row read: a NOT_FOUND from the service is ``null``; any other problem is an error."""
    try:
        return await call
    except ProblemError as exc:
        if exc.code == "NOT_FOUND":
            return None
        raise
