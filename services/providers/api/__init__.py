"""HTTP routes of the providers service (``/v1/...``), one module per subject, combined in one flat router."""

from __future__ import annotations

from fastapi import APIRouter

from services.providers.api import agencies, catalogue, feedback, panels, qualifications

router = APIRouter()
# The routes are copied rather than nested so that each stays a plain APIRoute with its full /v1 path
# (FastAPI >= 0.160 nests included routers, which hides their routes from route inspection).
for _part in (agencies, qualifications, catalogue, panels, feedback):
    router.routes.extend(_part.router.routes)
