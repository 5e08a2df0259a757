"""Keyset paging with opaque cursors: ``limit`` and ``cursor`` in, ``items``, ``next_cursor`` and
``total`` out. Ids are time-sortable, so ordering by id is ordering by creation."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.errors import ValidationProblem

T = TypeVar("T")

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    total: int


class PageParams(BaseModel):
    limit: int = 50
    cursor: str | None = None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")] = 50,
    cursor: Annotated[str | None, Query(description="the next_cursor of the previous page")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        value = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationProblem("the cursor is not one this service issued", field="cursor") from exc
    if not value or not value.isprintable() or encode_cursor(value) != cursor:
        raise ValidationProblem("the cursor is not one this service issued", field="cursor")
    return value


async def paginate(session: AsyncSession, stmt: Select[Any], id_column: Any, params: PageParams,
                   *, descending: bool = False) -> tuple[list[Any], str | None, int]:
    """Run ``stmt`` one page at a time, ordered by ``id_column``; returns (rows, next cursor, total)."""
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = stmt
    if params.cursor:
        last = decode_cursor(params.cursor)
        page = page.where(id_column < last if descending else id_column > last)
    page = page.order_by(id_column.desc() if descending else id_column).limit(params.limit + 1)
    rows = list((await session.scalars(page)).all())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        next_cursor = encode_cursor(getattr(rows[-1], id_column.key))
    return rows, next_cursor, int(total)
