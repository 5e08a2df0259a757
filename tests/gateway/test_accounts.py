"""Accounts through GraphQL: login, me, lock-out, refresh, logout, password change, who may create whom."""

from __future__ import annotations

import jwt

from services.kernel.auth import Role

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on AuthPayload { token refreshToken user { id email role orgId regionCode } }
  ... on OperationError { code message field } } }"""


async def test_login_returns_a_token_that_carries_role_org_region_and_expert(gateway, keys):
    await gateway.account("expert@x.cn", Role.EXPERT, org="agc_1", expert="exp_1")
    data = await gateway.gql(LOGIN, {"e": "Expert@X.cn ", "p": "a-long-test-password"})
    payload = data["data"]["login"]
    assert payload["__typename"] == "AuthPayload"
    assert payload["user"]["role"] == "EXPERT" and payload["user"]["orgId"] == "agc_1"
    claims = jwt.decode(payload["token"], keys.public_pem, algorithms=["EdDSA"], issuer="anze-gateway",
                        audience="gateway")
    assert claims["role"] == "expert" and claims["org"] == "agc_1" and claims["expert"] == "exp_1"
    assert claims["sub"] == payload["user"]["id"]


async def test_me_shows_the_logged_in_account_and_null_without_a_token(gateway):
    await gateway.account("bureau@x.cn", Role.BUREAU, region="330282")
    token = await gateway.login("bureau@x.cn")
    me = await gateway.gql("{ me { email role regionCode } }", token=token)
    assert me["data"]["me"] == {"email": "bureau@x.cn", "role": "BUREAU", "regionCode": "330282"}
    assert (await gateway.gql("{ me { email } }"))["data"]["me"] is None


async def test_a_bad_token_is_unauthenticated_not_anonymous(gateway):
    data = await gateway.gql("{ me { email } }", token="not-a-token")
    assert data["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_wrong_password_is_an_operation_error_and_five_lock_the_address(gateway):
    await gateway.account("firm@x.cn", Role.ENTERPRISE, org="ent_1")
    for _ in range(5):
        data = await gateway.gql(LOGIN, {"e": "firm@x.cn", "p": "wrong-password!"})
        assert data["data"]["login"]["code"] == "UNAUTHENTICATED"
    locked = await gateway.gql(LOGIN, {"e": "firm@x.cn", "p": "a-long-test-password"})
    assert locked["data"]["login"]["code"] == "RATE_LIMITED"


async def test_unknown_addresses_fail_like_wrong_passwords(gateway):
    data = await gateway.gql(LOGIN, {"e": "nobody@x.cn", "p": "whatever-password"})
    assert data["data"]["login"] == {"__typename": "OperationError", "code": "UNAUTHENTICATED",
                                     "message": "wrong e-mail address or password", "field": None}


async def test_refresh_token_buys_a_new_pair_once_and_logout_revokes_it(gateway):
    await gateway.account("ins@x.cn", Role.INSURER, org="ins_1")
    first = (await gateway.gql(LOGIN, {"e": "ins@x.cn", "p": "a-long-test-password"}))["data"]["login"]
    refresh = """mutation($r: String!) { refreshToken(refreshToken: $r) { __typename
      ... on AuthPayload { token refreshToken } ... on OperationError { code } } }"""
    second = (await gateway.gql(refresh, {"r": first["refreshToken"]}))["data"]["refreshToken"]
    assert second["__typename"] == "AuthPayload"
    third = (await gateway.gql(refresh, {"r": second["refreshToken"]}))["data"]["refreshToken"]
    assert third["__typename"] == "AuthPayload"
    out = await gateway.gql("mutation { logout { __typename } }", token=third["token"])
    assert out["data"]["logout"]["__typename"] == "Done"
    revoked = (await gateway.gql(refresh, {"r": third["refreshToken"]}))["data"]["refreshToken"]
    assert revoked["code"] == "UNAUTHENTICATED"
    # a spent token presented again is refused (and ends its session: tests/gateway/test_sessions.py)
    spent = (await gateway.gql(refresh, {"r": first["refreshToken"]}))["data"]["refreshToken"]
    assert spent == {"__typename": "OperationError", "code": "UNAUTHENTICATED"}


async def test_password_change_needs_the_current_password_and_the_new_one_works(gateway):
    await gateway.account("agency@x.cn", Role.AGENCY, org="agc_1")
    token = await gateway.login("agency@x.cn")
    change = """mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) {
      __typename ... on OperationError { code field } } }"""
    wrong = await gateway.gql(change, {"c": "not-the-password", "n": "another-long-password"}, token=token)
    assert wrong["data"]["changePassword"] == {"__typename": "OperationError", "code": "FORBIDDEN",
                                               "field": "currentPassword"}
    short = await gateway.gql(change, {"c": "a-long-test-password", "n": "short"}, token=token)
    assert short["data"]["changePassword"]["code"] == "VALIDATION"
    ok = await gateway.gql(change, {"c": "a-long-test-password", "n": "another-long-password"}, token=token)
    assert ok["data"]["changePassword"]["__typename"] == "User"
    assert await gateway.login("agency@x.cn", "another-long-password")


CREATE = """mutation($i: AccountInput!) { createAccount(input: $i) { __typename
  ... on User { email role orgId expertId } ... on OperationError { code field } } }"""


async def test_an_agency_creates_no_expert_account_while_providers_cannot_say_whose_expert_it_is(gateway):
    # that the expert is the agency's own is checked with providers (tests/gateway/test_platform_experts.py)
    await gateway.account("agency@x.cn", Role.AGENCY, org="agc_1")
    token = await gateway.login("agency@x.cn")
    made = await gateway.gql(CREATE, {"i": {"email": "e1@x.cn", "password": "expert-password-1", "role": "EXPERT",
                                            "orgId": "agc_OTHER", "expertId": "exp_9"}}, token=token)
    assert made["data"]["createAccount"] == {"__typename": "OperationError", "code": "SERVICE_UNAVAILABLE",
                                             "field": None}
    expert_login = await gateway.gql("mutation { login(email: \"e1@x.cn\", password: \"expert-password-1\") "
                                     "{ __typename } }")
    assert expert_login["data"]["login"]["__typename"] == "OperationError"
    bureau = await gateway.gql(CREATE, {"i": {"email": "b@x.cn", "password": "bureau-password-1",
                                              "role": "BUREAU", "regionCode": "330282"}}, token=token)
    assert bureau["data"]["createAccount"]["code"] == "FORBIDDEN"


async def test_no_account_can_raise_its_own_role(gateway):
    await gateway.account("firm@x.cn", Role.ENTERPRISE, org="ent_1")
    token = await gateway.login("firm@x.cn")
    for role in ("ADMIN", "BUREAU", "INSURER"):
        data = await gateway.gql(CREATE, {"i": {"email": "firm@x.cn", "password": "firm-password-12",
                                                "role": role}}, token=token)
        assert data["data"]["createAccount"]["code"] == "FORBIDDEN"
    me = await gateway.gql("{ me { role } }", token=await gateway.login("firm@x.cn"))
    assert me["data"]["me"]["role"] == "ENTERPRISE"


async def test_a_bureau_binds_no_login_it_cannot_check_and_none_outside_its_region(gateway):
    # which agencies and regions exist is the services' to say (tests/gateway/test_platform_account_scope.py);
    # with them unreachable, nothing is created
    await gateway.account("bureau@x.cn", Role.BUREAU, region="330282")
    token = await gateway.login("bureau@x.cn")
    agency = await gateway.gql(CREATE, {"i": {"email": "a@x.cn", "password": "agency-password-1", "role": "AGENCY",
                                              "orgId": "agc_does_not_exist"}}, token=token)
    assert agency["data"]["createAccount"] == {"__typename": "OperationError", "code": "SERVICE_UNAVAILABLE",
                                               "field": None}
    outside = await gateway.gql(CREATE, {"i": {"email": "b2@x.cn", "password": "bureau-password-1",
                                               "role": "BUREAU", "regionCode": "330281"}}, token=token)
    assert outside["data"]["createAccount"]["code"] == "FORBIDDEN"
    no_region = await gateway.gql(CREATE, {"i": {"email": "b3@x.cn", "password": "bureau-password-1",
                                                 "role": "BUREAU"}}, token=token)
    assert no_region["data"]["createAccount"]["code"] == "FORBIDDEN"
    assert not await _can_log_in(gateway, "a@x.cn", "agency-password-1")


async def test_the_admin_creates_no_bureau_account_without_a_valid_region(gateway):
    await gateway.account("admin@x.cn", Role.ADMIN)
    token = await gateway.login("admin@x.cn")
    for region in (None, "", "33", "3302821070", "330282abc"):
        made = await gateway.gql(CREATE, {"i": {"email": "b@x.cn", "password": "bureau-password-1",
                                                "role": "BUREAU", "regionCode": region}}, token=token)
        assert made["data"]["createAccount"] == {"__typename": "OperationError", "code": "VALIDATION",
                                                 "field": "regionCode"}, region
    assert not await _can_log_in(gateway, "b@x.cn", "bureau-password-1")


async def test_a_bureau_account_without_a_region_creates_no_account(gateway):
    await gateway.account("legacy@x.cn", Role.BUREAU)  # made before the rule
    token = await gateway.login("legacy@x.cn")
    made = await gateway.gql(CREATE, {"i": {"email": "b@x.cn", "password": "bureau-password-1",
                                            "role": "BUREAU", "regionCode": "330282107"}}, token=token)
    assert made["data"]["createAccount"]["code"] == "FORBIDDEN"


async def _can_log_in(gateway, email: str, password: str) -> bool:
    body = await gateway.gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename } }",
                             {"e": email, "p": password})
    return body["data"]["login"]["__typename"] == "AuthPayload"


async def test_a_firm_signs_itself_up_without_an_organisation(gateway):
    signup = """mutation { signUp(email: "new@x.cn", password: "new-firm-password") { __typename
      ... on AuthPayload { user { role orgId } } } }"""
    data = await gateway.gql(signup)
    assert data["data"]["signUp"] == {"__typename": "AuthPayload", "user": {"role": "ENTERPRISE", "orgId": None}}
    again = await gateway.gql(signup.replace("user { role orgId }", "token").replace("__typename", "__typename "
                                                                                     "... on OperationError { code }"))
    assert again["data"]["signUp"]["code"] == "CONFLICT"
    admin = await gateway.gql('mutation { signUp(email: "a@x.cn", password: "new-firm-password", role: ADMIN) '
                              '{ ... on OperationError { code } } }')
    assert admin["data"]["signUp"]["code"] == "FORBIDDEN"
