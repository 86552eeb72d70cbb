"""What an operator does to a Halyrd agent: promote, demote, kill-switch, and manual orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import strawberry

from resolvers.halyrd.agents import spawn_agent_view
from resolvers.halyrd.config_versions import patch_config
from resolvers.halyrd.lifecycle import demote_agent, kill_agent, promote_agent
from resolvers.halyrd.orders import place_order
from resolvers.halyrd.watchlist import put_watchlist
from schema.enums import AgentStatus, MarketMode, Phase, TradeSide
from schema.halyrd.config import ConfigVersion
from schema.scalars import JSON
from schema.trading_agents import TradingAgent
from storage.halyrd import AgentOrder as AgentOrderRow

CURRENT = strawberry.ID("current")


@strawberry.type
class Promotion:
    status: AgentStatus
    first_tx_hash: str = strawberry.field(description="Hash of the signing session's first tx.")


@strawberry.type
class Demotion:
    status: AgentStatus


@strawberry.type
class KillSwitch:
    twak_session: str = strawberry.field(description="Always `revoked`.")


@strawberry.type(description="An order through every layer: filled, or blocked with a code.")
class AgentOrder:
    order_ref: str
    ts: datetime
    symbol: str
    side: TradeSide
    size: float
    price: float
    notional: float
    phase: Phase
    intent: str
    status: str
    code: str | None
    tx_hash: str | None
    trade_id: int | None

    @classmethod
    def from_row(cls, row: AgentOrderRow) -> AgentOrder:
        return cls(
            order_ref=row.order_ref,
            ts=row.ts,
            symbol=row.symbol,
            side=TradeSide(row.side),
            size=row.size,
            price=row.price,
            notional=row.notional,
            phase=Phase(row.phase),
            intent=row.intent,
            status=row.status,
            code=row.code,
            tx_hash=row.tx_hash,
            trade_id=row.trade_id,
        )


@strawberry.type
class AgentActionMutation:
    @strawberry.mutation(
        description="Promote to LIVE: needs ELIGIBLE (409 NOT_ELIGIBLE) unless `force`; "
        "a DEMOTED agent answers 409 DEMOTED."
    )
    async def promote_agent(
        self, info: strawberry.Info, id: strawberry.ID = CURRENT, force: bool = False
    ) -> Promotion:
        result = await info.context.scope.run(promote_agent, agent_id=str(id), force=force)
        return Promotion(status=AgentStatus(result.status), first_tx_hash=result.first_tx_hash)

    @strawberry.mutation(description="Back to PAPER (from DEMOTED: the operator's re-approval).")
    async def demote_agent(self, info: strawberry.Info, id: strawberry.ID = CURRENT) -> Demotion:
        result = await info.context.scope.run(demote_agent, agent_id=str(id))
        return Demotion(status=AgentStatus(result.status))

    @strawberry.mutation(description="Revoke the signing session; `confirm` must be true.")
    async def kill_agent(
        self, info: strawberry.Info, confirm: bool, id: strawberry.ID = CURRENT
    ) -> KillSwitch:
        result = await info.context.scope.run(kill_agent, agent_id=str(id), confirm=confirm)
        return KillSwitch(twak_session=result.twak_session)

    @strawberry.mutation(
        description="A manual order through the agent's layers (policy, quote, mode, signing); "
        "a refusal is an error with the seed's code and is recorded in riskBlocks."
    )
    async def place_agent_order(
        self,
        info: strawberry.Info,
        symbol: str,
        side: TradeSide,
        size: float,
        id: strawberry.ID = CURRENT,
    ) -> AgentOrder:
        row = await info.context.scope.run(
            place_order, agent_id=str(id), symbol=symbol, side=side.value, size=size
        )
        return AgentOrder.from_row(row)

    @strawberry.mutation(description="Commit a watchlist selection: a new ConfigVersion.")
    async def put_agent_watchlist(
        self,
        info: strawberry.Info,
        symbols: list[str],
        id: strawberry.ID = CURRENT,
        parent_id: int | None = None,
    ) -> ConfigVersion:
        view = await info.context.scope.run(
            put_watchlist, agent_id=str(id), symbols=symbols, parent_id=parent_id
        )
        return ConfigVersion.of(view)

    @strawberry.mutation(
        description="Deep-merge a patch into the agent's configuration: a new ConfigVersion "
        "(from `parentId` to branch the tree)."
    )
    async def patch_agent_config(
        self,
        info: strawberry.Info,
        evaluation_config_patch: JSON,
        id: strawberry.ID = CURRENT,
        parent_id: int | None = None,
    ) -> ConfigVersion:
        patch = cast(dict[str, Any], evaluation_config_patch)
        view = await info.context.scope.run(
            patch_config, agent_id=str(id), evaluation_config_patch=patch, parent_id=parent_id
        )
        return ConfigVersion.of(view)

    @strawberry.mutation(description="Spawn another PAPER agent beside the running one.")
    async def spawn_agent(
        self,
        info: strawberry.Info,
        name: str,
        id: strawberry.ID | None = None,
        market_mode: MarketMode = MarketMode.SPOT,
        config: JSON | None = None,
    ) -> TradingAgent:
        view = await info.context.scope.run(
            spawn_agent_view,
            name=name,
            agent_id=str(id) if id is not None else None,
            market_mode=market_mode.value,
            config=cast(dict[str, Any] | None, config),
        )
        return TradingAgent.of(view)
