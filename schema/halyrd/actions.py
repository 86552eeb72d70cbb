"""What an operator does to a Halyrd agent: promote, demote, kill-switch, and manual orders."""

from __future__ import annotations

from typing import Any, cast

import strawberry

from resolvers.halyrd.agents import spawn_agent_view
from resolvers.halyrd.config_versions import patch_config
from resolvers.halyrd.lifecycle import demote_agent, kill_agent, promote_agent
from resolvers.halyrd.orders import place_order_view
from resolvers.halyrd.watchlist import put_watchlist
from schema.enums import MarketMode, TradeSide
from schema.extend import extends
from schema.generated import halyrd_blocks, halyrd_lifecycle
from schema.halyrd.config import ConfigVersion
from schema.scalars import JSON
from schema.trading_agents import TradingAgent

CURRENT = strawberry.ID("current")


Promotion = halyrd_lifecycle.Promotion
Demotion = halyrd_lifecycle.Demotion
KillSwitch = halyrd_lifecycle.KillSwitch


@extends
class AgentOrder(halyrd_blocks.AgentOrder):
    # String in GraphQL, the AgentOrderIntent and AgentOrderStatus enums in REST
    intent: str  # type: ignore[assignment]
    status: str  # type: ignore[assignment]


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
        return Promotion.of(result)

    @strawberry.mutation(description="Back to PAPER (from DEMOTED: the operator's re-approval).")
    async def demote_agent(self, info: strawberry.Info, id: strawberry.ID = CURRENT) -> Demotion:
        return Demotion.of(await info.context.scope.run(demote_agent, agent_id=str(id)))

    @strawberry.mutation(description="Revoke the signing session; `confirm` must be true.")
    async def kill_agent(
        self, info: strawberry.Info, confirm: bool, id: strawberry.ID = CURRENT
    ) -> KillSwitch:
        result = await info.context.scope.run(kill_agent, agent_id=str(id), confirm=confirm)
        return KillSwitch.of(result)

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
        view = await info.context.scope.run(
            place_order_view, agent_id=str(id), symbol=symbol, side=side.value, size=size
        )
        return AgentOrder.of(view)

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
