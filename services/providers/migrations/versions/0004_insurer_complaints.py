"""insurer complaints: cover facts (which insurer's book a firm is on) and complaint comments

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 18:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import services.kernel.db as kernel_types

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cover_facts',
    sa.Column('policy_id', sa.String(length=40), nullable=False),
    sa.Column('enterprise_id', sa.String(length=40), nullable=False),
    sa.Column('insurer_id', sa.String(length=40), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('cancelled_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('policy_id', name=op.f('pk_cover_facts'))
    )
    op.create_index(op.f('ix_cover_facts_enterprise_id'), 'cover_facts', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_cover_facts_insurer_id'), 'cover_facts', ['insurer_id'], unique=False)
    op.create_table('complaint_comments',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('complaint_id', sa.String(length=40), nullable=False),
    sa.Column('author_role', sa.String(length=20), nullable=False),
    sa.Column('author_org', sa.String(length=40), nullable=True),
    sa.Column('author_sub', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', kernel_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                            name=op.f('fk_complaint_comments_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_comments'))
    )
    op.create_index(op.f('ix_complaint_comments_complaint_id'), 'complaint_comments', ['complaint_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_complaint_comments_complaint_id'), table_name='complaint_comments')
    op.drop_table('complaint_comments')
    op.drop_index(op.f('ix_cover_facts_insurer_id'), table_name='cover_facts')
    op.drop_index(op.f('ix_cover_facts_enterprise_id'), table_name='cover_facts')
    op.drop_table('cover_facts')
