"""HTTP routes of the providers service (``/v1/...``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
