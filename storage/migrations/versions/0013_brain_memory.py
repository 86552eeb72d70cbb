"""brain memory: the memory bank the brain writes and reads, with provenance

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('brain_memories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=60), nullable=True),
    sa.Column('provenance', JSON, nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=True),
    sa.Column('entity_id', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('fact', 'observation', 'decision', 'preference')", name=op.f('ck_brain_memories_kind')),
    sa.CheckConstraint("source IN ('task', 'operator', 'event')", name=op.f('ck_brain_memories_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brain_memories'))
    )
    op.create_index('ix_brain_memories_source_source_id', 'brain_memories', ['source', 'source_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_brain_memories_source_source_id', table_name='brain_memories')
    op.drop_table('brain_memories')
