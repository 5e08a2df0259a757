"""The enterprise's pages."""

from __future__ import annotations

from fastapi import APIRouter

from web.pages import CsrfChecked

router = APIRouter(prefix="/enterprise", dependencies=[CsrfChecked])
