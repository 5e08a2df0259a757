"""Which bookings events count as business facts on the operators' dashboard and alerts."""

from __future__ import annotations

from services.bookings.events import (
    EXPOSURE_PUBLISHED,
    EXPOSURE_WITHDRAWN,
    HAZARD_FOUND,
    HAZARD_OVERDUE,
    VISIT_ACKNOWLEDGED,
    business_facts,
)
from services.kernel.events import Event


def test_an_overdue_major_hazard_counts_for_the_bureaus_major_hazard_alert():
    assert business_facts(Event(name=HAZARD_OVERDUE, payload={"grade": "MAJOR"})) == [
        "hazard_overdue", "hazard_overdue_major"]


def test_an_overdue_general_hazard_counts_once():
    assert business_facts(Event(name=HAZARD_OVERDUE, payload={"grade": "GENERAL"})) == ["hazard_overdue"]


def test_found_hazards_count_and_acknowledgements_do_not():
    assert business_facts(Event(name=HAZARD_FOUND, payload={"grade": "GENERAL"})) == ["hazard_found"]
    assert business_facts(Event(name=VISIT_ACKNOWLEDGED, payload={})) == []


def test_publishing_and_withdrawing_an_exposure_case_count_as_facts():
    assert business_facts(Event(name=EXPOSURE_PUBLISHED, payload={})) == ["exposure_case_published"]
    assert business_facts(Event(name=EXPOSURE_WITHDRAWN, payload={})) == ["exposure_case_withdrawn"]
