"""Errors particular to the providers service (the common ones come from the kernel)."""

from __future__ import annotations

from services.kernel.errors import ProblemError
from services.providers.uscc import InvalidUSCC


class UnsupportedMediaType(ProblemError):
    status, code = 415, "UNSUPPORTED_MEDIA_TYPE"


class TooLarge(ProblemError):
    status, code = 413, "TOO_LARGE"


__all__ = ["InvalidUSCC", "TooLarge", "UnsupportedMediaType"]
