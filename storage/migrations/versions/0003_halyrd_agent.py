"""halyrd agent: equity, journal, orders, risk blocks, config versions, backtests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:13:53.803239
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_config_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trading_agent_id", sa.String(length=60), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("params_summary", sa.String(length=500), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "outcome",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["agent_config_versions.id"],
            name=op.f("fk_agent_config_versions_parent_id_agent_config_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trading_agent_id"],
            ["trading_agents.id"],
            name=op.f("fk_agent_config_versions_trading_agent_id_trading_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_config_versions")),
    )
    with op.batch_alter_table("agent_config_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_config_versions_agent_id", ["trading_agent_id", "id"], unique=False
        )

    op.create_table(
        "agent_equity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trading_agent_id", sa.String(length=60), nullable=False),
        sa.Column("ts_s", sa.BigInteger(), nullable=False),
        sa.Column("equity", sa.Double(), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("peak", sa.Double(), nullable=False),
        sa.CheckConstraint("phase IN ('paper', 'live')", name=op.f("ck_agent_equity_phase")),
        sa.ForeignKeyConstraint(
            ["trading_agent_id"],
            ["trading_agents.id"],
            name=op.f("fk_agent_equity_trading_agent_id_trading_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_equity")),
        sa.UniqueConstraint("trading_agent_id", "ts_s", name="agent_ts"),
    )
    op.create_table(
        "agent_journal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trading_agent_id", sa.String(length=60), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["trading_agent_id"],
            ["trading_agents.id"],
            name=op.f("fk_agent_journal_trading_agent_id_trading_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_journal")),
    )
    with op.batch_alter_table("agent_journal", schema=None) as batch_op:
        batch_op.create_index("ix_agent_journal_agent_id", ["trading_agent_id", "id"], unique=False)

    op.create_table(
        "backtests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trading_agent_id", sa.String(length=60), nullable=True),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "dataset",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "gates",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('completed', 'failed')", name=op.f("ck_backtests_status")),
        sa.ForeignKeyConstraint(
            ["trading_agent_id"],
            ["trading_agents.id"],
            name=op.f("fk_backtests_trading_agent_id_trading_agents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtests")),
    )
    op.create_table(
        "agent_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trading_agent_id", sa.String(length=60), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("symbol", sa.String(length=40), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("size", sa.Double(), nullable=False),
        sa.Column("price", sa.Double(), nullable=False),
        sa.Column("notional", sa.Double(), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("intent", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("tx_hash", sa.String(length=80), nullable=True),
        sa.Column("trade_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("phase IN ('paper', 'live')", name=op.f("ck_agent_orders_phase")),
        sa.CheckConstraint("side IN ('buy', 'sell')", name=op.f("ck_agent_orders_side")),
        sa.CheckConstraint("status IN ('filled', 'blocked')", name=op.f("ck_agent_orders_status")),
        sa.CheckConstraint("size > 0", name=op.f("ck_agent_orders_size_positive")),
        sa.ForeignKeyConstraint(
            ["trade_id"],
            ["trades.id"],
            name=op.f("fk_agent_orders_trade_id_trades"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trading_agent_id"],
            ["trading_agents.id"],
            name=op.f("fk_agent_orders_trading_agent_id_trading_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_orders")),
    )
    with op.batch_alter_table("agent_orders", schema=None) as batch_op:
        batch_op.create_index("ix_agent_orders_agent_id", ["trading_agent_id", "id"], unique=False)
        batch_op.create_index(
            "ix_agent_orders_agent_phase_ts", ["trading_agent_id", "phase", "ts"], unique=False
        )

    op.create_table(
        "agent_risk_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trading_agent_id", sa.String(length=60), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("layer", sa.String(length=10), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "layer IN ('policy', 'quote', 'mode', 'signing')",
            name=op.f("ck_agent_risk_blocks_layer"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["agent_orders.id"],
            name=op.f("fk_agent_risk_blocks_order_id_agent_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trading_agent_id"],
            ["trading_agents.id"],
            name=op.f("fk_agent_risk_blocks_trading_agent_id_trading_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_risk_blocks")),
    )
    with op.batch_alter_table("agent_risk_blocks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_risk_blocks_agent_id", ["trading_agent_id", "id"], unique=False
        )

    with op.batch_alter_table("trading_agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "config",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="{}",
            )
        )
        batch_op.add_column(sa.Column("config_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "window_started_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
        batch_op.add_column(
            sa.Column(
                "status_changed_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
        batch_op.add_column(
            sa.Column("status_reason", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("twak_session", sa.String(length=10), nullable=False, server_default="none")
        )
        batch_op.create_check_constraint(
            "twak_session", "twak_session IN ('none', 'active', 'revoked')"
        )


def downgrade() -> None:
    with op.batch_alter_table("trading_agents", schema=None) as batch_op:
        batch_op.drop_constraint("twak_session", type_="check")
        batch_op.drop_column("twak_session")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("window_started_at")
        batch_op.drop_column("config_version_id")
        batch_op.drop_column("config")

    with op.batch_alter_table("agent_risk_blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_risk_blocks_agent_id")

    op.drop_table("agent_risk_blocks")
    with op.batch_alter_table("agent_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_orders_agent_phase_ts")
        batch_op.drop_index("ix_agent_orders_agent_id")

    op.drop_table("agent_orders")
    op.drop_table("backtests")
    with op.batch_alter_table("agent_journal", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_journal_agent_id")

    op.drop_table("agent_journal")
    op.drop_table("agent_equity")
    with op.batch_alter_table("agent_config_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_config_versions_agent_id")

    op.drop_table("agent_config_versions")
