"""The alert rules and the Grafana dashboard: they parse, and every metric and label they ask for is one
the parts export, so an alert cannot sit silent on a misspelt name."""

from __future__ import annotations

import json
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client import REGISTRY

from tests.infra.conftest import INFRA, import_all_parts

ALERTS = INFRA / "observability" / "alerts.yaml"
DASHBOARD = INFRA / "observability" / "grafana-dashboard.json"
# Series that Prometheus itself makes for every scrape target.
PROMETHEUS_SERIES = {"up": {"job", "instance"}}
SCRAPE_LABELS = {"job", "instance"}


def exported_series() -> dict[str, set[str]]:
    """Every series name the parts export, with the label names it carries."""
    import_all_parts()
    series: dict[str, set[str]] = dict(PROMETHEUS_SERIES)
    for name, collector in REGISTRY._names_to_collectors.items():
        labels = set(getattr(collector, "_labelnames", ()))
        if name.endswith("_bucket"):
            labels.add("le")
        series[name] = labels | SCRAPE_LABELS
    return series


def selectors(node: Any) -> list[Any]:
    """The vector selectors in a parsed PromQL expression."""
    if type(node).__name__ == "VectorSelector":
        return [node]
    found = []
    for attr in ("lhs", "rhs", "expr", "vector_selector", "param"):
        child = getattr(node, attr, None)
        if child is not None:
            found += selectors(child)
    for child in getattr(node, "args", None) or []:
        found += selectors(child)
    return found


def check_expression(expr: str, series: dict[str, set[str]]) -> list[str]:
    problems = []
    parsed = promql_parser.parse(expr)
    for selector in selectors(parsed):
        if selector.name not in series:
            problems.append(f"unknown metric {selector.name}")
            continue
        for matcher in selector.matchers.matchers or []:
            if matcher.name not in series[selector.name]:
                problems.append(f"{selector.name} has no label {matcher.name}")
    return problems


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_every_alert_has_a_valid_expression_a_severity_and_a_runbook_in_the_operations_guide():
    guide = (INFRA.parent / "docs" / "operations.md").read_text().lower()
    rules = alert_rules()
    assert {"AnzeOutboxBacklogGrowing", "AnzeOutboxEventStuck", "AnzeHighErrorRate", "AnzeSlowRequests",
            "AnzeMajorHazardOverdue"} <= {r["alert"] for r in rules}
    for rule in rules:
        promql_parser.parse(rule["expr"])
        assert rule["labels"]["severity"] in ("warning", "critical")
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert f"### {rule['alert'].lower()}" in guide, f"docs/operations.md explains no {rule['alert']}"
        assert anchor == rule["alert"].lower()


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_each_alert_asks_only_for_metrics_and_labels_the_parts_export(rule):
    assert check_expression(rule["expr"], exported_series()) == []


def test_every_dashboard_panel_queries_only_metrics_and_labels_the_parts_export():
    dashboard = json.loads(DASHBOARD.read_text())
    series = exported_series()
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(exprs) >= 10
    for expr in exprs:
        assert check_expression(expr, series) == [], expr
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_the_check_catches_a_misspelt_metric_or_label():
    series = exported_series()
    assert check_expression("rate(anze_http_request_total[5m])", series) == [
        "unknown metric anze_http_request_total"]
    assert check_expression('anze_outbox_backlog{part="policy"}', series) == [
        "anze_outbox_backlog has no label part"]
    assert check_expression('anze_outbox_backlog{service="policy"}', series) == []
