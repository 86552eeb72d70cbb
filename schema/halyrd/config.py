"""The agent's configuration history (a tree of versions; legacy: RunPeriod's `from` cannot
be a view field) and its watchlist candidates (the generated types)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from resolvers.halyrd.config_versions import ConfigVersionView
from schema.generated import halyrd_watchlist
from schema.scalars import JSON


@strawberry.type(description="When a version ran; `to` is null while it is the active one.")
class RunPeriod:
    from_: datetime = strawberry.field(name="from")
    to: datetime | None


@strawberry.type(description="One configuration the agent ran with; parents form a tree.")
class ConfigVersion:
    id: int
    parent_id: int | None
    change: str = strawberry.field(description="initial, watchlist, config or spawn")
    params_summary: str
    params: JSON
    run_period: RunPeriod
    outcome: JSON | None = strawberry.field(
        description="Trades, net pnl, return and drawdown of its run once superseded."
    )
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, v: ConfigVersionView) -> ConfigVersion:
        return cls(
            id=v.id,
            parent_id=v.parent_id,
            change=v.change,
            params_summary=v.params_summary,
            params=cast(JSON, v.params),
            run_period=RunPeriod(from_=v.run_period.from_, to=v.run_period.to),
            outcome=cast(JSON, v.outcome),
            active=v.active,
            created_at=v.created_at,
        )


Candidate = halyrd_watchlist.Candidate
Preset = halyrd_watchlist.Preset
WatchlistCandidates = halyrd_watchlist.WatchlistCandidates
