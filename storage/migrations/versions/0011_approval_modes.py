"""approval modes: the settings row, classification and revision columns, notifications

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('approval_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('deadline_seconds', sa.Integer(), nullable=False),
    sa.Column('type_deadlines', JSON, nullable=False),
    sa.Column('escalation_owner', sa.String(length=80), nullable=False),
    sa.Column('smart_threshold', sa.Double(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("mode IN ('manual', 'smart', 'off')", name=op.f('ck_approval_settings_mode')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_settings'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=True),
    sa.Column('entity_id', sa.String(length=60), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("severity IN ('info', 'warning', 'critical')", name=op.f('ck_notifications_severity')),
    sa.CheckConstraint("status IN ('unread', 'acknowledged')", name=op.f('ck_notifications_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index('ix_notifications_status_id', 'notifications', ['status', 'id'], unique=False)
    with op.batch_alter_table('approvals') as batch:
        batch.add_column(sa.Column('risk_score', sa.Double(), nullable=True))
        batch.add_column(sa.Column('reasons', JSON, nullable=False, server_default='[]'))
        batch.add_column(sa.Column('classifier_version', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('classified_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('revision_of', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('triaged_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f('fk_approvals_revision_of_approvals'), 'approvals', ['revision_of'], ['id'],
            ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('approvals') as batch:
        batch.drop_constraint(op.f('fk_approvals_revision_of_approvals'), type_='foreignkey')
        for column in ('escalated_at', 'triaged_at', 'revision_of', 'classified_at',
                       'classifier_version', 'reasons', 'risk_score'):
            batch.drop_column(column)
    op.drop_index('ix_notifications_status_id', table_name='notifications')
    op.drop_table('notifications')
    op.drop_table('approval_settings')
