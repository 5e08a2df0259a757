"""The compose file: valid against the compose-spec schema, every part on its own port after a one-shot
migration, a database per part, NATS with JetStream on a volume, and no secret in the repository."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import jsonschema
import pytest

from tests.infra.conftest import INFRA, compose_config, compose_raw, default_ports, parts, read_env_file

DB_PARTS = ("policy", "providers", "bookings", "gateway")


def _env(service: dict) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def test_the_compose_file_is_valid_against_the_compose_specification_schema():
    schema = json.loads((INFRA / "schemas" / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(compose_config()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_every_part_is_served_on_its_own_port_by_the_image_command():
    services = compose_config()["services"]
    for part, port in default_ports().items():
        assert services[part]["command"] == ["serve", part, "--port", str(port)]
        assert _env(services[part])[f"ANZE_{part.upper()}_PORT"] == str(port)
    assert set(services) == {*parts(), "postgres", "nats", "migrate", "seed", "prometheus"}


def _waits_for(services: dict, name: str, target: str, condition: str) -> bool:
    for dependency, spec in (services[name].get("depends_on") or {}).items():
        if dependency == target and spec["condition"] == condition:
            return True
        if _waits_for(services, dependency, target, condition):
            return True
    return False


def test_every_part_starts_only_after_the_one_shot_migration_succeeded():
    services = compose_config()["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert _waits_for(services, "migrate", "postgres", "service_healthy")
    for part in parts():
        assert _waits_for(services, part, "migrate", "service_completed_successfully"), part
    migrate_env = _env(services["migrate"])
    for part in DB_PARTS:
        assert f"ANZE_{part.upper()}_DATABASE_URL" in migrate_env


def test_each_part_uses_its_own_database_and_role_on_the_postgres_service():
    services = compose_config()["services"]
    env_example = read_env_file(INFRA / "env.example")
    for part in DB_PARTS:
        url = urlsplit(_env(services[part])[f"ANZE_{part.upper()}_DATABASE_URL"])
        assert url.scheme == "postgresql+asyncpg"
        assert (url.hostname, url.port, url.path, url.username) == ("postgres", 5432, f"/{part}", part)
        assert url.password == env_example[f"{part.upper()}_DB_PASSWORD"]
        others = [k for k in _env(services[part]) if k.endswith("_DATABASE_URL") and part.upper() not in k]
        assert not others, f"{part} is given another part's database: {others}"
    postgres = services["postgres"]
    assert "./postgres/init-databases.sh:/docker-entrypoint-initdb.d/10-init-databases.sh:ro" in postgres["volumes"]
    for part in DB_PARTS:
        assert f"{part.upper()}_DB_PASSWORD" in _env(postgres)


def test_the_parts_find_each_other_by_service_name_and_port():
    services = compose_config()["services"]
    ports = default_ports()
    for part in parts():
        for name, value in _env(services[part]).items():
            if name.endswith("_URL") and value.startswith("http://"):
                url = urlsplit(value)
                assert url.hostname in ports and url.port == ports[url.hostname], (part, name, value)
                shared = set(services[part]["networks"]) & set(services[url.hostname]["networks"])
                assert shared, f"{part} cannot reach {url.hostname}: no network in common"
        if part != "web":
            assert _env(services[part])["ANZE_BUS_URL"] == "nats://nats:4222"


def test_the_web_cannot_reach_the_services_nor_the_databases():
    services = compose_config()["services"]
    web = set(services["web"]["networks"])
    for other in ("policy", "providers", "bookings", "postgres", "nats"):
        assert not web & set(services[other]["networks"]), other


def test_nats_runs_jetstream_with_its_store_on_a_volume():
    nats = compose_config()["services"]["nats"]
    conf = (INFRA / "nats" / "nats.conf").read_text()
    assert "jetstream" in conf and "store_dir: /data" in conf
    assert "natsdata:/data" in nats["volumes"]
    assert "./nats/nats.conf:/etc/nats/nats.conf:ro" in nats["volumes"]


def test_no_secret_is_in_the_repository_only_placeholders():
    raw = (INFRA / "compose.yaml").read_text()
    for name, value in read_env_file(INFRA / "env.example").items():
        if any(word in name for word in ("PASSWORD", "SECRET")):
            assert value == "change-me", name
            assert f"${{{name}:?" in raw, f"compose must refuse to start without {name}"
    for value in read_env_file(INFRA / "policy.env.example").values():
        assert "change-me" in value
    ignored = (INFRA / ".gitignore").read_text().split()
    assert {".env", "policy.env", "secrets/"} <= set(ignored)
    secrets = compose_raw()["secrets"]
    assert all(spec["file"].startswith("./secrets/") for spec in secrets.values())


def test_compose_refuses_to_start_when_a_password_is_missing():
    from tests.infra.conftest import interpolate

    env = read_env_file(INFRA / "env.example")
    del env["BOOKINGS_DB_PASSWORD"]
    with pytest.raises(KeyError, match="BOOKINGS_DB_PASSWORD"):
        interpolate((INFRA / "compose.yaml").read_text(), env)


def test_prometheus_scrapes_every_part_and_loads_the_alert_rules():
    import yaml

    config = yaml.safe_load((INFRA / "observability" / "prometheus.yaml").read_text())
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {f"{part}:{port}" for part, port in default_ports().items()}
    assert all(job["job_name"].startswith("anze") for job in config["scrape_configs"])
    prometheus = compose_config()["services"]["prometheus"]
    assert "./observability/alerts.yaml:/etc/prometheus/alerts.yaml:ro" in prometheus["volumes"]
    assert config["rule_files"] == ["/etc/prometheus/alerts.yaml"]
