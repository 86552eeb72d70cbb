"""Per-operation DataLoaders: each relation costs one statement per level, not one per row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from resolvers.agent_roster import get_trading_agents_by_ids
from resolvers.agents import list_toolsets_by_agent_ids
from resolvers.approvals import list_decisions_by_approval_ids
from resolvers.hypotheses import get_hypotheses_by_ids
from resolvers.lifecycle import list_transitions_by_strategy_ids
from resolvers.strategies import get_strategies_by_ids, list_strategies_by_hypothesis_ids
from resolvers.trades import list_trades_by_strategy_ids
from schema.context import OperationScope

K = TypeVar("K")
V = TypeVar("V")

# loader name -> (batch resolver, the keyword its id list goes in)
BATCHES: dict[str, tuple[Callable[..., Awaitable[Sequence[Any]]], str]] = {
    "hypothesis": (get_hypotheses_by_ids, "ids"),
    "strategy": (get_strategies_by_ids, "ids"),
    "trading_agent": (get_trading_agents_by_ids, "ids"),
    "strategies_by_hypothesis": (list_strategies_by_hypothesis_ids, "hypothesis_ids"),
    "trades_by_strategy": (list_trades_by_strategy_ids, "strategy_ids"),
    "history_by_strategy": (list_transitions_by_strategy_ids, "strategy_ids"),
    "toolsets_by_agent": (list_toolsets_by_agent_ids, "agent_ids"),
    "decisions_by_approval": (list_decisions_by_approval_ids, "approval_ids"),
}


def loader(scope: OperationScope, name: str) -> DataLoader[Any, Any]:
    """The scope's loader `name`, created on first use."""
    existing = scope.loaders.get(name)
    if existing is not None:
        return existing
    fn, keyword = BATCHES[name]

    async def batch(keys: list[Any]) -> Sequence[Any]:
        return await scope.run(fn, **{keyword: keys})

    created: DataLoader[Any, Any] = DataLoader(load_fn=batch)
    scope.loaders[name] = created
    return created
