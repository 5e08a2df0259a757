"""Premium arithmetic: every factor listed and bounded, one rounding rule, the prevention budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.policy.dates import add_months, term_days, term_end
from services.policy.lifecycle import pro_rata
from services.policy.pricing import RiskRecord, prevention_budget, price, risk_class, round_fen

RATES = {"LOW": 500, "MEDIUM": 800, "HIGH": 1200}


def quote(record: RiskRecord, **kw):
    args = {"headcount": 10, "limit_per_person_fen": 40_000_000, "base_rates_ppm": RATES, "factor_bounds": {},
            "min_premium_fen": 0, "prevention_share_bp": 2000, "record": record, **kw}
    return price(**args)


def factor(result, name):
    return next(f["value"] for f in result.factors if f["name"] == name)


def test_a_clean_low_risk_firm_pays_base_times_the_no_accident_discount():
    result = quote(RiskRecord())
    # 10 × 400,000 yuan × 0.05% = 2,000 yuan, × 0.9 for no accident
    assert result.premium_fen == 180_000
    assert result.prevention_budget_fen == 36_000
    assert [f["name"] for f in result.factors] == ["base_rate", "accident_record", "risk_color", "standardisation",
                                                   "hazard_record", "blacklist"]
    assert all(f["label"] for f in result.factors)


def test_each_factor_moves_the_premium_as_listed():
    record = RiskRecord(risk_class="MEDIUM", risk_color="RED", standardisation_grade="2", blacklisted=True,
                        claims=1, deaths=0, hazards_closed=2, hazards_overdue=1)
    result = quote(record)
    assert factor(result, "base_rate") == pytest.approx(0.0008)
    assert factor(result, "accident_record") == pytest.approx(1.1)
    assert factor(result, "risk_color") == pytest.approx(1.3)
    assert factor(result, "standardisation") == pytest.approx(0.9)
    assert factor(result, "hazard_record") == pytest.approx(1.05)
    assert factor(result, "blacklist") == pytest.approx(1.1)
    assert result.premium_fen == round_fen(Decimal("400000000") * 8 / 10_000
                                           * Decimal("1.1") * Decimal("1.3")
                                           * Decimal("0.9") * Decimal("1.05")
                                           * Decimal("1.1"))


def test_factors_stay_within_their_bounds():
    many = quote(RiskRecord(claims=9, deaths=5, hazards_overdue=20))
    assert factor(many, "accident_record") == pytest.approx(1.3)   # capped at +30 %
    assert factor(many, "hazard_record") == pytest.approx(1.2)


def test_a_product_may_tighten_a_bound():
    result = quote(RiskRecord(claims=3), factor_bounds={"accident_record": {"max": "1.15"}})
    assert factor(result, "accident_record") == pytest.approx(1.15)


def test_closed_hazards_without_overdue_ones_earn_a_discount():
    assert factor(quote(RiskRecord(hazards_closed=3)), "hazard_record") == pytest.approx(0.95)


def test_the_minimum_premium_applies_and_is_listed():
    result = quote(RiskRecord(), headcount=1, min_premium_fen=50_000)
    assert result.premium_fen == 50_000 and factor(result, "minimum_premium") == 500.0


def test_rounding_is_half_up_to_the_fen_once():
    assert round_fen(Decimal("0.5")) == 1
    assert round_fen(Decimal("1.4999")) == 1
    assert prevention_budget(12_345, 2100) == 2592  # 2592.45 → 2592
    assert prevention_budget(12_350, 2100) == 2594  # 2593.5 → 2594


def test_risk_class_follows_the_high_risk_tags():
    assert risk_class([]) == "LOW"
    assert risk_class(["SPRAY_PAINTING"]) == "MEDIUM"
    assert risk_class(["SPRAY_PAINTING", "HAZARDOUS_CHEMICALS_PRODUCTION"]) == "HIGH"


def test_a_year_from_the_31st_of_january_ends_on_the_30th():
    assert term_end(date(2026, 1, 31), 12) == date(2027, 1, 30)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


@pytest.mark.parametrize(("start", "days"), [(date(2026, 3, 1), 365), (date(2028, 1, 1), 366),
                                             (date(2027, 3, 1), 366)])
def test_a_leap_year_term_has_366_days(start, days):
    assert term_days(start, term_end(start, 12)) == days


def test_pro_rata_at_the_edges():
    assert pro_rata(365_00, 365, 365) == 365_00       # first day: everything
    assert pro_rata(365_00, 1, 365) == 100            # last day: one day
    assert pro_rata(366_00, 1, 366) == 100            # leap year: a 366th
    assert pro_rata(100_000, 1, 366) == 273           # 273.22 → 273
    assert pro_rata(100_000, 0, 365) == 0


def test_commission_for_a_compulsory_industry_is_capped_at_5_percent():
    from services.policy.policies import applied_commission_bp, commission

    assert commission(100_000, applied_commission_bp(800, compulsory=True)) == 5_000
    assert commission(100_000, applied_commission_bp(800, compulsory=False)) == 8_000
    assert commission(100_000, applied_commission_bp(300, compulsory=True)) == 3_000
    assert applied_commission_bp(500, compulsory=True) == 500 and applied_commission_bp(501, compulsory=True) == 500
