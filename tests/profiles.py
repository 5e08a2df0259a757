"""Hypothesis profiles for the generated tests (schemathesis over every route, property tests): how many examples
a run tries. ``make test`` uses ``dev``; CI passes ``--hypothesis-profile=ci`` (fewer, to keep CI's run in
check); ``deep`` is for a nightly or a hunt
(``make test PYTEST_ARGS=--hypothesis-profile=deep``)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# The apps under test answer in milliseconds, not microseconds, and schemathesis filters its own examples:
# these two checks would flag the set-up, not a defect. Every other health check stays on.
SLOW_APP_CHECKS = [HealthCheck.too_slow, HealthCheck.filter_too_much]

settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("ci", max_examples=20, deadline=None, print_blob=True)
settings.register_profile("deep", max_examples=400, deadline=None, print_blob=True)
settings.load_profile("dev")
