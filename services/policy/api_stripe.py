"""The Stripe webhook: signature verified, each event stored once and applied once, answered 202."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request

from services.kernel.auth import PUBLIC
from services.kernel.runtime import Runtime, Session
from services.policy import stripe_payments

router = APIRouter(prefix="/v1")


@router.post("/stripe/webhook", status_code=202, dependencies=[PUBLIC], tags=["payments"])
async def stripe_webhook(request: Request, session: Session, runtime: Runtime,
                         stripe_signature: Annotated[str | None, Header()] = None) -> Any:
    """Public, but only events signed with the webhook secret are accepted (``INVALID_SIGNATURE``)."""
    secret = runtime.settings.stripe_webhook_secret
    event = stripe_payments.verify(await request.body(), stripe_signature,
                                   secret.get_secret_value() if secret else None)
    applied = await stripe_payments.receive(session, event)
    return {"received": event["id"], "applied": applied}
