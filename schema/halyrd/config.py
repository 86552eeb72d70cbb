"""The agent's configuration history (a tree of versions) and its watchlist candidates."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from resolvers.halyrd.config_versions import ConfigVersionView
from resolvers.halyrd.watchlist import Candidate as CandidateResult
from resolvers.halyrd.watchlist import Candidates
from resolvers.halyrd.watchlist import Preset as PresetResult
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


@strawberry.type(description="A market the agent could trade, scored from its recent candles.")
class Candidate:
    symbol: str
    rank: int
    score: float
    liquidity: float = strawberry.field(description="mean quote notional per bar")
    volatility: float = strawberry.field(description="annualised stdev of log returns")
    trend: float = strawberry.field(description="signed efficiency ratio in [-1, 1]")
    character: str
    selected: bool
    preset: str

    @classmethod
    def of(cls, c: CandidateResult) -> Candidate:
        return cls(
            symbol=c.symbol, rank=c.rank, score=c.score, liquidity=c.liquidity,
            volatility=c.volatility, trend=c.trend, character=c.character,
            selected=c.selected, preset=c.preset,
        )  # fmt: skip


@strawberry.type(description="A recommended strategy setup for one market character.")
class Preset:
    name: str
    family: str
    params: JSON
    description: str
    suited_for: str

    @classmethod
    def of(cls, p: PresetResult) -> Preset:
        return cls(
            name=p.name, family=p.family, params=cast(JSON, p.params),
            description=p.description, suited_for=p.suited_for,
        )  # fmt: skip


@strawberry.type
class WatchlistCandidates:
    candidates: list[Candidate]
    presets: list[Preset]

    @classmethod
    def of(cls, c: Candidates) -> WatchlistCandidates:
        return cls(
            candidates=[Candidate.of(x) for x in c.candidates],
            presets=[Preset.of(p) for p in c.presets],
        )
