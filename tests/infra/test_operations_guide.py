"""The operations guide points only at files that exist, and at every overlay and alert there is."""

from __future__ import annotations

import re

from tests.infra.conftest import INFRA, K8S, OVERLAYS

GUIDE = (INFRA.parent / "docs" / "operations.md").read_text()


def _made_by_the_operator(path: str) -> bool:
    """The files the guide has you create, which git ignores: passwords, keys, backups."""
    ignored = (INFRA / ".gitignore").read_text().split()
    relative = path.removeprefix("infra/")
    return any(relative == entry.rstrip("/") or relative.startswith(entry) for entry in ignored
               if not entry.startswith("#"))


def test_every_file_of_the_repository_the_guide_names_exists():
    named = set(re.findall(r"`?((?:infra|docs)/[A-Za-z0-9_./-]+[A-Za-z0-9_])", GUIDE))
    assert named
    missing = sorted(path for path in named
                     if not (INFRA.parent / path).exists() and not _made_by_the_operator(path))
    assert missing == []


def test_the_guide_deploys_each_overlay_and_the_compose_file():
    for overlay in OVERLAYS:
        assert (K8S / "overlays" / overlay / "kustomization.yaml").exists()
        assert f"kubectl apply -k infra/k8s/overlays/{overlay}" in GUIDE or f"overlays/{overlay}" in GUIDE
    assert "docker compose -f infra/compose.yaml up -d" in GUIDE
    for step in ("## Upgrade with migrations", "## Rotate the token signing key", "## Back up and restore",
                 "## Alerts"):
        assert step in GUIDE
