"""In the distributed mode (one process per part, PostgreSQL, NATS), a logout stops the access token at every
service: the gateway's ``gateway.session.revoked`` crosses NATS to each part's inbox (issue 13, finding 7)."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import eventually

PATHS = {"policy": "/v1/enterprises/ent_nobody", "providers": "/v1/experts/exp_nobody",
         "bookings": "/v1/bookings/bkg_nobody"}


async def test_after_logout_every_service_refuses_the_token_over_nats(distributed):
    admin = await distributed.gql.login("admin")
    headers = {"Authorization": f"Bearer {admin.token}"}

    async def statuses() -> dict[str, int]:
        found = {}
        for part, path in PATHS.items():
            async with httpx.AsyncClient(base_url=distributed.config.url(part), timeout=10) as http:
                found[part] = (await http.get(path, headers=headers)).status_code
        return found

    assert set((await statuses()).values()) == {404}  # accepted: those rows just do not exist
    out = await admin("mutation { logout { __typename } }")
    assert out["logout"]["__typename"] == "Done"

    async def all_refused() -> dict[str, int] | None:
        found = await statuses()
        return found if set(found.values()) == {401} else None

    assert await eventually(all_refused, within=15) == {"policy": 401, "providers": 401, "bookings": 401}
    me = await admin.raw("{ me { email } }")
    assert me["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
