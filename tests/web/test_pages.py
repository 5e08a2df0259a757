"""Small rules of the pages: the slot picker's days, the menu entry a page belongs to, safe redirects, and
how the gateway's errors land next to a form's fields."""

from __future__ import annotations

from web.gateway import OperationError
from web.pages import Form, _active_menu, safe_next
from web.routes.enterprise_visits import slots_by_day


def test_slots_are_grouped_by_shanghai_day_with_one_choice_per_start_time() -> None:
    slots = [
        {"start": "2026-11-30T01:00:00+00:00", "end": "2026-11-30T04:00:00+00:00", "expertId": "exp_a"},
        {"start": "2026-11-30T01:00:00+00:00", "end": "2026-11-30T04:00:00+00:00", "expertId": "exp_b"},
        {"start": "2026-11-30T16:30:00+00:00", "end": "2026-11-30T19:30:00+00:00", "expertId": "exp_a"},
    ]
    days = slots_by_day(slots)
    assert list(days) == ["2026-11-30 周一", "2026-12-01 周二"]  # 16:30 UTC is past midnight in Shanghai
    assert [s["time"] for s in days["2026-11-30 周一"]] == ["09:00"]
    assert days["2026-11-30 周一"][0]["value"] == "2026-11-30T01:00:00+00:00|exp_a"


def test_a_page_lights_the_most_specific_menu_entry() -> None:
    menu = [("/firm", "我的企业"), ("/firm/policies", "保单"), ("/firm/visits", "上门服务")]
    assert _active_menu(menu, "/firm") == "/firm"
    assert _active_menu(menu, "/firm/policies/pol_1") == "/firm/policies"
    assert _active_menu(menu, "/firm/book/off_1") == "/firm"
    assert _active_menu(menu, "/bureau") == ""


def test_only_paths_of_this_site_are_redirect_targets() -> None:
    assert safe_next("/firm/policies") == "/firm/policies"
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil", "", None):
        assert safe_next(target, "/") == "/"


def test_an_operation_error_goes_next_to_the_field_it_names() -> None:
    form = Form(values={"headcount": "0", "limit_yuan": "100"})
    form.from_operation_error(OperationError("VALIDATION", "at least 400,000 yuan", "input.limitPerPersonFen"),
                              {"limitPerPersonFen": "limit_yuan"})
    assert form.errors == {"limit_yuan": "at least 400,000 yuan"}
    form.from_operation_error(OperationError("INVALID_STATE", "the quote has expired", None))
    assert form.general == ["the quote has expired"]


def test_a_known_code_reads_in_the_page_language() -> None:
    form = Form(values={"uscc": "X"})
    form.from_operation_error(OperationError("INVALID_USCC", "the check character does not match", "uscc"))
    assert form.errors["uscc"].startswith("统一社会信用代码不正确")


def test_an_error_on_one_row_of_a_list_goes_next_to_that_rows_field() -> None:
    form = Form(values={"summary": "完成", "hazard_0_description": "a", "hazard_1_deadline": "2026-01-01"})
    form.from_operation_error(OperationError("VALIDATION", "the deadline is before the visit",
                                             "input.hazards.1.deadline"))
    assert form.errors == {"hazard_1_deadline": "the deadline is before the visit"}
    form.from_operation_error(OperationError("VALIDATION", "unknown photo", "hazards.0.photoIds"),
                              {"photo_ids": "photos"})
    assert form.errors["hazard_0_photos"] == "unknown photo" and not form.general
    form.from_operation_error(OperationError("VALIDATION", "no such row", "hazards.7.deadline"))
    assert form.general == ["no such row"]  # a row the form does not have: said above the form
