"""Unified social credit code (统一社会信用代码, GB 32100-2015): normalisation and the check character."""

from __future__ import annotations

from services.kernel.errors import ProblemError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
FORBIDDEN_LETTERS = "IOSVZ"
LENGTH = 18


class InvalidUSCC(ProblemError):
    status, code = 422, "INVALID_USCC"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="uscc")


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (which must already be valid characters)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(raw: str) -> str:
    """The code as stored: surrounding blanks removed, lower case letters upper-cased, then checked.

    Raises ``InvalidUSCC`` (code ``INVALID_USCC``, field ``uscc``) with a message that says what is wrong.
    """
    code = (raw or "").strip().upper()
    if len(code) != LENGTH:
        raise InvalidUSCC(f"a unified social credit code has {LENGTH} characters; this one has {len(code)}")
    forbidden = sorted({c for c in code if c in FORBIDDEN_LETTERS})
    if forbidden:
        raise InvalidUSCC(
            f"the letters I, O, S, V and Z never occur in a unified social credit code; found {', '.join(forbidden)}"
        )
    unknown = sorted({c for c in code if c not in ALPHABET})
    if unknown:
        raise InvalidUSCC(
            f"only digits and the letters ABCDEFGHJKLMNPQRTUWXY may occur; found {' '.join(unknown)}"
        )
    if not code[2:8].isdigit():
        raise InvalidUSCC("characters 3 to 8 must be the administrative division code (six digits)")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(
            f"the check character (the 18th) does not match: it should be {expected} for these first 17 "
            "characters; the code is mistyped"
        )
    return code


def is_valid(raw: str) -> bool:
    try:
        normalise(raw)
    except InvalidUSCC:
        return False
    return True


def make(prefix17: str) -> str:
    """A complete code from its first 17 characters (demo and benchmark data)."""
    return prefix17 + check_character(prefix17)
