"""The platform's one clock: today is the Shanghai day (machines run on UTC), and the policy calendar's month
and year ends. Each test pins the instant it needs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from services.kernel import clock
from services.policy.dates import add_months, term_days, term_end


def test_today_turns_at_midnight_in_shanghai_not_in_utc():
    with time_machine.travel(datetime(2026, 12, 31, 15, 59, 30, tzinfo=UTC), tick=False):  # 23:59:30 in Cixi
        assert clock.today() == date(2026, 12, 31)
    with time_machine.travel(datetime(2026, 12, 31, 16, 0, 30, tzinfo=UTC), tick=False):  # 00:00:30 in Cixi
        assert clock.today() == date(2027, 1, 1)
        assert clock.now().date() == date(2026, 12, 31)  # still the 31st in UTC: stored instants are UTC


def test_the_pinned_suite_clock_is_what_the_code_reads(pinned_instant):
    assert abs((clock.now() - pinned_instant).total_seconds()) < 24 * 3600  # a run lasts less than a day


def test_a_term_from_the_last_day_of_january_ends_on_the_eve_a_year_later():
    assert term_end(date(2027, 1, 31), 12) == date(2028, 1, 30)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # a leap year


def test_a_term_from_a_leap_day_ends_on_the_27th_of_february():
    assert term_end(date(2028, 2, 29), 12) == date(2029, 2, 27)
    assert term_days(date(2028, 2, 29), term_end(date(2028, 2, 29), 12)) == 365


def test_a_year_over_a_leap_day_has_366_days():
    assert term_days(date(2027, 3, 1), term_end(date(2027, 3, 1), 12)) == 366


def test_ids_made_in_one_millisecond_or_on_a_frozen_clock_still_sort_in_the_order_made():
    from services.kernel.ids import new_id

    with time_machine.travel(datetime(2027, 2, 5, 15, 59, tzinfo=UTC), tick=False):
        made = [new_id("bkg") for _ in range(200)]
    assert sorted(made) == made and len(set(made)) == 200
