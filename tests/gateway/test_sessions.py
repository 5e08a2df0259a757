"""Sessions end when they should (issue 13, finding 7): logout, a password change and a deactivation stop the
access token at the gateway at once (and at every service: tests/kernel/test_sessions.py and
tests/gateway/test_platform_sessions.py); a reused refresh token ends its whole session; two concurrent
refreshes of one token cannot both succeed; a restart keeps what was revoked; one address guessing passwords
of many accounts waits (TOO_MANY_ATTEMPTS)."""

from __future__ import annotations

import asyncio

import jwt

from gateway.accounts import service as accounts
from gateway.app import MIGRATIONS, create_app
from services.kernel import testing
from services.kernel.auth import Role
from services.kernel.errors import Unauthenticated
from tests.gateway.conftest import PASSWORD, GatewayUnderTest, gateway_settings

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename
  ... on AuthPayload { token refreshToken user { id } }
  ... on OperationError { code message retryAfterSeconds } } }"""
REFRESH = """mutation($r: String!) { refreshToken(refreshToken: $r) { __typename
  ... on AuthPayload { token refreshToken } ... on OperationError { code } } }"""
ME = "{ me { email } }"


async def _login(gateway, email: str, password: str = PASSWORD) -> dict:
    payload = (await gateway.gql(LOGIN, {"e": email, "p": password}))["data"]["login"]
    assert payload["__typename"] == "AuthPayload", payload
    return payload


def _refused(body: dict) -> bool:
    return body.get("errors", [{}])[0].get("extensions", {}).get("code") == "UNAUTHENTICATED"


async def test_after_logout_the_access_token_no_longer_works(gateway):
    await gateway.account("firm@x.cn", Role.ENTERPRISE, org="ent_1")
    session = await _login(gateway, "firm@x.cn")
    other = await _login(gateway, "firm@x.cn")  # the same person on another device
    assert (await gateway.gql(ME, token=session["token"]))["data"]["me"] == {"email": "firm@x.cn"}
    out = await gateway.gql("mutation($r: String) { logout(refreshToken: $r) { __typename } }",
                            {"r": session["refreshToken"]}, token=session["token"])
    assert out["data"]["logout"]["__typename"] == "Done"
    assert _refused(await gateway.gql(ME, token=session["token"]))
    assert (await gateway.gql(REFRESH, {"r": session["refreshToken"]}))["data"]["refreshToken"]["code"] == \
        "UNAUTHENTICATED"
    # the other device's session is another session: it goes on
    assert (await gateway.gql(ME, token=other["token"]))["data"]["me"] == {"email": "firm@x.cn"}


async def test_logout_without_a_refresh_token_ends_every_session_of_the_caller(gateway):
    await gateway.account("firm@x.cn", Role.ENTERPRISE, org="ent_1")
    first, second = await _login(gateway, "firm@x.cn"), await _login(gateway, "firm@x.cn")
    await gateway.gql("mutation { logout { __typename } }", token=first["token"])
    assert _refused(await gateway.gql(ME, token=first["token"]))
    assert _refused(await gateway.gql(ME, token=second["token"]))
    assert (await gateway.gql(REFRESH, {"r": second["refreshToken"]}))["data"]["refreshToken"]["code"] == \
        "UNAUTHENTICATED"
    assert (await gateway.gql(ME, token=(await _login(gateway, "firm@x.cn"))["token"]))["data"]["me"]


async def test_a_password_change_ends_every_session_and_the_new_password_logs_in(gateway):
    await gateway.account("agency@x.cn", Role.AGENCY, org="agc_1")
    here, elsewhere = await _login(gateway, "agency@x.cn"), await _login(gateway, "agency@x.cn")
    changed = await gateway.gql("""mutation { changePassword(currentPassword: "a-long-test-password",
        newPassword: "another-long-password") { __typename } }""", token=here["token"])
    assert changed["data"]["changePassword"]["__typename"] == "User"
    assert _refused(await gateway.gql(ME, token=here["token"]))
    assert _refused(await gateway.gql(ME, token=elsewhere["token"]))
    fresh = await _login(gateway, "agency@x.cn", "another-long-password")
    assert (await gateway.gql(ME, token=fresh["token"]))["data"]["me"] == {"email": "agency@x.cn"}


async def test_the_admin_deactivating_an_account_ends_its_sessions(gateway):
    await gateway.account("admin@x.cn", Role.ADMIN)
    await gateway.account("ins@x.cn", Role.INSURER, org="ins_1")
    admin, insurer = await _login(gateway, "admin@x.cn"), await _login(gateway, "ins@x.cn")
    deactivate = """mutation($id: ID!, $a: Boolean!) { setAccountActive(id: $id, active: $a) { __typename
      ... on OperationError { code } } }"""
    refused = await gateway.gql(deactivate, {"id": admin["user"]["id"], "a": False}, token=insurer["token"])
    assert refused["data"]["setAccountActive"] == {"__typename": "OperationError", "code": "FORBIDDEN"}
    done = await gateway.gql(deactivate, {"id": insurer["user"]["id"], "a": False}, token=admin["token"])
    assert done["data"]["setAccountActive"]["__typename"] == "User"
    assert _refused(await gateway.gql(ME, token=insurer["token"]))
    assert (await gateway.gql(REFRESH, {"r": insurer["refreshToken"]}))["data"]["refreshToken"]["code"] == \
        "UNAUTHENTICATED"
    assert (await gateway.gql(LOGIN, {"e": "ins@x.cn", "p": PASSWORD}))["data"]["login"]["code"] == \
        "UNAUTHENTICATED"


async def test_a_reused_refresh_token_ends_the_whole_session(gateway):
    await gateway.account("ins@x.cn", Role.INSURER, org="ins_1")
    first = await _login(gateway, "ins@x.cn")
    second = (await gateway.gql(REFRESH, {"r": first["refreshToken"]}))["data"]["refreshToken"]
    assert second["__typename"] == "AuthPayload"
    # the thief (or a replay) presents the spent token: refused, and the legitimate pair dies with it
    reuse = (await gateway.gql(REFRESH, {"r": first["refreshToken"]}))["data"]["refreshToken"]
    assert reuse == {"__typename": "OperationError", "code": "UNAUTHENTICATED"}
    assert (await gateway.gql(REFRESH, {"r": second["refreshToken"]}))["data"]["refreshToken"]["code"] == \
        "UNAUTHENTICATED"
    assert _refused(await gateway.gql(ME, token=second["token"]))
    assert _refused(await gateway.gql(ME, token=first["token"]))


async def test_two_concurrent_refreshes_of_one_token_cannot_both_succeed(gateway):
    await gateway.account("ins@x.cn", Role.INSURER, org="ins_1")
    first = await _login(gateway, "ins@x.cn")
    gw = gateway.app.state.gateway

    async def spend() -> str:
        try:
            async with gw.database.transaction() as session:
                tokens = await accounts.refresh(session=session, signer=gw.signer, policy=gw.account_policy,
                                                token=first["refreshToken"])
                await asyncio.sleep(0.05)  # both are inside their transaction at once
            return tokens.refresh
        except Unauthenticated:
            return ""

    outcomes = await asyncio.gather(spend(), spend())
    assert sorted(bool(o) for o in outcomes) == [False, True]


async def test_tokens_name_their_session_and_the_parts_they_are_for(gateway, keys):
    await gateway.account("ins@x.cn", Role.INSURER, org="ins_1")
    first = await _login(gateway, "ins@x.cn")
    second = (await gateway.gql(REFRESH, {"r": first["refreshToken"]}))["data"]["refreshToken"]
    claims = [jwt.decode(t, keys.public_pem, algorithms=["EdDSA"], audience="policy")
              for t in (first["token"], second["token"])]
    assert claims[0]["sid"] == claims[1]["sid"] and claims[0]["jti"] != claims[1]["jti"]
    assert set(claims[0]["aud"]) == {"gateway", "policy", "providers", "bookings"}
    foreign = keys.signer.issue(sub="usr_x", role=Role.ADMIN, audience=["policy"])
    assert _refused(await gateway.gql(ME, token=foreign))


async def test_a_restarted_gateway_still_refuses_a_token_of_an_ended_session(keys, tmp_path, db_url):
    settings = gateway_settings(keys, tmp_path, db_url)
    app = create_app(settings)
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        gateway = GatewayUnderTest(client, app)
        await gateway.account("firm@x.cn", Role.ENTERPRISE, org="ent_1")
        session = await _login(gateway, "firm@x.cn")
        await gateway.gql("mutation { logout { __typename } }", token=session["token"])
    again = create_app(gateway_settings(keys, tmp_path, db_url))
    async with testing.running(again) as client:
        assert _refused(await GatewayUnderTest(client, again).gql(ME, token=session["token"]))


async def test_one_address_trying_many_accounts_waits_with_too_many_attempts(keys, tmp_path, db_url):
    app = create_app(gateway_settings(keys, tmp_path, db_url, login_max_failures_per_address=3))
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        gateway = GatewayUnderTest(client, app)
        await gateway.account("firm@x.cn", Role.ENTERPRISE, org="ent_1")
        for n in range(3):  # a different e-mail each time: the per-account lock never trips
            wrong = (await gateway.gql(LOGIN, {"e": f"guess{n}@x.cn", "p": "wrong-password!"}))["data"]["login"]
            assert wrong["code"] == "UNAUTHENTICATED"
        locked = (await gateway.gql(LOGIN, {"e": "firm@x.cn", "p": PASSWORD}))["data"]["login"]
        assert locked["code"] == "TOO_MANY_ATTEMPTS"
        assert 0 < locked["retryAfterSeconds"] <= 15 * 60 + 1


async def test_behind_the_web_each_browser_address_is_throttled_on_its_own(keys, tmp_path, db_url):
    """The web (a trusted proxy) forwards the browser's address: one guessing browser waits, the others log in."""
    app = create_app(gateway_settings(keys, tmp_path, db_url, login_max_failures_per_address=2))
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        gateway = GatewayUnderTest(client, app)
        await gateway.account("firm@x.cn", Role.ENTERPRISE, org="ent_1")

        async def login(email: str, password: str, browser: str) -> dict:
            response = await client.post("/graphql", json={"query": LOGIN, "variables": {"e": email, "p": password}},
                                         headers={"X-Forwarded-For": browser})
            return response.json()["data"]["login"]

        for n in range(2):
            assert (await login(f"guess{n}@x.cn", "wrong-password!", "203.0.113.7"))["code"] == "UNAUTHENTICATED"
        assert (await login("firm@x.cn", PASSWORD, "203.0.113.7"))["code"] == "TOO_MANY_ATTEMPTS"
        assert (await login("firm@x.cn", PASSWORD, "198.51.100.20"))["__typename"] == "AuthPayload"
