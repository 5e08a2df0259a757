"""In the embedded platform (in-process bus), a logout stops the access token at every service within moments:
the gateway publishes ``gateway.session.revoked`` through its outbox and each service applies it."""

from __future__ import annotations

import asyncio

import pytest

from gateway.accounts import service as accounts
from services.kernel.auth import Role

pytestmark = pytest.mark.asyncio(loop_scope="package")

SERVICES = {"policy": "/api/policy/v1/enterprises/ent_nobody", "providers": "/api/providers/v1/experts/exp_nobody",
            "bookings": "/api/bookings/v1/bookings/bkg_nobody"}


async def _statuses(platform, token: str) -> dict[str, int]:
    headers = {"Authorization": f"Bearer {token}"}
    return {part: (await platform.client.get(path, headers=headers)).status_code for part, path in SERVICES.items()}


async def test_after_logout_every_service_refuses_the_token(platform):
    gw = platform.gateway
    async with gw.database.transaction() as session:
        await accounts.add_account(session=session, email="leaver@x.cn", password="a-long-test-password",
                                   role=Role.BUREAU, region_code="330282", hasher=gw.account_policy.hasher)
    body = await platform.gql('mutation { login(email: "leaver@x.cn", password: "a-long-test-password") '
                              "{ ... on AuthPayload { token } } }")
    token = body["data"]["login"]["token"]
    assert set((await _statuses(platform, token)).values()) == {404}  # accepted: the rows just do not exist
    out = await platform.gql("mutation { logout { __typename } }", token=token)
    assert out["data"]["logout"]["__typename"] == "Done"
    for _ in range(100):  # the relay publishes right after the commit; each service applies the event
        statuses = await _statuses(platform, token)
        if set(statuses.values()) == {401}:
            break
        await asyncio.sleep(0.05)
    assert statuses == {"policy": 401, "providers": 401, "bookings": 401}
