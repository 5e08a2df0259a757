"""Error codes of the bookings service beyond the kernel's."""

from __future__ import annotations

from services.kernel.errors import ProblemError


class SlotTaken(ProblemError):
    status, code = 409, "SLOT_TAKEN"


class InsufficientBudget(ProblemError):
    status, code = 409, "INSUFFICIENT_BUDGET"


class NotBookable(ProblemError):
    status, code = 409, "NOT_BOOKABLE"


class NotPublishable(ProblemError):
    """The hazard does not meet the exposure board's rule (a MAJOR hazard overdue or whose rectification
    was rejected)."""

    status, code = 409, "NOT_PUBLISHABLE"


class ExposureCaseExists(ProblemError):
    status, code = 409, "EXPOSURE_CASE_EXISTS"
