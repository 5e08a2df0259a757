"""The Kubernetes overlays: they render, validate against the Kubernetes schemas offline, run every part
on its own port with probes and limits, migrate every database, and let traffic flow only where it must."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.infra.conftest import INFRA, K8S, K8S_VERSION, OVERLAYS, by_kind, default_ports, parts, render

DB_PARTS = ("policy", "providers", "bookings", "gateway")


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def test_every_object_of_each_overlay_is_valid_against_the_kubernetes_schemas(overlay):
    name, objects = overlay
    assert objects
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with its kustomize) is not installed")
@pytest.mark.parametrize("name", OVERLAYS)
def test_the_test_renderer_prints_what_kubectl_kustomize_prints(name):
    printed = subprocess.run(["kubectl", "kustomize", str(K8S / "overlays" / name)], capture_output=True,
                             text=True, check=True, timeout=60).stdout
    theirs = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(printed) if d}
    mine = {(d["kind"], d["metadata"]["name"]): d for d in render(K8S / "overlays" / name)}
    assert mine == theirs


def test_each_overlay_runs_every_part_on_its_own_port_in_the_anze_namespace(overlay):
    _, objects = overlay
    deployments, services = by_kind(objects, "Deployment"), by_kind(objects, "Service")
    assert set(deployments) == set(parts())
    for part, port in default_ports().items():
        container = _pod_spec(deployments[part])["containers"][0]
        assert container["args"] == ["serve", part, "--port", str(port)]
        assert container["ports"] == [{"name": "http", "containerPort": port}]
        assert services[part]["spec"]["ports"][0]["port"] == port
        assert services[part]["spec"]["selector"] == deployments[part]["spec"]["selector"]["matchLabels"]
    assert {obj["metadata"].get("namespace") for obj in objects if obj["kind"] != "Namespace"} == {"anze"}


def test_every_part_is_probed_on_readyz_and_healthz_and_has_requests_and_limits(overlay):
    _, objects = overlay
    for part, deployment in by_kind(objects, "Deployment").items():
        container = _pod_spec(deployment)["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", part
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", part
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), part
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), part
        assert _pod_spec(deployment)["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_a_migration_job_brings_each_database_up_with_that_databases_url_only(overlay):
    _, objects = overlay
    jobs = by_kind(objects, "Job")
    assert set(jobs) == {f"migrate-{part}" for part in DB_PARTS}
    for part in DB_PARTS:
        container = _pod_spec(jobs[f"migrate-{part}"])["containers"][0]
        assert container["args"] == ["migrate", part]
        urls = [e["name"] for e in container["env"] if e["name"].endswith("_DATABASE_URL")]
        assert urls == [f"ANZE_{part.upper()}_DATABASE_URL"]


def test_the_scaled_overlay_autoscales_and_keeps_a_pod_of_every_part_through_drains():
    objects = render(K8S / "overlays" / "scaled")
    deployments = by_kind(objects, "Deployment")
    hpas, pdbs = by_kind(objects, "HorizontalPodAutoscaler"), by_kind(objects, "PodDisruptionBudget")
    for part in parts():
        assert hpas[part]["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                       "name": part}
        assert hpas[part]["spec"]["minReplicas"] >= 2
        pod_labels = deployments[part]["spec"]["template"]["metadata"]["labels"]
        assert _selects(pdbs[part]["spec"]["selector"], pod_labels)
        assert pdbs[part]["spec"]["minAvailable"] >= 1
        assert deployments[part]["spec"]["replicas"] >= 2


def test_the_city_database_is_created_by_the_same_script_as_in_compose():
    objects = render(K8S / "overlays" / "city")
    script = by_kind(objects, "ConfigMap")["postgres-init"]["data"]["10-init-databases.sh"]
    assert script == (INFRA / "postgres" / "init-databases.sh").read_text()


def test_every_secret_the_manifests_read_is_explained_in_the_operations_guide(overlay):
    _, objects = overlay
    guide = (INFRA.parent / "docs" / "operations.md").read_text()
    wanted: set[tuple[str, str]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "secretKeyRef" in node:
                wanted.add((node["secretKeyRef"]["name"], node["secretKeyRef"]["key"]))
            if "secret" in node and "secretName" in node["secret"]:
                for item in node["secret"].get("items", []):
                    wanted.add((node["secret"]["secretName"], item["key"]))
            if "secretRef" in node:
                wanted.add((node["secretRef"]["name"], ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(objects)
    assert wanted
    for secret, key in wanted:
        assert secret in guide, f"docs/operations.md never says how to create the Secret {secret}"
        assert key in guide, f"docs/operations.md never mentions the key {key} of the Secret {secret}"


# ---------------------------------------------------------------- network policies


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _pods(objects: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {obj["metadata"]["name"]: obj["spec"]["template"]["metadata"]["labels"]
            for obj in objects if obj["kind"] in ("Deployment", "StatefulSet", "Job")}


def _reaches(objects: list[dict[str, Any]], source: str, target: str, port: str) -> bool:
    """Whether a pod of ``source`` may open ``port`` on a pod of ``target`` in the same namespace."""
    pods = _pods(objects)
    src, dst = pods[source], pods[target]
    policies = [p for p in by_kind(objects, "NetworkPolicy").values()
                if "Ingress" in p["spec"]["policyTypes"] and _selects(p["spec"]["podSelector"], dst)]
    if not policies:
        return True
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            peers = rule.get("from")
            peer_ok = peers is None or any(
                "podSelector" in peer and "namespaceSelector" not in peer and _selects(peer["podSelector"], src)
                for peer in peers)
            port_ok = "ports" not in rule or any(p["port"] == port for p in rule["ports"])
            if peer_ok and port_ok:
                return True
    return False


def test_only_the_gateway_reaches_bookings_and_only_gateway_and_bookings_reach_policy_and_providers(overlay):
    _, objects = overlay
    assert _reaches(objects, "gateway", "bookings", "http")
    assert not _reaches(objects, "web", "bookings", "http")
    assert not _reaches(objects, "policy", "bookings", "http")
    for service in ("policy", "providers"):
        assert _reaches(objects, "gateway", service, "http")
        assert _reaches(objects, "bookings", service, "http")
        assert not _reaches(objects, "web", service, "http")
        assert not _reaches(objects, "nats", service, "http")
    assert not _reaches(objects, "providers", "policy", "http")


def test_the_web_and_the_gateway_are_open_to_the_ingress_and_the_bus_only_to_the_parts_using_it(overlay):
    _, objects = overlay
    assert _reaches(objects, "nats", "web", "http")  # stands for any pod, such as the ingress controller
    assert _reaches(objects, "web", "gateway", "http")
    for part in DB_PARTS:
        assert _reaches(objects, part, "nats", "client")
    assert not _reaches(objects, "web", "nats", "client")


def test_in_the_city_only_the_parts_with_a_database_reach_postgres():
    objects = render(K8S / "overlays" / "city")
    for part in DB_PARTS:
        assert _reaches(objects, part, "postgres", "postgres")
        assert _reaches(objects, f"migrate-{part}", "postgres", "postgres")
    assert not _reaches(objects, "web", "postgres", "postgres")
    assert not _reaches(objects, "nats", "postgres", "postgres")


def test_scaled_each_database_is_reached_by_its_own_part_and_migration_only():
    objects = render(K8S / "overlays" / "scaled")
    for owner in DB_PARTS:
        database = f"postgres-{owner}"
        for part in parts():
            assert _reaches(objects, part, database, "postgres") == (part == owner), (part, database)
        for other in DB_PARTS:
            assert _reaches(objects, f"migrate-{other}", database, "postgres") == (other == owner)


def test_the_demo_seed_job_is_valid_and_reaches_every_database_of_the_city():
    job = yaml.safe_load((K8S / "extras" / "seed-demo-job.yaml").read_text())
    kubernetes_validate.validate(job, K8S_VERSION, strict=True)
    assert _pod_spec(job)["containers"][0]["args"] == ["seed", "--demo"]
    objects = [*render(K8S / "overlays" / "city"), {**job, "metadata": {**job["metadata"], "namespace": "anze"}}]
    assert _reaches(objects, "seed-demo", "postgres", "postgres")


def test_only_the_gateway_mounts_the_signing_key_and_its_user_can_read_it(overlay):
    _, objects = overlay
    for part, deployment in by_kind(objects, "Deployment").items():
        spec = _pod_spec(deployment)
        signing = [v for v in spec["volumes"]
                   if any(i["key"] == "signing.pem" for i in v.get("secret", {}).get("items", []))]
        if part != "gateway":
            assert not signing, part
            continue
        assert len(signing) == 1
        mode = signing[0]["secret"]["defaultMode"]
        assert mode & 0o040 and not mode & 0o007, oct(mode)  # the pod's fsGroup reads it, others do not
        assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsGroup"]


def test_scaled_runs_nats_as_a_three_server_cluster_with_the_stream_on_three_replicas(tmp_path):
    objects = render(K8S / "overlays" / "scaled")
    nats = by_kind(objects, "StatefulSet")["nats"]
    assert nats["spec"]["replicas"] == 3 and nats["spec"]["serviceName"] == "nats-cluster"
    headless = by_kind(objects, "Service")["nats-cluster"]
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["ports"][0]["port"] == 6222
    assert by_kind(objects, "ConfigMap")["anze-config"]["data"]["ANZE_BUS_REPLICAS"] == "3"
    assert by_kind(objects, "PodDisruptionBudget")["nats"]["spec"]["minAvailable"] == 2  # the quorum of three
    conf = by_kind(objects, "ConfigMap")["nats-config"]["data"]["nats.conf"]
    for i in range(3):
        assert f"nats://nats-{i}.nats-cluster:6222" in conf
    # the servers route to each other; nothing else reaches the route port
    assert _reaches(objects, "nats", "nats", "cluster")
    assert not _reaches(objects, "policy", "nats", "cluster")
    server = shutil.which("nats-server") or "/usr/sbin/nats-server"
    if shutil.which(server) is None:
        pytest.skip("nats-server is not installed to check the configuration")
    path = tmp_path / "nats.conf"
    path.write_text(conf.replace("/data", str(tmp_path)))
    checked = subprocess.run([server, "-c", str(path), "-t"], capture_output=True, text=True, timeout=30,
                             env={"POD_NAME": "nats-0"})
    assert checked.returncode == 0, checked.stderr


def test_the_city_keeps_one_nats_server_and_one_replica():
    objects = render(K8S / "overlays" / "city")
    assert by_kind(objects, "StatefulSet")["nats"]["spec"]["replicas"] == 1
    assert "ANZE_BUS_REPLICAS" not in by_kind(objects, "ConfigMap")["anze-config"]["data"]  # the default, 1
