"""Complaints through the gateway: the firm files, the agency complained about answers, the bureau of the
region follows the clock; other accounts are refused, bad input is an OperationError with the field."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from services.kernel import clock
from services.kernel.auth import Principal, Role
from services.providers import complaints as complaint_service
from services.providers.schemas_feedback import ComplaintIn

pytestmark = pytest.mark.asyncio(loop_scope="package")

GUANHAIWEI = "330282107"
FIELDS = """id subject description status townCode receivedOn dueOn overdue factCheck factCheckReason extensionDays
  extensionReason answer { request facts basis measures answeredAt late } agency { id name } enterprise { id name }
  booking { id }"""
FILE = f"""mutation($in: ComplaintInput!, $key: String) {{ fileComplaint(input: $in, idempotencyKey: $key) {{
  __typename ... on Complaint {{ {FIELDS} }} ... on OperationError {{ code message field }} }} }}"""
ANSWER = f"""mutation($id: ID!, $in: ComplaintAnswerInput!) {{ answerComplaint(complaintId: $id, input: $in) {{
  __typename ... on Complaint {{ {FIELDS} }} ... on OperationError {{ code message field }} }} }}"""
FACT_CHECK = f"""mutation($id: ID!, $r: String!) {{ requireComplaintFactCheck(complaintId: $id, reason: $r) {{
  __typename ... on Complaint {{ {FIELDS} }} ... on OperationError {{ code message field }} }} }}"""
EXTEND = f"""mutation($id: ID!, $d: Int!, $r: String!) {{ extendComplaintDeadline(complaintId: $id, days: $d,
  reason: $r) {{ __typename ... on Complaint {{ {FIELDS} }} ... on OperationError {{ code message field }} }} }}"""
ONE = f"query($id: ID!) {{ complaint(id: $id) {{ {FIELDS} }} }}"
LIST = """query($f: ComplaintFilter, $n: Int, $a: String) { complaints(filter: $f, first: $n, after: $a) {
  totalCount pageInfo { hasNextPage endCursor } nodes { id status overdue dueOn agency { id } } } }"""
REPLY = {"request": "要求专家按约定时间到场", "facts": "经核实专家迟到40分钟", "basis": "服务合同第5条",
         "measures": "致歉并调整排班"}


def today() -> date:
    return clock.today()


async def file(platform, subject: str = "专家迟到", as_: str = "enterprise", token: str | None = None,
               **extra) -> dict:
    body = {"agencyId": platform.ctx["demo_agency_id"], "subject": subject,
            "description": "约定9点，实际9点40到场", "townCode": GUANHAIWEI, **extra}
    response = await platform.gql(FILE, {"in": body}, as_=None if token else as_, token=token)
    assert not response.get("errors"), response["errors"]
    return response["data"]["fileComplaint"]


async def account_for(platform, role: str, org: str) -> str:
    """A second account of a role, made by the admin, bound to another firm or agency; its token."""
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@test.anze.cn"
    made = (await platform.data("""mutation($i: AccountInput!) { createAccount(input: $i) { __typename
        ... on OperationError { code message } } }""", {"i": {"email": email, "password": "complaint-pass-1",
                                                             "role": role, "orgId": org}}, as_="admin"))
    assert made["createAccount"]["__typename"] == "User", made
    login = await platform.data("""mutation($e: String!) { login(email: $e, password: "complaint-pass-1") {
        ... on AuthPayload { token } } }""", {"e": email})
    return str(login["login"]["token"])


async def another_firm(platform) -> str:
    firms = (await platform.data("{ enterprises(first: 10) { nodes { id } } }", as_="bureau"))["enterprises"]
    return next(n["id"] for n in firms["nodes"] if n["id"] != platform.ctx["demo_enterprise_id"])


async def test_the_firm_files_the_agency_answers_and_the_firm_reads_the_answer(platform):
    filed = await file(platform, "报告内容不实")
    assert filed["__typename"] == "Complaint", filed
    assert (filed["status"], filed["overdue"], filed["factCheck"], filed["answer"]) == ("OPEN", False, False, None)
    assert filed["receivedOn"] == today().isoformat() and filed["dueOn"] > filed["receivedOn"]
    assert filed["agency"]["id"] == platform.ctx["demo_agency_id"] and filed["townCode"] == GUANHAIWEI
    assert filed["enterprise"]["id"] == platform.ctx["demo_enterprise_id"]

    for who in ("agency", "bureau", "enterprise"):
        seen = (await platform.data(LIST, {"f": {"status": "OPEN"}, "n": 500}, as_=who))["complaints"]
        assert filed["id"] in [n["id"] for n in seen["nodes"]], who

    answered = (await platform.data(ANSWER, {"id": filed["id"], "in": REPLY}, as_="agency"))["answerComplaint"]
    assert answered["status"] == "ANSWERED" and answered["answer"]["late"] is False
    mine = (await platform.data(ONE, {"id": filed["id"]}, as_="enterprise"))["complaint"]
    assert mine["answer"]["measures"] == "致歉并调整排班" and mine["answer"]["facts"] == "经核实专家迟到40分钟"
    open_only = (await platform.data(LIST, {"f": {"status": "OPEN"}, "n": 500}, as_="enterprise"))["complaints"]
    assert filed["id"] not in [n["id"] for n in open_only["nodes"]]


async def test_the_same_idempotency_key_files_one_complaint(platform):
    key = f"test:complaint:{uuid.uuid4().hex}"
    body = {"agencyId": platform.ctx["demo_agency_id"], "subject": "重复提交", "description": "按了两次"}
    one = (await platform.data(FILE, {"in": body, "key": key}, as_="enterprise"))["fileComplaint"]
    two = (await platform.data(FILE, {"in": body, "key": key}, as_="enterprise"))["fileComplaint"]
    assert one["__typename"] == "Complaint" and one["id"] == two["id"]
    assert one["townCode"] == GUANHAIWEI  # the demo firm's own town, not the agency's first one


async def test_only_the_agency_complained_about_answers(platform):
    filed = await file(platform, "服务态度差")
    other_agency = await account_for(platform, "AGENCY", platform.ctx["agency_ids"][1])
    for who, token in (("bureau", None), ("enterprise", None), ("insurer", None), ("other agency", other_agency)):
        body = await platform.gql(ANSWER, {"id": filed["id"], "in": REPLY}, as_=None if token else who, token=token)
        assert body["data"]["answerComplaint"]["code"] == "FORBIDDEN", (who, body)
    unseen = await platform.gql(ONE, {"id": filed["id"]}, token=other_agency)
    assert unseen["errors"][0]["extensions"]["code"] == "FORBIDDEN" and unseen["data"]["complaint"] is None
    theirs = (await platform.gql(LIST, {"n": 500}, token=other_agency))["data"]["complaints"]
    assert filed["id"] not in [n["id"] for n in theirs["nodes"]]
    still = (await platform.data(ONE, {"id": filed["id"]}, as_="agency"))["complaint"]
    assert still["status"] == "OPEN" and still["answer"] is None


async def test_a_firm_cannot_read_another_firms_complaint(platform):
    filed = await file(platform, "收费不透明")
    other = await account_for(platform, "ENTERPRISE", await another_firm(platform))
    body = await platform.gql(ONE, {"id": filed["id"]}, token=other)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and body["data"]["complaint"] is None
    listed = (await platform.gql(LIST, {"n": 500}, token=other))["data"]["complaints"]
    assert filed["id"] not in [n["id"] for n in listed["nodes"]]
    missing = await platform.data(ONE, {"id": "cmp_does_not_exist"}, as_="enterprise")
    assert missing["complaint"] is None


async def test_filing_needs_a_firm_account_a_known_agency_and_a_subject(platform):
    insurer = await platform.gql(FILE, {"in": {"agencyId": platform.ctx["demo_agency_id"], "subject": "x",
                                               "description": "y"}}, as_="insurer")
    assert insurer["data"]["fileComplaint"]["code"] == "FORBIDDEN"
    blank = await file(platform, "   ")
    assert (blank["code"], blank["field"]) == ("VALIDATION", "subject"), blank
    unknown = await file(platform, agencyId="agc_unknown")
    assert (unknown["code"], unknown["field"]) == ("NOT_FOUND", "agencyId"), unknown
    town = await file(platform, townCode="not-a-town")
    assert (town["code"], town["field"]) == ("VALIDATION", "townCode"), town
    anonymous = await platform.gql(LIST, {"n": 5})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    expert = await platform.gql(LIST, {"n": 5}, as_="expert")
    assert expert["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    paging = await platform.gql(LIST, {"n": 0}, as_="bureau")
    assert paging["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_the_deadline_moves_with_a_fact_check_and_one_extension_only(platform):
    filed = await file(platform, "检测数据存疑")
    refused = (await platform.data(FACT_CHECK, {"id": filed["id"], "r": "需调取现场记录"},
                                   as_="enterprise"))["requireComplaintFactCheck"]
    assert refused["code"] == "FORBIDDEN"
    checked = (await platform.data(FACT_CHECK, {"id": filed["id"], "r": "需调取现场记录"},
                                   as_="bureau"))["requireComplaintFactCheck"]
    assert checked["factCheck"] is True and checked["factCheckReason"] == "需调取现场记录"
    assert checked["dueOn"] > filed["dueOn"]
    again = (await platform.data(FACT_CHECK, {"id": filed["id"], "r": "再查"}, as_="agency"))
    assert again["requireComplaintFactCheck"]["code"] == "INVALID_STATE"
    too_long = (await platform.data(EXTEND, {"id": filed["id"], "d": 31, "r": "需第三方检测"},
                                    as_="agency"))["extendComplaintDeadline"]
    assert (too_long["code"], too_long["field"]) == ("VALIDATION", "days"), too_long
    no_reason = (await platform.data(EXTEND, {"id": filed["id"], "d": 10, "r": " "},
                                     as_="agency"))["extendComplaintDeadline"]
    assert (no_reason["code"], no_reason["field"]) == ("VALIDATION", "reason"), no_reason
    extended = (await platform.data(EXTEND, {"id": filed["id"], "d": 10, "r": "需第三方检测"},
                                    as_="agency"))["extendComplaintDeadline"]
    assert extended["extensionDays"] == 10 and extended["extensionReason"] == "需第三方检测"
    assert date.fromisoformat(extended["dueOn"]) == date.fromisoformat(checked["dueOn"]) + timedelta(days=10)
    twice = (await platform.data(EXTEND, {"id": filed["id"], "d": 5, "r": "再延"},
                                 as_="bureau"))["extendComplaintDeadline"]
    assert twice["code"] == "INVALID_STATE"
    partial = (await platform.data(ANSWER, {"id": filed["id"], "in": {**REPLY, "basis": ""}},
                                   as_="agency"))["answerComplaint"]
    assert (partial["code"], partial["field"]) == ("VALIDATION", "basis"), partial
    done = (await platform.data(ANSWER, {"id": filed["id"], "in": REPLY}, as_="agency"))["answerComplaint"]
    assert done["status"] == "ANSWERED"
    late_extension = (await platform.data(EXTEND, {"id": filed["id"], "d": 5, "r": "x"},
                                          as_="agency"))["extendComplaintDeadline"]
    assert late_extension["code"] == "INVALID_STATE"
    twice_answered = (await platform.data(ANSWER, {"id": filed["id"], "in": REPLY}, as_="agency"))
    assert twice_answered["answerComplaint"]["code"] == "INVALID_STATE"


async def test_the_bureau_filters_the_overdue_complaints_of_its_region(platform):
    """A complaint received months ago (filed through the service with its receipt day, as the clock cannot be
    set through the API) is overdue; one filed today is not."""
    providers = platform.app.state.platform.apps["providers"]
    principal = Principal(sub="usr_test", role=Role.ENTERPRISE, org=platform.ctx["demo_enterprise_id"])
    async with providers.state.runtime.database.transaction() as session:
        old = await complaint_service.file_complaint(
            session, principal=principal, today=date(2025, 3, 3), data=ComplaintIn(
                agency_id=platform.ctx["demo_agency_id"], town_code=GUANHAIWEI, subject="久未答复",
                description="三月提交至今未答复"))
        old_id = old.id
    fresh = await file(platform, "刚提交")
    overdue = (await platform.data(LIST, {"f": {"overdue": True}, "n": 500}, as_="bureau"))["complaints"]
    ids = [n["id"] for n in overdue["nodes"]]
    assert old_id in ids and fresh["id"] not in ids and all(n["overdue"] for n in overdue["nodes"])
    everything = (await platform.data(LIST, {"n": 500}, as_="bureau"))["complaints"]
    assert {old_id, fresh["id"]} <= {n["id"] for n in everything["nodes"]}
    assert everything["totalCount"] > overdue["totalCount"]
    agency = (await platform.data(LIST, {"f": {"overdue": True}, "n": 500}, as_="agency"))["complaints"]
    assert old_id in [n["id"] for n in agency["nodes"]]
    first = (await platform.data(LIST, {"n": 1}, as_="bureau"))["complaints"]
    assert first["pageInfo"]["hasNextPage"] and len(first["nodes"]) == 1
    second = (await platform.data(LIST, {"n": 1, "a": first["pageInfo"]["endCursor"]}, as_="bureau"))["complaints"]
    assert second["nodes"][0]["id"] != first["nodes"][0]["id"]


async def test_the_insurer_reads_and_comments_on_a_complaint_about_its_panel_from_its_book(platform):
    from services.providers.models import CoverFact

    insurer, agency = platform.ctx["insurer_ids"][0], platform.ctx["demo_agency_id"]
    firm = platform.ctx["demo_enterprise_id"]
    providers = platform.app.state.platform.apps["providers"]
    r = await platform.client.post(f"/api/providers/v1/panels/{insurer}/agencies",
                                   headers={"Authorization": f"Bearer {platform.tokens['insurer']}"},
                                   json={"agency_id": agency, "criteria": "资质有效",
                                         "start_date": (today() - timedelta(days=400)).isoformat()})
    assert r.status_code in (201, 409), r.text  # already on the panel since the seed is fine too
    async with providers.state.runtime.database.transaction() as s:  # the firm on the insurer's book
        s.add(CoverFact(policy_id=f"pol_{uuid.uuid4().hex[:10]}", enterprise_id=firm, insurer_id=insurer,
                        start_date=today() - timedelta(days=1), end_date=today() + timedelta(days=300)))
    filed = await file(platform, subject="保险公司可见的投诉")
    seen = (await platform.data(ONE, {"id": filed["id"]}, as_="insurer"))["complaint"]
    assert seen["id"] == filed["id"] and seen["subject"] == "保险公司可见的投诉"
    listed = (await platform.data(LIST, {"n": 500}, as_="insurer"))["complaints"]["nodes"]
    assert filed["id"] in {c["id"] for c in listed}
    said = (await platform.data("""mutation($id: ID!) { commentOnComplaint(complaintId: $id, text: "请尽快答复") {
        __typename ... on ComplaintComment { authorRole text } ... on OperationError { code } } }""",
                                {"id": filed["id"]}, as_="insurer"))["commentOnComplaint"]
    assert said == {"__typename": "ComplaintComment", "authorRole": "insurer", "text": "请尽快答复"}
    comments = (await platform.data("query($id: ID!) { complaint(id: $id) { comments { authorRole text } } }",
                                    {"id": filed["id"]}, as_="enterprise"))["complaint"]["comments"]
    assert comments == [{"authorRole": "insurer", "text": "请尽快答复"}]
    decided = (await platform.gql(EXTEND, {"id": filed["id"], "d": 5, "r": "核实"}, as_="insurer"))
    assert decided["data"] is None or decided["data"]["extendComplaintDeadline"]["code"] == "FORBIDDEN", decided
