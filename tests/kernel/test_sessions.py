"""Every service refuses a token of an ended session (``gateway.session.revoked``, applied once through its
inbox, kept in its own table so that a restart keeps it) and a token whose ``aud`` does not name it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from services.kernel import clock, testing
from services.kernel.auth import Role
from services.kernel.events import Event
from services.kernel.sessions import SESSION_REVOKED, Revocation, RevocationList
from services.policy.app import MIGRATIONS, create_app
from services.policy.settings import PolicySettings

AN_ENTERPRISE = "/v1/enterprises/ent_nobody"  # 404 for a token that is accepted, 401 for one that is not


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_service_refuses_a_revoked_session_and_still_does_after_a_restart(keys, tmp_path, db_url):
    settings = PolicySettings(database_url=db_url, kernel=keys.kernel_settings(tmp_path))
    ended = keys.signer.issue(sub="usr_1", role=Role.BUREAU, region="330282", sid="sid_ended")
    other = keys.signer.issue(sub="usr_1", role=Role.BUREAU, region="330282", sid="sid_other")
    app = create_app(settings)
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        assert (await client.get(AN_ENTERPRISE, headers=_bearer(ended))).status_code == 404
        until = (clock.now() + timedelta(minutes=31)).isoformat()
        event = Event(SESSION_REVOKED, {"sid": "sid_ended", "sub": None, "before": None, "until": until})
        consumer = app.state.runtime.consumer
        assert await consumer.handle(event) is True
        assert await consumer.handle(event) is False  # once: the inbox drops the repeat
        refused = await client.get(AN_ENTERPRISE, headers=_bearer(ended))
        assert refused.status_code == 401 and refused.json()["code"] == "UNAUTHENTICATED"
        assert (await client.get(AN_ENTERPRISE, headers=_bearer(other))).status_code == 404
    again = create_app(PolicySettings(database_url=db_url, kernel=keys.kernel_settings(tmp_path)))
    async with testing.running(again) as client:
        assert (await client.get(AN_ENTERPRISE, headers=_bearer(ended))).status_code == 401
        assert (await client.get(AN_ENTERPRISE, headers=_bearer(other))).status_code == 404


async def test_a_token_not_meant_for_the_service_is_refused(keys, tmp_path):
    app = create_app(PolicySettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
                                    kernel=keys.kernel_settings(tmp_path)))
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        for audience in (["bookings"], ["gateway", "web"]):
            token = keys.signer.issue(sub="usr_1", role=Role.ADMIN, audience=audience)
            refused = await client.get(AN_ENTERPRISE, headers=_bearer(token))
            assert refused.status_code == 401 and "not meant for policy" in refused.json()["detail"]
        token = keys.signer.issue(sub="usr_1", role=Role.ADMIN, audience=["gateway", "policy"])
        assert (await client.get(AN_ENTERPRISE, headers=_bearer(token))).status_code == 404


def test_an_account_revocation_refuses_earlier_tokens_until_they_have_all_expired():
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, 0, tzinfo=UTC), tick=False):
        before = clock.now()
        revocations = RevocationList()
        revocations.add(Revocation(id="evt_1", sub="usr_1", before=before, until=before + timedelta(minutes=31)))
        earlier = {"sub": "usr_1", "iat": int(before.timestamp()) - 60, "sid": "s1"}
        later = {"sub": "usr_1", "iat": int(before.timestamp()) + 1, "sid": "s2"}
        assert revocations.revoked(earlier) and not revocations.revoked(later)
        assert not revocations.revoked({"sub": "usr_2", "iat": int(before.timestamp()) - 60})
    with time_machine.travel(datetime(2026, 12, 3, 10, 32, 0, tzinfo=UTC), tick=False):
        revocations.forget_expired()
        assert not revocations.revoked(earlier) and revocations.subs == {}
