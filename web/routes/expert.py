"""The expert's pages."""

from __future__ import annotations

from fastapi import APIRouter

from web.pages import CsrfChecked

router = APIRouter(prefix="/expert", dependencies=[CsrfChecked])
