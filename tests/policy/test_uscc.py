"""The unified social credit code check (GB 32100-2015)."""

from __future__ import annotations

import pytest

from services.policy import uscc


@pytest.mark.parametrize("code", ["91330282MA2CX00019", "92330282MA2CX00029", "91330282000000001A"])
def test_valid_codes_are_accepted_as_they_are(code):
    assert uscc.normalise(code) == code


def test_lower_case_input_is_upper_cased_and_blanks_trimmed():
    assert uscc.normalise("  91330282ma2cx00019 ") == "91330282MA2CX00019"


def test_a_wrong_check_character_is_refused_naming_the_right_one():
    with pytest.raises(uscc.InvalidUSCC) as err:
        uscc.normalise("91330282MA2CX00018")
    assert err.value.code == "INVALID_USCC"
    assert "check character" in err.value.detail and "9" in err.value.detail
    assert err.value.fields and err.value.fields[0].field == "uscc"


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_forbidden_letters_are_refused_by_name(letter):
    with pytest.raises(uscc.InvalidUSCC) as err:
        uscc.normalise(f"91330282MA2C{letter}00019")
    assert letter in err.value.detail and "never occur" in err.value.detail


@pytest.mark.parametrize("code", ["91330282MA2CX0001", "91330282MA2CX000199", ""])
def test_a_wrong_length_is_refused_with_the_length_found(code):
    with pytest.raises(uscc.InvalidUSCC) as err:
        uscc.normalise(code)
    assert "18 characters" in err.value.detail and str(len(code)) in err.value.detail


def test_punctuation_is_refused():
    with pytest.raises(uscc.InvalidUSCC, match="only digits"):
        uscc.normalise("91330282MA2CX0-019")


def test_a_division_code_with_letters_is_refused():
    with pytest.raises(uscc.InvalidUSCC, match="division"):
        uscc.normalise(uscc.make("913302A2MA2CX0001"))


def test_made_codes_carry_a_correct_check_character():
    code = uscc.make("91330282DEM000123")
    assert len(code) == 18 and uscc.is_valid(code)
