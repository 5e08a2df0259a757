"""The image's command line: ``anze serve PART --help`` runs for every part (as the container would start
it), and the container health check finds the part's port from that command line and asks its /readyz."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.infra.conftest import INFRA, default_ports, parts

ANZE = Path(sys.executable).with_name("anze")


def _healthcheck():
    spec = importlib.util.spec_from_file_location("anze_healthcheck", INFRA / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("part", parts())
def test_the_serve_command_of_each_part_runs(part):
    result = subprocess.run([str(ANZE), "serve", part, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--port" in result.stdout


def test_the_health_check_reads_the_part_and_port_from_the_container_command():
    check = _healthcheck()
    for part, port in default_ports().items():
        assert check.target(["tini", "--", "anze", "serve", part]) == (part, port)
    assert check.target(["anze", "serve", "policy", "--port", "9001"]) == ("policy", 9001)
    assert check.target(["anze", "migrate"]) is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_served_part_answers_the_container_health_check(tmp_path, keys):
    port = _free_port()
    env = {**os.environ, "ANZE_VAR_DIR": str(tmp_path), "ANZE_ENV": "test", "ANZE_BUS_URL": "memory://",
           "ANZE_POLICY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'policy.db'}",
           "ANZE_JWT_PUBLIC_KEYS": keys.public_pem.decode()}
    server = subprocess.Popen([str(ANZE), "serve", "policy", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.1)
        check = subprocess.run([sys.executable, str(INFRA / "healthcheck.py"), "anze", "serve", "policy",
                                "--port", str(port)], timeout=30)
        assert check.returncode == 0
    finally:
        server.terminate()
        server.wait(timeout=30)
    down = subprocess.run([sys.executable, str(INFRA / "healthcheck.py"), "anze", "serve", "policy",
                           "--port", str(port)], timeout=30)
    assert down.returncode == 1
