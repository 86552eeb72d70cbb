"""deepdive: chat threads (one per strategy) and their messages

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deepdive_threads',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['strategies.id'], name=op.f('fk_deepdive_threads_id_strategies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deepdive_threads'))
    )
    op.create_table('deepdive_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('user', 'assistant')", name=op.f('ck_deepdive_messages_role')),
    sa.CheckConstraint("status IN ('complete', 'interrupted', 'failed')", name=op.f('ck_deepdive_messages_status')),
    sa.ForeignKeyConstraint(['thread_id'], ['deepdive_threads.id'], name=op.f('fk_deepdive_messages_thread_id_deepdive_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deepdive_messages'))
    )
    with op.batch_alter_table('deepdive_messages', schema=None) as batch_op:
        batch_op.create_index('ix_deepdive_messages_thread_id_id', ['thread_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deepdive_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_deepdive_messages_thread_id_id')
    op.drop_table('deepdive_messages')
    op.drop_table('deepdive_threads')
