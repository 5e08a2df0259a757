"""Every environment variable that the compose file, the env examples and the Kubernetes manifests set is
one that a settings class reads (its prefix plus a field name), so a typo cannot silently do nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import (
    INFRA,
    K8S,
    OVERLAYS,
    by_kind,
    compose_config,
    read_env_file,
    render,
    settings_env_names,
)

# Variables that are not ours: read by the PostgreSQL image, or by the OpenTelemetry SDK itself.
THIRD_PARTY_PREFIXES = ("POSTGRES_", "PGDATA", "OTEL_")
THIRD_PARTY_SUFFIXES = ("_DB_PASSWORD",)  # read by infra/postgres/init-databases.sh
# Compose interpolation only: they never reach a process.
COMPOSE_ONLY = {"IMAGE", "PUBLISH_ADDRESS"}


def _ours_or_known(name: str) -> bool:
    return name.startswith(THIRD_PARTY_PREFIXES) or name.endswith(THIRD_PARTY_SUFFIXES)


def _compose_names() -> dict[str, str]:
    names = {}
    for service, spec in compose_config()["services"].items():
        for name in spec.get("environment") or {}:
            names[name] = f"compose service {service}"
    for path in ("env.example", "policy.env.example"):
        for name in read_env_file(INFRA / path):
            names.setdefault(name, f"infra/{path}")
    return names


def _k8s_names(objects: list[dict[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    configmaps = by_kind(objects, "ConfigMap")
    for obj in objects:
        if obj["kind"] not in ("Deployment", "StatefulSet", "Job"):
            continue
        for container in obj["spec"]["template"]["spec"]["containers"]:
            if not container["image"].startswith("anze"):  # NATS, PostgreSQL: their own variables
                continue
            where = f"{obj['kind']}/{obj['metadata']['name']}"
            for env in container.get("env", []):
                names[env["name"]] = where
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    for name in configmaps[source["configMapRef"]["name"]]["data"]:
                        names[name] = f"ConfigMap/{source['configMapRef']['name']}"
    return names


def _unknown(names: dict[str, str]) -> list[str]:
    known = settings_env_names()
    return [f"{name} ({where})" for name, where in sorted(names.items())
            if name not in known and name not in COMPOSE_ONLY and not _ours_or_known(name)]


def test_every_variable_the_compose_file_and_env_examples_set_is_read_by_a_settings_class():
    assert not _unknown(_compose_names())


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_variable_the_kubernetes_overlay_sets_is_read_by_a_settings_class(name):
    assert not _unknown(_k8s_names(render(K8S / "overlays" / name)))


def test_a_misspelt_variable_would_be_caught():
    assert _unknown({"ANZE_POLICY_DATABASE_ULR": "here"}) == ["ANZE_POLICY_DATABASE_ULR (here)"]
    assert "ANZE_POLICY_DATABASE_URL" in settings_env_names()


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_part_is_told_where_its_database_bus_and_token_keys_are(name):
    objects = render(K8S / "overlays" / name)
    shared = by_kind(objects, "ConfigMap")["anze-config"]["data"]
    assert shared["ANZE_BUS_URL"] == "nats://nats:4222"
    assert shared["ANZE_JWT_PUBLIC_KEY_FILE"].startswith("/etc/anze/jwt/")
    deployments = by_kind(objects, "Deployment")
    for part in ("policy", "providers", "bookings", "gateway"):
        env = {e["name"] for e in deployments[part]["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert f"ANZE_{part.upper()}_DATABASE_URL" in env
    gateway_env = {e["name"] for e in deployments["gateway"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "ANZE_GATEWAY_JWT_PRIVATE_KEY_FILE" in gateway_env
    web_env = {e["name"] for e in deployments["web"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "ANZE_WEB_SESSION_SECRET" in web_env


def test_every_variable_the_demo_seed_job_sets_is_read_by_a_settings_class():
    import yaml

    job = yaml.safe_load((K8S / "extras" / "seed-demo-job.yaml").read_text())
    configmap = by_kind(render(K8S / "overlays" / "city"), "ConfigMap")["anze-config"]
    assert not _unknown(_k8s_names([job, configmap]))
