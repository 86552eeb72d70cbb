"""datasets: OHLCV series metadata and their Parquet blobs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 01:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('datasets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('symbol', sa.String(length=40), nullable=False),
    sa.Column('timeframe', sa.String(length=4), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('first_bar', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_bar', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('quality', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('synthetic', 'csv', 'hyperliquid')", name=op.f('ck_datasets_source')),
    sa.CheckConstraint('rows > 0', name=op.f('ck_datasets_rows_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_datasets')),
    sa.UniqueConstraint('symbol', 'timeframe', 'source', name='uq_datasets_series')
    )
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.create_index('ix_datasets_timeframe_id', ['timeframe', 'id'], unique=False)

    op.create_table('dataset_blobs',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('parquet', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_dataset_blobs_dataset_id_datasets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dataset_id', name=op.f('pk_dataset_blobs'))
    )


def downgrade() -> None:
    op.drop_table('dataset_blobs')
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_index('ix_datasets_timeframe_id')

    op.drop_table('datasets')
