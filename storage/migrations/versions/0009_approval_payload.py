"""approval payload: the parameters of the action an approval stands for

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('approvals') as batch:
        batch.add_column(sa.Column('payload', JSON, nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('approvals') as batch:
        batch.drop_column('payload')
