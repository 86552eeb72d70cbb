"""health alerts: a row each time a component's health status changed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('health_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('component', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('previous', sa.String(length=10), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('degraded', 'recovered')", name=op.f('ck_health_alerts_kind')),
    sa.CheckConstraint("previous IN ('ok', 'degraded', 'down', 'disabled')", name=op.f('ck_health_alerts_previous')),
    sa.CheckConstraint("status IN ('ok', 'degraded', 'down', 'disabled')", name=op.f('ck_health_alerts_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_alerts'))
    )
    op.create_index('ix_health_alerts_component_id', 'health_alerts', ['component', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_health_alerts_component_id', table_name='health_alerts')
    op.drop_table('health_alerts')
