"""bots: the bot factory's bots, and trades.bot_id (a trade owned by a bot)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TWO_OWNERS = "(strategy_id IS NULL) <> (trading_agent_id IS NULL)"
THREE_OWNERS = (
    "(CASE WHEN strategy_id IS NULL THEN 0 ELSE 1 END) + "
    "(CASE WHEN trading_agent_id IS NULL THEN 0 ELSE 1 END) + "
    "(CASE WHEN bot_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    op.create_table(
        "bots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("family", sa.String(length=40), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("symbol", sa.String(length=40), nullable=False),
        sa.Column("timeframe", sa.String(length=10), nullable=False),
        sa.Column("risk", JSON, nullable=False),
        sa.Column("venue", sa.String(length=10), nullable=False),
        sa.Column("desired_state", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restarts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("last_bar_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_side", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('stopped', 'starting', 'running', 'restarting', 'failed', 'paused')",
            name=op.f("ck_bots_status"),
        ),
        sa.CheckConstraint(
            "desired_state IN ('running', 'stopped')", name=op.f("ck_bots_desired_state")
        ),
        sa.CheckConstraint("venue IN ('paper', 'live')", name=op.f("ck_bots_venue")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bots")),
    )
    with op.batch_alter_table("bots", schema=None) as batch_op:
        batch_op.create_index("ix_bots_desired_state_id", ["desired_state", "id"], unique=False)
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bot_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_trades_bot_id", ["bot_id", "id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_trades_bot_id_bots"), "bots", ["bot_id"], ["id"])
        batch_op.drop_constraint(batch_op.f("ck_trades_one_owner"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_trades_one_owner"), sa.text(THREE_OWNERS))


def downgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_trades_one_owner"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_trades_one_owner"), sa.text(TWO_OWNERS))
        batch_op.drop_constraint(batch_op.f("fk_trades_bot_id_bots"), type_="foreignkey")
        batch_op.drop_index("ix_trades_bot_id")
        batch_op.drop_column("bot_id")
    with op.batch_alter_table("bots", schema=None) as batch_op:
        batch_op.drop_index("ix_bots_desired_state_id")
    op.drop_table("bots")
