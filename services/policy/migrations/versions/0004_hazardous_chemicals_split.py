"""hazardous chemicals split: HAZARDOUS_CHEMICALS → HAZARDOUS_CHEMICALS_PRODUCTION (docs/decisions.md)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 18:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD, NEW = "HAZARDOUS_CHEMICALS", "HAZARDOUS_CHEMICALS_PRODUCTION"
enterprises = sa.table("enterprises", sa.column("id", sa.String), sa.column("high_risk_tags", sa.JSON))
enterprise_tags = sa.table("enterprise_tags", sa.column("enterprise_id", sa.String), sa.column("tag", sa.String))


def _retag(old: str, new: str) -> None:
    """Rename one tag in both places a firm's tags live (the JSON list and the one-row-per-tag table)."""
    bind = op.get_bind()
    ids = [r.enterprise_id for r in bind.execute(sa.select(enterprise_tags.c.enterprise_id)
                                                 .where(enterprise_tags.c.tag == old))]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in bind.execute(sa.select(enterprises.c.id, enterprises.c.high_risk_tags)
                                .where(enterprises.c.id.in_(chunk))):
            tags = sorted({new if t == old else t for t in (row.high_risk_tags or [])})
            bind.execute(enterprises.update().where(enterprises.c.id == row.id).values(high_risk_tags=tags))
        bind.execute(enterprise_tags.delete().where(enterprise_tags.c.enterprise_id.in_(chunk),
                                                    enterprise_tags.c.tag.in_((old, new))))
        bind.execute(enterprise_tags.insert(), [{"enterprise_id": i, "tag": new} for i in chunk])


def upgrade() -> None:
    # Every firm tagged before the split stays compulsory (production is): nobody loses a duty by a migration;
    # a firm that only uses chemicals is re-tagged HAZARDOUS_CHEMICALS_USE by itself or its bureau.
    _retag(OLD, NEW)


def downgrade() -> None:
    _retag(NEW, OLD)
