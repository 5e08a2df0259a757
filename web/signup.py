"""What the two self-service sign-ups share (a firm registering itself, an agency applying): the new
account's fields checked next to them, the account made, and, once the firm or the agency exists, a fresh
token that carries it."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse

from web.pages import REFRESH, Form, mutate, sessions_of
from web.session import SessionUser

SIGN_UP = """
mutation SignUp($email: String!, $password: String!, $role: Role!) {
  signUp(email: $email, password: $password, role: $role) {
    __typename
    ... on AuthPayload { token refreshToken user { id email role orgId regionCode } }
    ... on OperationError { code message field }
  }
}"""


SIGN_UP_WITH_FIRM = """
mutation SignUpFirm($email: String!, $password: String!, $firm: EnterpriseInput!) {
  signUp(email: $email, password: $password, role: ENTERPRISE, enterprise: $firm) {
    __typename
    ... on AuthPayload { token refreshToken user { id email role orgId regionCode } }
    ... on OperationError { code message field }
  }
}"""


def check_account_fields(form: Form, password: object) -> None:
    if "@" not in form.value("email"):
        form.add("email", "请输入有效的邮箱。")
    if not isinstance(password, str) or len(password) < 10:
        form.add("password", "密码至少 10 位。")


async def sign_up(request: Request, form: Form, password: str, role: str,
                  aliases: dict[str, str]) -> SessionUser | None:
    """The account, logged in for the rest of this request; None with the reason on the form."""
    payload, error = await mutate(request, SIGN_UP, {"email": form.value("email"), "password": password,
                                                     "role": role}, "signUp")
    if error is not None:
        form.from_operation_error(error, aliases)
        if error.code == "CONFLICT":
            form.errors["email"] = "该邮箱已注册，请直接登录。"
        return None
    session = sessions_of(request).from_auth_payload(payload)
    request.state.user = session
    return session


async def sign_up_with_firm(request: Request, form: Form, password: str, firm: dict[str, object],
                            aliases: dict[str, str]) -> SessionUser | None:
    """The account and its firm in one step (the gateway makes both or neither); the session, whose token
    already carries the firm, or None with the reason on the form and no account left behind."""
    payload, error = await mutate(request, SIGN_UP_WITH_FIRM, {"email": form.value("email"), "password": password,
                                                               "firm": firm}, "signUp")
    if error is not None:
        form.from_operation_error(error, aliases)
        if error.code == "CONFLICT" and (error.field or "").endswith("email"):
            form.errors["email"] = "该邮箱已注册，请直接登录。"
        return None
    return sessions_of(request).from_auth_payload(payload)


async def onwards_with_fresh_token(request: Request, user: SessionUser, home: str, done: str) -> RedirectResponse:
    """To ``home`` with a token that carries the new firm or agency; to the login page if it cannot be had."""
    refreshed, error = await mutate(request, REFRESH, {"t": user.refresh_token}, "refreshToken")
    response = RedirectResponse(f"{home}?done={done}" if error is None else f"/login?next={home}", status_code=303)
    if error is None:
        sessions_of(request).store(response, sessions_of(request).from_auth_payload(refreshed))
    else:
        sessions_of(request).logout(response)
    return response
