"""Helpers for the infra tests: a Kustomize renderer in PyYAML (resources, namespace, images, strategic
merge patches: what our kustomizations use), the env var names the settings classes read, and the files."""

from __future__ import annotations

import copy
import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
K8S = INFRA / "k8s"
OVERLAYS = ("city", "scaled")
# Kubernetes release whose schemas the manifests are checked against (bundled by kubernetes-validate).
K8S_VERSION = "1.30.0"

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}


# ---------------------------------------------------------------- kustomize, the subset we use


def _merge_list(base: list[Any], patch: list[Any]) -> list[Any]:
    """Strategic merge of a list: items that carry a ``name`` merge with the same-named item."""
    if not all(isinstance(item, dict) and "name" in item for item in [*base, *patch]):
        return copy.deepcopy(patch)
    merged = copy.deepcopy(base)
    for item in patch:
        for i, existing in enumerate(merged):
            if existing["name"] == item["name"]:
                merged[i] = strategic_merge(existing, item)
                break
        else:
            merged.append(copy.deepcopy(item))
    return merged


def strategic_merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = strategic_merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list):
        return _merge_list(base, patch)
    return copy.deepcopy(patch)


def _load_docs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _set_images(obj: Any, images: list[dict[str, str]]) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                for container in value:
                    name, _, _ = container.get("image", "").partition(":")
                    for image in images:
                        if image["name"] == name:
                            new = image.get("newName", name)
                            container["image"] = f"{new}:{image['newTag']}" if "newTag" in image else new
            else:
                _set_images(value, images)
    elif isinstance(obj, list):
        for item in obj:
            _set_images(item, images)


def render(directory: Path) -> list[dict[str, Any]]:
    """What ``kustomize build directory`` prints, for the features our kustomizations use."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    allowed = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
    unknown = set(spec) - allowed
    assert not unknown, f"{directory}: this renderer does not know {unknown}"
    objects: list[dict[str, Any]] = []
    for entry in spec.get("resources", []):
        path = (directory / entry).resolve()
        objects.extend(render(path) if path.is_dir() else _load_docs(path))
    for patch in spec.get("patches", []):
        assert set(patch) == {"path"}, "only file patches (strategic merge) are used"
        for doc in _load_docs(directory / patch["path"]):
            matches = [i for i, obj in enumerate(objects)
                       if obj["kind"] == doc["kind"] and obj["metadata"]["name"] == doc["metadata"]["name"]]
            assert len(matches) == 1, f"patch {doc['kind']}/{doc['metadata']['name']} matches {len(matches)}"
            objects[matches[0]] = strategic_merge(objects[matches[0]], doc)
    if "namespace" in spec:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = spec["namespace"]
    if "images" in spec:
        _set_images(objects, spec["images"])
    return objects


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


@pytest.fixture(scope="session", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(K8S / "overlays" / request.param)


# ---------------------------------------------------------------- settings


def parts() -> tuple[str, ...]:
    from anze.composition import PARTS

    return PARTS


def default_ports() -> dict[str, int]:
    return {part: settings_class(part)().port for part in parts()}


def settings_class(part: str) -> type[BaseSettings]:
    from anze.composition import part_app_module

    return part_app_module(part).SETTINGS  # type: ignore[no-any-return]


def _env_names(cls: type[BaseSettings]) -> set[str]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = set()
    for name, field in cls.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
            continue  # a nested settings object (each part's ``kernel``) reads its own prefix
        names.add(f"{prefix}{name}".upper())
    return names


def settings_env_names() -> set[str]:
    """Every ``ANZE_*`` variable some settings class reads: the kernel's and each part's."""
    from services.kernel.settings import KernelSettings

    names = _env_names(KernelSettings)
    for part in parts():
        names |= _env_names(settings_class(part))
    return names


def import_all_parts() -> None:
    """Import every part's app (and with it its metrics) into this process."""
    for part in parts():
        importlib.import_module(settings_class(part).__module__.rsplit(".", 1)[0] + ".app")


# ---------------------------------------------------------------- compose


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of an env file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}`` and ``$$`` substitution."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = env.get(name)
        if op in (":-", "-"):
            return value if value else arg if op == ":-" or value is None else value
        if op in (":?", "?"):
            if not value:
                raise KeyError(f"{name}: {arg}")
            return value
        return value or ""

    return _VAR.sub(one, text)


def compose_raw() -> dict[str, Any]:
    return yaml.safe_load((INFRA / "compose.yaml").read_text())  # type: ignore[no-any-return]


def compose_config() -> dict[str, Any]:
    """The compose file as ``docker compose config`` sees it with the values of ``infra/env.example``."""
    env = read_env_file(INFRA / "env.example")
    return yaml.safe_load(interpolate((INFRA / "compose.yaml").read_text(), env))  # type: ignore[no-any-return]
