"""The unified social credit code (GB 32100-2015): the providers service's own check of an agency's code."""

from __future__ import annotations

from services.kernel.errors import ProblemError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidUSCC(ProblemError):
    status, code = 422, "INVALID_USCC"


def check_character(first17: str) -> str:
    """The 18th character that makes ``first17`` a valid code."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise_uscc(raw: str, *, field: str = "uscc") -> str:
    """The code in upper case without blanks, or ``INVALID_USCC`` saying what is wrong with it."""
    code = "".join(raw.split()).upper()
    if len(code) != 18:
        raise InvalidUSCC(f"a unified social credit code has 18 characters, not {len(code)}", field=field)
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        raise InvalidUSCC(f"characters not allowed in a credit code: {' '.join(bad)} "
                          "(the letters I, O, S, V and Z are never used)", field=field)
    if check_character(code[:17]) != code[17]:
        raise InvalidUSCC("the check character (the 18th) does not match the rest of the code", field=field)
    return code
