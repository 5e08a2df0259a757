"""The server-drawn charts: inline SVG with one bar per row, the figures kept for a table, text escaped."""

from __future__ import annotations

import re

import pytest

from web.charts import Bar, Point, bar_chart, line_chart, nice_ceiling


def test_bar_chart_draws_one_bar_per_town_scaled_to_the_rate() -> None:
    chart = bar_chart([Bar("观海卫镇", 0.5), Bar("浒山街道", 0.25)], title="投保率", max_value=1.0)
    svg = str(chart.svg)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="bar"') == 2
    widths = [float(w) for w in re.findall(r'width="([\d.]+)" height="\d+" class="fill"', svg)]
    assert widths[0] == 2 * widths[1]
    assert "观海卫镇" in svg and "50.0%" in svg


def test_bar_chart_keeps_its_figures_for_the_table() -> None:
    chart = bar_chart([Bar("观海卫镇", 0.125), Bar("古塘街道", 0.0)], title="投保率", max_value=1.0)
    assert chart.rows == [("观海卫镇", "12.5%"), ("古塘街道", "0.0%")]


def test_bar_chart_escapes_labels_and_links() -> None:
    chart = bar_chart([Bar('<script>x</script>', 0.1, href='/bureau?region=1&x="2"')], title="a<b")
    svg = str(chart.svg)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg and "a&lt;b" in svg


def test_bar_chart_of_nothing_is_an_empty_chart_not_an_error() -> None:
    chart = bar_chart([], title="投保率")
    assert chart.rows == [] and "<svg" in str(chart.svg)


def test_bar_values_beyond_the_scale_are_clipped_to_the_track() -> None:
    chart = bar_chart([Bar("a", 2.0)], title="t", max_value=1.0)
    track = re.search(r'width="([\d.]+)" height="\d+" class="track"', str(chart.svg))
    fill = re.search(r'width="([\d.]+)" height="\d+" class="fill"', str(chart.svg))
    assert track and fill and float(fill.group(1)) == float(track.group(1))


def test_line_chart_has_a_dot_per_month_and_the_figures() -> None:
    points = [Point(f"2026-{m:02d}", m / 20) for m in range(1, 13)]
    chart = line_chart(points, title="投保率走势", max_value=1.0)
    svg = str(chart.svg)
    assert svg.count("<circle") == 12
    assert "<polyline" in svg
    assert chart.rows[0] == ("2026-01", "5.0%") and chart.rows[-1] == ("2026-12", "60.0%")


def test_line_chart_of_one_point_draws_it_in_the_middle() -> None:
    chart = line_chart([Point("2026-11", 0.3)], title="t", max_value=1.0)
    assert str(chart.svg).count("<circle") == 1


def test_month_labels_never_crowd_the_last_one() -> None:
    points = [Point(f"2026-{m:02d}", 0.1) for m in range(1, 13)]
    svg = str(line_chart(points, title="t").svg)
    labels = re.findall(r'class="axis">(\d{4}-\d{2})</text>', svg)
    assert labels[-1] == "2026-12" and "2026-11" not in labels


def test_the_scale_of_a_rate_ends_at_the_next_ten_percent() -> None:
    assert nice_ceiling(0.314) == pytest.approx(0.4)
    assert nice_ceiling(0.4) == pytest.approx(0.4)
    assert nice_ceiling(0.95) == pytest.approx(1.0)
    assert nice_ceiling(0.0) == pytest.approx(0.1)
