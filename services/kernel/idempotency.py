"""``Idempotency-Key`` on POSTs that create something or move money: the same key and body return the
first answer, the same key with another body is a 409."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.auth import MaybePrincipal
from services.kernel.db import UTCDateTime, utcnow
from services.kernel.errors import Conflict


class IdempotencyMixin:
    """``class IdempotencyRecord(IdempotencyMixin, Base): __tablename__ = "idempotency_keys"``."""

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Idempotency:
    """Per-request handle; ``replay()`` before the work, ``remember(result)`` after it (same transaction)."""

    def __init__(self, key: str | None, scope: str, body: bytes) -> None:
        self.key = f"{scope}:{key}" if key else None
        self.request_hash = hashlib.sha256(body).hexdigest()

    async def replay(self, session: AsyncSession, model: type[IdempotencyMixin]) -> JSONResponse | None:
        if self.key is None:
            return None
        record = await session.get(model, self.key)
        if record is None:
            return None
        if record.request_hash != self.request_hash:
            raise Conflict("this Idempotency-Key was used before with a different request body",
                           code="IDEMPOTENCY_KEY_REUSED")
        return JSONResponse(record.response, status_code=record.status_code,
                            headers={"Idempotent-Replayed": "true"})

    async def remember(self, session: AsyncSession, model: type[IdempotencyMixin], result: Any,
                       status_code: int = 200) -> Any:
        if self.key is not None:
            session.add(model(key=self.key, request_hash=self.request_hash,  # type: ignore[call-arg]
                              status_code=status_code, response=jsonable_encoder(result),
                              created_at=utcnow()))
            await session.flush()
        return result


async def _idempotency(
    request: Request,
    principal: MaybePrincipal,
    idempotency_key: Annotated[str | None, Header(max_length=200, description="replays the first answer")] = None,
) -> Idempotency:
    body = await request.body()
    who = principal.sub if principal else "anonymous"
    return Idempotency(idempotency_key, f"{who}:{request.method}:{request.url.path}", body)


IdempotencyKey = Annotated[Idempotency, Depends(_idempotency)]
