"""commission: the product's industry scope, the applied rate on quotes and policies

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 17:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('products') as batch:
        batch.add_column(sa.Column('industry_scope', sa.String(length=20), server_default='MIXED', nullable=False))
    with op.batch_alter_table('quotes') as batch:
        batch.add_column(sa.Column('commission_bp', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('commission_fen', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('policies') as batch:
        batch.add_column(sa.Column('commission_bp', sa.Integer(), server_default='0', nullable=False))
    # Policies bound before: the rate they were charged at, the product's capped at 5% for a compulsory firm.
    op.execute("""
        UPDATE policies SET commission_bp = (
            SELECT CASE WHEN e.compulsory AND p.commission_bp > 500 THEN 500 ELSE p.commission_bp END
            FROM products p, enterprises e
            WHERE p.id = policies.product_id AND e.id = policies.enterprise_id)
    """)


def downgrade() -> None:
    with op.batch_alter_table('policies') as batch:
        batch.drop_column('commission_bp')
    with op.batch_alter_table('quotes') as batch:
        batch.drop_column('commission_fen')
        batch.drop_column('commission_bp')
    with op.batch_alter_table('products') as batch:
        batch.drop_column('industry_scope')
