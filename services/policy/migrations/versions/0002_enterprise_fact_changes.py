"""enterprise fact changes: the history of a firm's regulated facts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 17:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.kernel.db as kernel_types  # noqa: F401

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('enterprise_fact_changes',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('at', kernel_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'],
                            name=op.f('fk_enterprise_fact_changes_enterprise_id_enterprises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_fact_changes'))
    )
    with op.batch_alter_table('enterprise_fact_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_fact_changes_enterprise_id'), ['enterprise_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enterprise_fact_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_fact_changes_enterprise_id'))

    op.drop_table('enterprise_fact_changes')
