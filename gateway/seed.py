"""Demo accounts (``anze seed --demo``): one per role, password ``anze-demo-2026``, bound to the demo rows
the services seeded before (``ctx``). Demo data only; nothing happens when accounts exist already."""

from __future__ import annotations

import logging
from typing import Any

from gateway.accounts import repository, service
from services.kernel.auth import Role
from services.kernel.db import Database

log = logging.getLogger("anze.gateway.seed")

DEMO_PASSWORD = "anze-demo-2026"  # noqa: S105 - the published demo password, demo data only


def demo_accounts(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    insurers = ctx.get("insurer_ids") or [None]
    return [
        {"email": "bureau@demo.anze.cn", "role": Role.BUREAU, "region_code": ctx.get("region_code", "330282"),
         "display_name": "慈溪市应急管理局(演示)"},
        {"email": "insurer@demo.anze.cn", "role": Role.INSURER, "org_id": insurers[0],
         "display_name": "保险公司(演示)"},
        {"email": "agency@demo.anze.cn", "role": Role.AGENCY, "org_id": ctx.get("demo_agency_id"),
         "display_name": "技术服务机构(演示)"},
        {"email": "expert@demo.anze.cn", "role": Role.EXPERT, "org_id": ctx.get("demo_agency_id"),
         "expert_id": ctx.get("demo_expert_id"), "display_name": "专家(演示)"},
        {"email": "enterprise@demo.anze.cn", "role": Role.ENTERPRISE, "org_id": ctx.get("demo_enterprise_id"),
         "display_name": "企业(演示)"},
        {"email": "admin@demo.anze.cn", "role": Role.ADMIN, "display_name": "平台管理员(演示)"},
    ]


async def seed_demo(database: Database, ctx: dict[str, Any]) -> None:
    async with database.transaction() as session:
        if await repository.count(session) > 0:
            log.info("accounts exist; the demo accounts are not seeded again")
            return
        for spec in demo_accounts(ctx):
            await service.add_account(session=session, password=DEMO_PASSWORD, **spec)
    ctx["demo_account_emails"] = [spec["email"] for spec in demo_accounts(ctx)]
    log.info("seeded %d demo accounts", len(demo_accounts(ctx)))
