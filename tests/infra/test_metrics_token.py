"""/metrics is closed in production without the metrics token (issue 13, finding 8): every serving part of the
compose file and of each Kubernetes overlay is given the token, and Prometheus sends it with every scrape."""

from __future__ import annotations

import yaml

from tests.infra.conftest import INFRA, by_kind, compose_config, compose_raw, default_ports


def test_compose_gives_every_part_the_metrics_token_and_prometheus_sends_it():
    services = compose_config()["services"]
    for part in default_ports():
        spec = services[part]
        assert spec["environment"]["ANZE_METRICS_TOKEN_FILE"] == "/run/secrets/metrics_token", part
        assert "metrics_token" in [s if isinstance(s, str) else s["source"] for s in spec["secrets"]], part
    assert "metrics_token" in [s if isinstance(s, str) else s["source"] for s in services["prometheus"]["secrets"]]
    assert compose_raw()["secrets"]["metrics_token"]["file"].startswith("./secrets/")
    config = yaml.safe_load((INFRA / "observability" / "prometheus.yaml").read_text())
    for job in config["scrape_configs"]:
        assert job["authorization"] == {"type": "Bearer", "credentials_file": "/run/secrets/metrics_token"}


def test_every_part_of_each_overlay_reads_the_metrics_token_from_its_secret(overlay):
    _, objects = overlay
    deployments = by_kind(objects, "Deployment")
    for part in default_ports():
        env = {e["name"]: e for e in deployments[part]["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["ANZE_METRICS_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "anze-metrics", "key": "token"}


def test_the_operations_guide_says_how_to_make_the_metrics_token():
    guide = (INFRA.parent / "docs" / "operations.md").read_text()
    assert "secrets/metrics-token" in guide and "anze-metrics" in guide and "ANZE_METRICS_TOKEN" in guide
