"""The ``anze`` command as an operator uses it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from anze.composition import PARTS


def _anze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "anze.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("part", PARTS)
def test_serve_help_runs_for_every_part(part):
    result = _anze("serve", part, "--help")
    assert result.returncode == 0
    assert "--port" in result.stdout


def test_an_unknown_part_is_refused_with_the_list_of_parts():
    result = _anze("serve", "billing")
    assert result.returncode == 2
    assert "policy" in result.stderr and "invalid choice" in result.stderr


def test_seed_refuses_without_demo_flag(tmp_path):
    result = subprocess.run([sys.executable, "-m", "anze.cli", "seed"], capture_output=True, text=True,
                            timeout=60, env={"ANZE_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "--demo" in result.stderr
