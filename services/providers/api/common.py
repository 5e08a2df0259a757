"""Helpers the route modules share: batch ``ids``, sorted-page cursors, the set of every role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from services.kernel.auth import Role
from services.kernel.errors import ValidationProblem
from services.kernel.paging import MAX_LIMIT, decode_cursor, encode_cursor

ALL_ROLES = tuple(Role)


def parse_ids(ids: list[str] | None, field: str = "ids") -> list[str] | None:
    """``?ids=a,b,c`` (or ``?ids=a&ids=b``) for DataLoaders: at most 500, blanks ignored."""
    if ids is None:
        return None
    values = list(dict.fromkeys(v.strip() for raw in ids for v in raw.split(",") if v.strip()))
    if len(values) > MAX_LIMIT:
        raise ValidationProblem(f"at most {MAX_LIMIT} ids at once", field=field)
    return values


def offset_from(cursor: str | None) -> int:
    if not cursor:
        return 0
    raw = decode_cursor(cursor)
    if not raw.startswith("o:") or not raw[2:].isdigit():
        raise ValidationProblem("the cursor is not one this list issued", field="cursor")
    return int(raw[2:])


def offset_cursor(offset: int | None) -> str | None:
    return None if offset is None else encode_cursor(f"o:{offset}")


IdsQuery = Annotated[list[str] | None, Query(description="comma-separated ids, or the parameter repeated "
                                                        "(batch read, at most 500)")]
