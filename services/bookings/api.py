"""HTTP routes of the bookings service (``/v1/...``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
