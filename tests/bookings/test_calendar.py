"""The working calendar on its own: the State Council holiday table, make-up working days, local hours."""

from __future__ import annotations

from datetime import date, datetime

from services.bookings.availability import Calendar
from tests.bookings.conftest import SHANGHAI


def test_the_2026_holiday_table_knows_holidays_and_make_up_working_days():
    cal = Calendar.build(tz="Asia/Shanghai", default_hours="09:00-17:00")
    assert not cal.is_working_day(date(2026, 10, 1))  # 国庆节, a Thursday
    assert not cal.is_working_day(date(2026, 2, 16))  # 春节, a Monday
    assert cal.is_working_day(date(2026, 2, 14))  # a Saturday worked before 春节
    assert cal.is_working_day(date(2026, 10, 10))  # a Saturday worked after 国庆
    assert not cal.is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert cal.is_working_day(date(2026, 10, 9))  # an ordinary Friday


def test_2027_has_at_least_the_statutory_holidays_before_its_notice_is_published():
    cal = Calendar.build(tz="Asia/Shanghai", default_hours="09:00-17:00")
    assert not cal.is_working_day(date(2027, 1, 1))  # 元旦, a Friday
    assert not cal.is_working_day(date(2027, 2, 8))  # 春节 初三, a Monday
    assert not cal.is_working_day(date(2027, 10, 1))  # 国庆节, a Friday
    assert cal.is_working_day(date(2027, 1, 4))  # an ordinary Monday


def test_a_make_up_saturday_has_the_default_hours_in_shanghai_time():
    cal = Calendar.build(tz="Asia/Shanghai", default_hours="09:00-17:00")
    [(start, end)] = cal.windows(date(2026, 10, 10), [])
    assert start == datetime(2026, 10, 10, 9, tzinfo=SHANGHAI) and end == datetime(2026, 10, 10, 17, tzinfo=SHANGHAI)
