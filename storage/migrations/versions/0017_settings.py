"""settings: stored settings values, sealed API keys, the operator profile

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('settings_values',
    sa.Column('section', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('value', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('section', 'name', name=op.f('pk_settings_values'))
    )
    op.create_table('api_keys',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('exchange', 'data_source')", name=op.f('ck_api_keys_kind')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_api_keys'))
    )
    op.create_table('operator_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('risk_per_trade', sa.Double(), nullable=False),
    sa.Column('rules', JSON, nullable=False),
    sa.Column('preferences', JSON, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operator_profile'))
    )


def downgrade() -> None:
    op.drop_table('operator_profile')
    op.drop_table('api_keys')
    op.drop_table('settings_values')
