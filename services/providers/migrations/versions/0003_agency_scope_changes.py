"""agency scope changes: an approved agency's change of service types or towns waits for the bureau

Revision ID: 0003
Revises: 0002_firm_towns
Create Date: 2026-12-03 17:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.kernel.db as kernel_types  # noqa: F401

revision: str = '0003'
down_revision: str | None = '0002_firm_towns'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agency_scope_changes',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('agency_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('from_service_types', sa.JSON(), nullable=False),
    sa.Column('from_town_codes', sa.JSON(), nullable=False),
    sa.Column('service_types', sa.JSON(), nullable=False),
    sa.Column('town_codes', sa.JSON(), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('requested_at', kernel_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decided_role', sa.String(length=20), nullable=True),
    sa.Column('decided_at', kernel_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_scope_changes_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_scope_changes'))
    )
    with op.batch_alter_table('agency_scope_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_scope_changes_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_scope_changes_status'), ['status'], unique=False)

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_town_code', sa.String(length=20), nullable=True))

    # the agencies already there: their home is the first town they serve (the lowest code)
    agencies = sa.table('agencies', sa.column('id', sa.String), sa.column('town_codes', sa.JSON),
                        sa.column('home_town_code', sa.String))
    connection = op.get_bind()
    for agency_id, towns in connection.execute(sa.select(agencies.c.id, agencies.c.town_codes)).all():
        if towns:
            connection.execute(agencies.update().where(agencies.c.id == agency_id)
                               .values(home_town_code=sorted(towns)[0]))


def downgrade() -> None:
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('home_town_code')

    with op.batch_alter_table('agency_scope_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_scope_changes_status'))
        batch_op.drop_index(batch_op.f('ix_agency_scope_changes_agency_id'))

    op.drop_table('agency_scope_changes')
