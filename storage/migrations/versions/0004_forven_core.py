"""forven core: control plane, scheduler, paper sessions, exchange book

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:32:14.576916
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('exchange_fills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=5), nullable=False),
    sa.Column('symbol', sa.String(length=40), nullable=False),
    sa.Column('side', sa.String(length=4), nullable=False),
    sa.Column('size', sa.Double(), nullable=False),
    sa.Column('price', sa.Double(), nullable=False),
    sa.Column('fee', sa.Double(), nullable=False),
    sa.Column('realized_pnl', sa.Double(), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('open', 'close')", name=op.f('ck_exchange_fills_kind')),
    sa.CheckConstraint("side IN ('buy', 'sell')", name=op.f('ck_exchange_fills_side')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_fills'))
    )
    with op.batch_alter_table('exchange_fills', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_fills_trade_id', ['trade_id', 'id'], unique=False)

    op.create_table('exchange_positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trade_id', sa.Integer(), nullable=True),
    sa.Column('symbol', sa.String(length=40), nullable=False),
    sa.Column('side', sa.String(length=4), nullable=False),
    sa.Column('size', sa.Double(), nullable=False),
    sa.Column('entry_price', sa.Double(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("side IN ('buy', 'sell')", name=op.f('ck_exchange_positions_side')),
    sa.CheckConstraint('size > 0', name=op.f('ck_exchange_positions_size_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_positions'))
    )
    with op.batch_alter_table('exchange_positions', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_positions_trade_id', ['trade_id'], unique=True)

    op.create_table('paper_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('strategy_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('capital', sa.Double(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stop_reason', sa.String(length=200), nullable=False),
    sa.Column('last_tick_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ticks', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('running', 'stopped')", name=op.f('ck_paper_sessions_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_sessions'))
    )
    with op.batch_alter_table('paper_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_paper_sessions_status_id', ['status', 'id'], unique=False)

    op.create_table('scheduler_jobs',
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('interval_seconds', sa.Double(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=10), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_duration_ms', sa.Double(), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('interval_seconds > 0', name=op.f('ck_scheduler_jobs_interval_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_jobs'))
    )
    op.create_table('system_control',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pause_reason', sa.String(length=500), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('execution_mode', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("execution_mode IN ('paper', 'live')", name=op.f('ck_system_control_execution_mode')),
    sa.CheckConstraint("mode IN ('manual', 'semi_auto', 'auto')", name=op.f('ck_system_control_mode')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_system_control'))
    )
    with op.batch_alter_table('trades', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_session_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('close_error', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('close_attempted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_trades_paper_session_id', ['paper_session_id', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_trades_paper_session_id_paper_sessions'), 'paper_sessions', ['paper_session_id'], ['id'], ondelete='SET NULL')

    


def downgrade() -> None:
    
    with op.batch_alter_table('trades', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trades_paper_session_id_paper_sessions'), type_='foreignkey')
        batch_op.drop_index('ix_trades_paper_session_id')
        batch_op.drop_column('close_attempted_at')
        batch_op.drop_column('close_error')
        batch_op.drop_column('paper_session_id')

    op.drop_table('system_control')
    op.drop_table('scheduler_jobs')
    with op.batch_alter_table('paper_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_paper_sessions_status_id')

    op.drop_table('paper_sessions')
    with op.batch_alter_table('exchange_positions', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_positions_trade_id')

    op.drop_table('exchange_positions')
    with op.batch_alter_table('exchange_fills', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_fills_trade_id')

    op.drop_table('exchange_fills')
    
