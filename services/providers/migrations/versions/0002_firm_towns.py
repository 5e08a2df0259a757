"""firm towns: the registered town of each firm, learnt from the policy service's events

Revision ID: 0002_firm_towns
Revises: 0001
Create Date: 2026-12-03 17:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.kernel.db as kernel_types

revision: str = '0002_firm_towns'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('firm_towns',
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('town_code', sa.String(length=20), nullable=False),
    sa.Column('updated_at', kernel_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('enterprise_id')
    )


def downgrade() -> None:
    op.drop_table('firm_towns')
