"""``anze-create-admin``: the first administrator of a new deployment is created from the terminal and can
log in; a weak password or a taken address is refused with a reason."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from anze.composition import migrate_all
from gateway.accounts import service
from gateway.settings import GatewaySettings
from services.kernel.auth import TokenSigner, generate_keypair
from services.kernel.db import Database
from services.kernel.settings import KernelSettings
from tests.infra.conftest import INFRA

PASSWORD = "Cixi-Bureau-2026-ops!"


def _run(url: str, email: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANZE_GATEWAY_DATABASE_URL": url}
    return subprocess.run([sys.executable, str(INFRA / "create_admin.py"), email], input=password + "\n",
                          env=env, capture_output=True, text=True, timeout=120)


async def test_the_first_administrator_is_created_and_can_log_in(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    kernel = KernelSettings(var_dir=tmp_path, env="test")
    await migrate_all(kernel, {"gateway": GatewaySettings(database_url=url, kernel=kernel)}, parts=("gateway",))

    made = _run(url, "Admin@City.example.cn", PASSWORD)
    assert made.returncode == 0, made.stderr
    assert "created" in made.stdout

    private_pem, _ = generate_keypair()
    policy = service.AccountPolicy(max_failures=5, lock=timedelta(minutes=15), refresh_lifetime=timedelta(days=1))
    database = Database(url)
    try:
        async with database.transaction() as session:
            tokens = await service.login(session=session, signer=TokenSigner(private_pem, issuer="anze-gateway"),
                                         policy=policy, email="admin@city.example.cn", password=PASSWORD)
        assert tokens.account.role == "admin"
    finally:
        await database.dispose()

    again = _run(url, "admin@city.example.cn", PASSWORD)
    assert again.returncode == 1 and "exists" in again.stderr
    weak = _run(url, "second@city.example.cn", "123")
    assert weak.returncode == 1 and "not created" in weak.stderr
