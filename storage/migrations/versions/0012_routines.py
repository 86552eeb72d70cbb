"""routines: cron-scheduled prompts or tool calls, and their runs

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('routines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('cron', sa.String(length=120), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('tool', sa.String(length=80), nullable=True),
    sa.Column('arguments', JSON, nullable=False),
    sa.Column('author', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('approval_id', sa.Integer(), nullable=True),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('prompt', 'tool')", name=op.f('ck_routines_action')),
    sa.CheckConstraint("author IN ('operator', 'brain')", name=op.f('ck_routines_author')),
    sa.CheckConstraint("status IN ('active', 'pending_approval', 'denied', 'disabled')", name=op.f('ck_routines_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routines')),
    sa.UniqueConstraint('name', name=op.f('uq_routines_name'))
    )
    with op.batch_alter_table('routines', schema=None) as batch_op:
        batch_op.create_index('ix_routines_status_next_run_at', ['status', 'next_run_at'], unique=False)

    op.create_table('routine_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('routine_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('output', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('provider', sa.String(length=40), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name=op.f('ck_routine_runs_status')),
    sa.CheckConstraint("origin IN ('schedule', 'manual')", name=op.f('ck_routine_runs_origin')),
    sa.ForeignKeyConstraint(['routine_id'], ['routines.id'], name=op.f('fk_routine_runs_routine_id_routines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routine_runs'))
    )
    with op.batch_alter_table('routine_runs', schema=None) as batch_op:
        batch_op.create_index('ix_routine_runs_routine_id', ['routine_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('routine_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_routine_runs_routine_id')
    op.drop_table('routine_runs')
    with op.batch_alter_table('routines', schema=None) as batch_op:
        batch_op.drop_index('ix_routines_status_next_run_at')
    op.drop_table('routines')
