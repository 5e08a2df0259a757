"""Issue 19 item 5: the one parser of the money fields understands amounts as people type them, or says what to
type."""

from __future__ import annotations

import pytest

from web import i18n
from web.messages import EN
from web.money import HOW_TO_TYPE, NEGATIVE, NOT_UNDERSTOOD, TOO_MANY_DECIMALS, money_fen


@pytest.mark.parametrize(("typed", "fen"), [
    ("50万", 50_000_000), ("300万", 300_000_000), ("50 万", 50_000_000), ("50万元", 50_000_000),
    ("2.5万", 2_500_000), ("1,000,000", 100_000_000), ("1，000，000", 100_000_000), ("１,０００,０００", 100_000_000),
    ("¥400,000", 40_000_000), ("400000元", 40_000_000), ("400000", 40_000_000), ("1,234.5", 123_450),
    ("0.07", 7), (" 60万 ", 60_000_000),
])
def test_amounts_people_type_are_understood(typed, fen):
    assert money_fen(typed).fen == fen and money_fen(typed).error is None


@pytest.mark.parametrize(("typed", "error"), [
    ("五十万", NOT_UNDERSTOOD), ("50w", NOT_UNDERSTOOD), ("1,00,000", NOT_UNDERSTOOD), ("abc", NOT_UNDERSTOOD),
    ("-5", NEGATIVE), ("12.345", TOO_MANY_DECIMALS), ("", HOW_TO_TYPE),
])
def test_anything_else_is_refused_saying_what_to_type(typed, error):
    result = money_fen(typed)
    assert result.fen is None and result.error == error
    assert "50万" in error or "万" in error or error == HOW_TO_TYPE


def test_a_blank_optional_field_is_no_amount_and_no_error():
    assert money_fen("", required=False).fen is None and money_fen("  ", required=False).error is None


def test_the_old_helper_goes_through_the_same_parser():
    assert i18n.yuan_to_fen("50万") == 50_000_000 and i18n.yuan_to_fen("五十万") is None


def test_every_message_has_its_english():
    for message in (HOW_TO_TYPE, NEGATIVE, NOT_UNDERSTOOD, TOO_MANY_DECIMALS):
        assert message in EN
