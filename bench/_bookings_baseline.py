"""The yardstick for bench/bookings_throughput.py: a bare FastAPI endpoint that inserts one row with
asyncpg and nothing else (no auth, no ORM, no checks). Served by uvicorn as ``_bookings_baseline:app``."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg
from fastapi import FastAPI
from pydantic import BaseModel


class Visit(BaseModel):
    expert_id: str
    start: datetime


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BASELINE_DSN"], min_size=5, max_size=20)
    async with app.state.pool.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS baseline_visits "
                           "(id text PRIMARY KEY, expert_id text NOT NULL, start timestamptz NOT NULL)")
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/visits", status_code=201)
async def insert(visit: Visit) -> dict[str, str]:
    visit_id = uuid.uuid4().hex
    async with app.state.pool.acquire() as conn:
        await conn.execute("INSERT INTO baseline_visits (id, expert_id, start) VALUES ($1, $2, $3)",
                           visit_id, visit.expert_id, visit.start)
    return {"id": visit_id}
