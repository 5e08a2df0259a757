"""Fixtures for the whole suite: the pinned clock, a test key pair, the database backends present on this
machine, NATS; and what the run says about the backends it used (at the start, and counted at the end)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from services.kernel import testing
from tests import profiles  # noqa: F401  (registers the hypothesis profiles)

# ---------------------------------------------------------------- the backends a run uses


def _localstripe_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("localstripe") is not None


def _backends_present() -> dict[str, tuple[bool, str]]:
    """Each backend the suite can use: present or not, and what stands in for it when it is not."""
    return {
        "SQLite": (True, "always (embedded)"),
        "PostgreSQL": (testing.postgres_available(), testing.PG_ADMIN_URL.rsplit("@", 1)[-1]),
        "NATS JetStream": (testing.nats_available(), testing.NATS_URL),
        "Chromium": (testing.chromium_available(), str(testing.CHROMIUM)),
        "Stripe test server": (_localstripe_installed(), "localstripe, in-process on 127.0.0.1"),
        "libfaketime": (testing.libfaketime() is not None, "processes started by tests share the pinned clock"),
    }


REQUIRED_IN_CI = ("PostgreSQL", "NATS JetStream", "Chromium", "Stripe test server", "libfaketime")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clock: depends on the date; CI runs it again at fixed instants")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") and not config.option.collectonly:
        missing = [name for name, (present, _) in _backends_present().items() if name in REQUIRED_IN_CI
                   and not present]
        if missing:
            raise pytest.UsageError(
                "CI=true but these backends are missing, so their tests would be skipped: " + ", ".join(missing)
                + ". Start them (.ci/run shows how) or run without CI=true to skip them knowingly.")


def pytest_report_header(config: pytest.Config) -> list[str]:
    instant = testing.suite_instant()
    how = "ticking on" if testing.suite_clock_ticks() else "frozen (ANZE_TEST_CLOCK=frozen)"
    lines = [f"clock: pinned at {instant.isoformat()} ({testing.SUITE_INSTANT_ENV} to change it), {how}"]
    for name, (present, detail) in _backends_present().items():
        lines.append(f"backend {name:<19} {'USED   ' if present else 'MISSING'} {detail if present else ''}".rstrip())
    return lines


def _categories(item: pytest.Item) -> set[str]:
    """Which backends a test exercises, from its parameters, fixtures and markers."""
    found: set[str] = set()
    params = getattr(getattr(item, "callspec", None), "params", {})
    values = {str(v) for v in params.values()}
    if "sqlite" in values:
        found.add("SQLite")
    if "postgres" in values or item.get_closest_marker("distributed"):
        found.add("PostgreSQL")
    fixtures = set(getattr(item, "fixturenames", ()))
    if "nats_url" in fixtures or item.get_closest_marker("distributed"):
        found.add("NATS JetStream")
    if item.get_closest_marker("browser"):
        found.add("Chromium")
    if item.get_closest_marker("stripe"):
        found.add("Stripe test server")
    return found


_tally: dict[str, Counter[str]] = {}
_item_categories: dict[str, set[str]] = {}


# The modules whose outcome depends on the date: availability and notice, deadlines and overdue jobs, expiry,
# complaint clocks, renewals and lapses, quotes and endorsements pro rata, coverage as of a day and trends. CI
# runs them again pinned at the instants that broke main before (.ci/clock-instants).
CLOCK_MODULES = {
    "tests/bookings/test_availability.py", "tests/bookings/test_changes.py", "tests/bookings/test_overdue.py",
    "tests/bookings/test_calendar.py", "tests/bookings/test_exposure.py", "tests/bookings/test_metrics_and_plans.py",
    "tests/policy/test_lifecycle.py", "tests/policy/test_coverage.py", "tests/policy/test_cancellation_quote.py",
    "tests/policy/test_endorsement_quote.py", "tests/policy/test_journey.py", "tests/policy/test_dates.py",
    "tests/providers/test_expiry.py", "tests/providers/test_complaints.py",
    "tests/gateway/test_platform_metrics.py", "tests/gateway/test_complaints.py",
    "tests/gateway/test_platform_qualifications.py", "tests/gateway/test_platform_lifecycle.py",
    "tests/gateway/test_cancellation.py", "tests/gateway/test_endorsement_quote.py",
    "tests/e2e/test_journey.py", "tests/test_clock.py", "tests/bookings/test_meaningful_dates.py",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        _item_categories[item.nodeid] = _categories(item)
        if str(Path(str(item.path)).relative_to(root)) in CLOCK_MODULES:
            item.add_marker(pytest.mark.clock)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcome = "skipped" if report.skipped else report.outcome
        for category in _item_categories.get(report.nodeid, ()):
            _tally.setdefault(category, Counter())[outcome] += 1


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _item_categories or config.option.collectonly:
        return
    terminalreporter.section("backends used")
    for name, (present, _) in _backends_present().items():
        if name == "libfaketime":
            continue
        counts = _tally.get(name, Counter())
        line = f"{name:<19} {counts['passed']:>5} passed {counts['failed']:>4} failed {counts['skipped']:>4} skipped"
        if not present:
            line += "  (MISSING: its tests did not run)"
        terminalreporter.write_line(line)


# ---------------------------------------------------------------- the clock


@pytest.fixture(scope="session", autouse=True)
def pinned_instant():
    """Every test runs on a clock pinned at the suite's instant (ticking on), never on the wall clock: a test
    that needs another instant travels there itself (``time_machine.travel``)."""
    with testing.pinned_clock(testing.suite_instant(), tick=testing.suite_clock_ticks()) as instant:
        yield instant


@pytest.fixture
def subprocess_clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Processes this test starts inherit the pinned clock (libfaketime with the same offset)."""
    if testing.libfaketime() is None:
        pytest.skip("libfaketime is not installed: a started process would not share the pinned clock")
    if not testing.suite_clock_ticks():
        pytest.skip("the suite's clock is frozen (ANZE_TEST_CLOCK=frozen): a started process cannot share it")
    env = testing.pinned_clock_env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


# ---------------------------------------------------------------- keys, databases, the bus


@pytest.fixture(scope="session")
def keys() -> testing.TestKeys:
    return testing.TestKeys.generate()


@pytest.fixture(params=testing.backends())
def backend(request: pytest.FixtureRequest) -> str:
    """Runs a test once per database backend present: SQLite always, PostgreSQL when it runs."""
    return request.param


@pytest.fixture
async def db_url(backend: str, tmp_path):
    async with testing.database_url(backend, tmp_path) as url:
        yield url


@pytest.fixture
def nats_url() -> str:
    if not testing.nats_available():
        pytest.skip("NATS JetStream is not running on this machine")
    return testing.NATS_URL

