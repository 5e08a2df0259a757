"""The insurer's service plan form: only what is filled in is proposed, the items one per line, and a number
of visits outside 0–52 is refused on the page in the page's language."""

from __future__ import annotations

from web.gateway import OperationError
from web.pages import Form
from web.routes.insurer_panel import plan_change


def test_the_proposal_carries_what_was_filled_in_with_items_one_per_line() -> None:
    form = Form(values={"visits_per_year": "8", "items": "事故隐患排查\n\n 应急预案与演练 \n", "agency_id": "agy_1",
                        "targets": ""})
    change = plan_change(form, ["HAZARD_INSPECTION", "EMERGENCY_DRILL"])
    assert form.ok
    assert change == {"visitsPerYear": 8, "serviceTypes": ["HAZARD_INSPECTION", "EMERGENCY_DRILL"],
                      "items": ["事故隐患排查", "应急预案与演练"], "agencyId": "agy_1"}


def test_visits_outside_the_year_are_refused_next_to_the_field() -> None:
    for typed in ("53", "-1", "two", "2.5"):
        form = Form(values={"visits_per_year": typed})
        plan_change(form, [])
        assert form.errors == {"visits_per_year": "请填写 0 到 52 之间的整数。"}, typed


def test_an_empty_proposal_asks_for_one_change() -> None:
    form = Form(values={"visits_per_year": "", "items": " ", "targets": ""})
    assert plan_change(form, []) == {}
    assert form.general == ["请至少修改一项。"]


def test_an_agency_off_the_panel_reads_in_the_page_language() -> None:
    form = Form(values={"agency_id": "agy_2"})
    form.from_operation_error(OperationError("NOT_ON_PANEL", "the agency is not on the insurer's panel", "agencyId"),
                              {"agencyId": "agency_id"})
    assert form.errors == {"agency_id": "该机构不在本公司的合作机构名录中。"}
