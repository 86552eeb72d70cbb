"""TradingAgent (Halyrd) type and its queries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from resolvers.agent_roster import Agent as AgentView
from resolvers.agent_roster import get_trading_agent_view, list_trading_agents
from resolvers.halyrd.blocks import list_blocks_view, list_orders
from resolvers.halyrd.config_versions import list_config_versions
from resolvers.halyrd.equity import list_equity
from resolvers.halyrd.evaluation import get_evaluation
from resolvers.halyrd.identity import get_identity
from resolvers.halyrd.journal import page_journal
from resolvers.halyrd.risk import list_objectives
from resolvers.halyrd.watchlist import list_candidates
from resolvers.trades import list_trades
from schema.enums import Phase
from schema.extend import extends
from schema.generated import agent_roster as generated
from schema.generated.halyrd_equity import EquitySnapshot
from schema.halyrd.config import ConfigVersion, WatchlistCandidates
from schema.halyrd.evaluation import Evaluation, Identity, Objective
from schema.halyrd.records import JournalPage, RiskBlock
from schema.relay import Connection, to_connection, wants_total

if TYPE_CHECKING:
    from schema.halyrd.actions import AgentOrder
    from schema.trades import Trade

TradeRef = Annotated["Trade", strawberry.lazy("schema.trades")]
AgentOrderRef = Annotated["AgentOrder", strawberry.lazy("schema.halyrd.actions")]
CURRENT = strawberry.ID("current")


@extends
class TradingAgent(generated.TradingAgent):
    # GraphQL-only: the view keeps it hidden from the REST Agent
    twak_session: str = strawberry.field(
        description="The live signing session: none, active, or revoked by the kill switch."
    )

    @classmethod
    def is_type_of(cls, obj: object, info: Any) -> bool:
        """A view is no instance of this type: say so for the unions holding it (an
        approval's `target`)."""
        return isinstance(obj, AgentView)

    @strawberry.field(description="This agent's trades, oldest first.")
    async def trades(
        self,
        info: strawberry.Info,
        phase: Phase | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TradeRef]:
        page = await info.context.scope.run(
            list_trades,
            trading_agent_id=str(self.id),
            phase=phase.value if phase else None,
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, lambda view: cast("Trade", view))

    @strawberry.field(description="Equity snapshots; `interval` (1m, 1h, 1d...) resamples to "
        "the last value per bucket with drawdown recomputed from the true peak.")  # fmt: skip
    async def equity(
        self,
        info: strawberry.Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        interval: str | None = None,
    ) -> list[EquitySnapshot]:
        rows = await info.context.scope.run(
            list_equity, agent_id=str(self.id), start=from_, end=to, interval=interval
        )
        return [EquitySnapshot.of(s) for s in rows]

    @strawberry.field(description="Journal entries, newest first, keyset-paged.")
    async def journal(
        self, info: strawberry.Info, cursor: str | None = None, limit: int | None = None
    ) -> JournalPage:
        page = await info.context.scope.run(
            page_journal, agent_id=str(self.id), cursor=cursor, limit=limit
        )
        return JournalPage.of(page)

    @strawberry.field(description="Evaluation state: window, trade floor, objectives, eligible.")
    async def evaluation(self, info: strawberry.Info) -> Evaluation:
        return Evaluation.of(await info.context.scope.run(get_evaluation, agent_id=str(self.id)))

    @strawberry.field(description="Risk objectives now: rule, current, limit, headroom.")
    async def risk_objectives(self, info: strawberry.Info) -> list[Objective]:
        rows = await info.context.scope.run(list_objectives, agent_id=str(self.id))
        return [Objective.of(o) for o in rows]

    @strawberry.field(description="Orders the layers refused, newest first.")
    async def risk_blocks(self, info: strawberry.Info, limit: int | None = None) -> list[RiskBlock]:
        views = await info.context.scope.run(list_blocks_view, agent_id=str(self.id), limit=limit)
        return [RiskBlock.of(view) for view in views]

    @strawberry.field(description="Orders placed, filled or blocked, newest first.")
    async def orders(self, info: strawberry.Info, limit: int | None = None) -> list[AgentOrderRef]:
        views = await info.context.scope.run(list_orders, agent_id=str(self.id), limit=limit)
        return [cast("AgentOrder", view) for view in views]

    @strawberry.field(description="Markets ranked for the watchlist, with recommended presets.")
    async def watchlist_candidates(self, info: strawberry.Info) -> WatchlistCandidates:
        found = await info.context.scope.run(list_candidates, agent_id=str(self.id))
        return WatchlistCandidates.of(found)

    @strawberry.field(description="Every configuration version, oldest first.")
    async def config_versions(self, info: strawberry.Info) -> list[ConfigVersion]:
        rows = await info.context.scope.run(list_config_versions, agent_id=str(self.id))
        return [ConfigVersion.of(v) for v in rows]

    @strawberry.field(description="ERC-8004 identity fields from configuration.")
    async def identity(self, info: strawberry.Info) -> Identity:
        return Identity.of(await info.context.scope.run(get_identity, agent_id=str(self.id)))


@strawberry.type
class TradingAgentQuery:
    @strawberry.field(description="A trading agent by id; `current` is the running agent.")
    async def trading_agent(
        self, info: strawberry.Info, id: strawberry.ID = CURRENT
    ) -> TradingAgent:
        view = await info.context.scope.run(get_trading_agent_view, agent_id=str(id))
        return TradingAgent.of(view)

    @strawberry.field
    async def trading_agents(self, info: strawberry.Info) -> list[TradingAgent]:
        views = await info.context.scope.run(list_trading_agents)
        return [TradingAgent.of(view) for view in views]
