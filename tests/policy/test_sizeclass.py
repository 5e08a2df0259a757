"""Size classes at the boundaries of the 2011 table (revenue and assets in 万元 = 1,000,000 fen)."""

from __future__ import annotations

import pytest

from services.kernel.errors import ValidationProblem
from services.policy.sizeclass import classify

WAN = 1_000_000


@pytest.mark.parametrize(("staff", "revenue_wan", "expected"), [
    (19, 5000, "MICRO"),      # under the small staff bound
    (20, 299, "MICRO"),       # under the small revenue bound
    (20, 300, "SMALL"),       # both small bounds met exactly
    (299, 1999, "SMALL"),
    (300, 1999, "SMALL"),     # medium needs both bounds
    (299, 2000, "SMALL"),
    (300, 2000, "MEDIUM"),    # both medium bounds met exactly
    (999, 39999, "MEDIUM"),
    (1000, 39999, "MEDIUM"),  # SME while under either ceiling
    (999, 40000, "MEDIUM"),
    (1000, 40000, "LARGE"),   # fails the SME test on both
])
def test_industry_boundaries(staff, revenue_wan, expected):
    assert classify(sector="INDUSTRY", employees=staff, annual_revenue_fen=revenue_wan * WAN) == expected


def test_one_fen_under_a_revenue_bound_counts_as_under():
    assert classify(sector="INDUSTRY", employees=50, annual_revenue_fen=300 * WAN - 1) == "MICRO"


@pytest.mark.parametrize(("revenue_wan", "assets_wan", "expected"), [
    (299, 10000, "MICRO"), (300, 299, "MICRO"), (300, 300, "SMALL"), (6000, 4999, "SMALL"),
    (6000, 5000, "MEDIUM"), (80000, 79999, "MEDIUM"), (80000, 80000, "LARGE"),
])
def test_construction_uses_revenue_and_assets(revenue_wan, assets_wan, expected):
    assert classify(sector="CONSTRUCTION", employees=5000, annual_revenue_fen=revenue_wan * WAN,
                    total_assets_fen=assets_wan * WAN) == expected


def test_construction_without_assets_is_refused():
    with pytest.raises(ValidationProblem):
        classify(sector="CONSTRUCTION", employees=10, annual_revenue_fen=100 * WAN)


@pytest.mark.parametrize(("sector", "staff", "revenue_wan", "expected"), [
    ("WHOLESALE", 4, 5000, "MICRO"), ("WHOLESALE", 5, 1000, "SMALL"), ("WHOLESALE", 20, 5000, "MEDIUM"),
    ("WHOLESALE", 200, 40000, "LARGE"),
    ("RETAIL", 9, 500, "MICRO"), ("RETAIL", 10, 100, "SMALL"), ("RETAIL", 50, 500, "MEDIUM"),
    ("RETAIL", 300, 20000, "LARGE"),
    ("TRANSPORT", 20, 199, "MICRO"), ("TRANSPORT", 20, 200, "SMALL"), ("TRANSPORT", 300, 3000, "MEDIUM"),
    ("TRANSPORT", 1000, 30000, "LARGE"),
    ("WAREHOUSING", 19, 100, "MICRO"), ("WAREHOUSING", 20, 100, "SMALL"), ("WAREHOUSING", 100, 1000, "MEDIUM"),
    ("WAREHOUSING", 200, 30000, "LARGE"),
])
def test_trade_and_transport_boundaries(sector, staff, revenue_wan, expected):
    assert classify(sector=sector, employees=staff, annual_revenue_fen=revenue_wan * WAN) == expected


@pytest.mark.parametrize(("staff", "expected"), [(9, "MICRO"), (10, "SMALL"), (99, "SMALL"), (100, "MEDIUM"),
                                                 (299, "MEDIUM"), (300, "LARGE")])
def test_other_sectors_count_staff_only(staff, expected):
    assert classify(sector="OTHER", employees=staff, annual_revenue_fen=10**12) == expected
