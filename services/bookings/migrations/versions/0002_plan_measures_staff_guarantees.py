"""service plan: measures, staff and guarantees (AQ 9010)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 18:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plans agreed before stay as agreed (empty parts): the insurer proposes the parts, the firm agrees.
    with op.batch_alter_table('service_plans') as batch:
        batch.add_column(sa.Column('measures', sa.Text(), nullable=True))
        batch.add_column(sa.Column('staff', sa.Text(), nullable=True))
        batch.add_column(sa.Column('guarantees', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('service_plans') as batch:
        batch.drop_column('guarantees')
        batch.drop_column('staff')
        batch.drop_column('measures')
