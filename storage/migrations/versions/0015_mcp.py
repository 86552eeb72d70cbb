"""mcp: registered MCP servers (secrets sealed) and per-agent grants

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('mcp_servers',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('transport', sa.String(length=10), nullable=False),
    sa.Column('command', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('args', JSON, nullable=False),
    sa.Column('env', JSON, nullable=False),
    sa.Column('headers', JSON, nullable=False),
    sa.Column('tools_include', JSON, nullable=False),
    sa.Column('tools_exclude', JSON, nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("transport IN ('stdio', 'http')", name=op.f('ck_mcp_servers_transport')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_mcp_servers'))
    )
    op.create_table('mcp_grants',
    sa.Column('agent_id', sa.String(length=60), nullable=False),
    sa.Column('server_name', sa.String(length=64), nullable=False),
    sa.Column('tools', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_mcp_grants_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['server_name'], ['mcp_servers.name'], name=op.f('fk_mcp_grants_server_name_mcp_servers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id', 'server_name', name=op.f('pk_mcp_grants'))
    )


def downgrade() -> None:
    op.drop_table('mcp_grants')
    op.drop_table('mcp_servers')
