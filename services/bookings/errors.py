"""Error codes of the bookings service beyond the kernel's."""

from __future__ import annotations

from services.kernel.errors import ProblemError


class SlotTaken(ProblemError):
    status, code = 409, "SLOT_TAKEN"


class InsufficientBudget(ProblemError):
    status, code = 409, "INSUFFICIENT_BUDGET"


class NotBookable(ProblemError):
    status, code = 409, "NOT_BOOKABLE"
