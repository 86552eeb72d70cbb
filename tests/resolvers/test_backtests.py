"""Backtests: real runs, deterministic, consistent with the engine, gated by the agent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import backtests
from resolvers.backtests import (
    FEE_RATE,
    SLIPPAGE_BPS,
    get_backtest,
    record_backtest,
)
from resolvers.errors import InvalidInput, NotFound
from resolvers.halyrd.agents import spawn_agent
from resolvers.halyrd.config_versions import patch_config
from resolvers.quant import metrics
from resolvers.quant.engine import Costs, run
from resolvers.quant.market import generate_candles
from resolvers.quant.performance import max_drawdown
from resolvers.quant.strategies import FAMILIES
from resolvers.trading_agents import ensure_seed_agent
from storage.halyrd import Backtest

SPEC: dict[str, Any] = {
    "family": "ma_cross",
    "params": {"fast": 5, "slow": 20},
    "market_mode": "perp",
    "interval_seconds": 3600,
    "position_pct": 0.5,
}
DATASET: dict[str, Any] = {"symbol": "ETH-USD", "seed": 3, "bars": 1500}
LOOSE = {
    "risk": {
        "max_drawdown": 1.0,
        "daily_loss": 1.0,
        "max_trade_pct": 10.0,
        "max_gross_exposure": 20.0,
    },
    "evaluation": {"trade_floor": 0},
}


def replay(spec: dict[str, Any], dataset: dict[str, Any], capital: float) -> dict[str, Any]:
    """The same run made by hand from the quant functions."""
    candles = generate_candles(
        symbol=dataset["symbol"],
        seed=dataset["seed"],
        start=datetime(2026, 1, 1, tzinfo=UTC),
        periods=dataset["bars"],
        interval=timedelta(hours=1),
    )
    positions = FAMILIES[spec["family"]].signals(candles, spec["params"])
    if spec["market_mode"] == "spot":
        positions = np.maximum(positions, 0)
    costs = Costs(FEE_RATE, SLIPPAGE_BPS)
    result = run(candles, positions, capital=capital, fraction=spec["position_pct"], costs=costs)
    equity = result.equity
    return {
        "trades": result.trades,
        "equity": equity,
        "daily": metrics.worst_daily_loss(candles.ts // 86_400, equity, capital),
    }


async def stored(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Backtest)) or 0)


class TestCreateBacktest:
    async def test_metrics_match_the_simulator(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        row = await record_backtest(session, spec=SPEC, dataset=DATASET)
        assert row.status == "completed" and row.agent_id == "seed"
        by_hand = replay(SPEC, DATASET, 10_000.0)
        trades = by_hand["trades"]
        closed = trades.pnl[trades.closed]
        result = row.result
        assert result["trades"] == len(closed) > 10
        assert result["net_pnl"] == pytest.approx(by_hand["equity"][-1] - 10_000.0)
        assert result["return_pct"] == pytest.approx(result["net_pnl"] / 100.0)
        assert result["max_drawdown"] == pytest.approx(max_drawdown(by_hand["equity"]))
        assert result["worst_daily_loss"] == pytest.approx(by_hand["daily"])
        wins = sum(1 for pnl in closed if pnl > 0)
        assert result["win_rate"] == pytest.approx(wins / len(closed))
        assert set(trades.direction.tolist()) == {1, -1}  # perp goes short
        assert 0 < result["exposure"] <= 1 and result["bars"] == 1500
        before = np.concatenate(([10_000.0], by_hand["equity"][:-1]))
        shares = trades.entry_price * trades.size / before[trades.entry_index]
        assert result["max_trade_pct"] == pytest.approx(max(shares))
        assert result["max_trade_pct"] == pytest.approx(0.5, abs=0.02)

    async def test_same_input_same_result(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        first = await record_backtest(session, spec=SPEC, dataset=DATASET)
        second = await record_backtest(session, spec=SPEC, dataset=DATASET)
        assert first.id != second.id
        assert (first.result, first.gates) == (second.result, second.gates)
        other = await record_backtest(session, spec=SPEC, dataset={**DATASET, "seed": 4})
        assert other.result != first.result

    async def test_spot_is_long_only(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        spot = {**SPEC, "market_mode": "spot"}
        row = await record_backtest(session, spec=spot, dataset=DATASET)
        by_hand = replay(spot, DATASET, 10_000.0)
        assert set(by_hand["trades"].direction.tolist()) == {1}
        assert row.result["net_pnl"] == pytest.approx(by_hand["equity"][-1] - 10_000.0)

    async def test_defaults_are_filled_in(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        row = await record_backtest(session, spec={"family": "macd_momentum"}, starting_capital=500)
        assert row.dataset == {
            "kind": "synthetic",
            "symbol": "BTC-USD",
            "seed": 7,
            "bars": 2_000,
            "interval_seconds": 3600,
            "start": "2026-01-01T00:00:00+00:00",
        }
        assert row.spec["params"] == {"fast": 12, "slow": 26, "signal": 9}
        assert row.result["starting_capital"] == 500.0
        assert row.result["final_equity"] == pytest.approx(500.0 + row.result["net_pnl"])

    async def test_runs_without_any_agent(self, session: AsyncSession) -> None:
        row = await record_backtest(session, spec=SPEC, dataset=DATASET)
        assert row.status == "completed" and row.agent_id is None
        assert {g["rule"] for g in row.gates} == {
            "max_drawdown",
            "daily_loss",
            "max_trade_pct",
            "max_gross_exposure",
            "trade_floor",
        }


class TestSizeTrades:
    def test_each_entry_is_a_share_of_the_equity_it_opens_with(self) -> None:
        candles = generate_candles(
            symbol="SOL-USD",
            seed=5,
            start=datetime(2026, 1, 1, tzinfo=UTC),
            periods=800,
            interval=timedelta(hours=1),
        )
        positions = FAMILIES["macd_momentum"].signals(candles)
        costs = Costs(0.001, 5)
        unit = run(candles, positions, capital=1.0, costs=costs, size=1.0).trades
        sized = run(candles, positions, capital=1_000.0, fraction=0.2, costs=costs).trades
        equity = 1_000.0
        for k in range(len(unit)):
            assert sized.entry_price[k] * sized.size[k] == pytest.approx(0.2 * equity)
            assert sized.fees[k] == pytest.approx(unit.fees[k] * sized.size[k])
            if sized.closed[k]:
                assert sized.pnl[k] == pytest.approx(unit.pnl[k] * sized.size[k])
                equity += sized.pnl[k]
        assert len(sized) == len(unit) > 10

    def test_nothing_left_to_size_with(self) -> None:
        candles = generate_candles(
            symbol="SOL-USD",
            seed=5,
            start=datetime(2026, 1, 1, tzinfo=UTC),
            periods=400,
            interval=timedelta(hours=1),
        )
        positions = FAMILIES["ma_cross"].signals(candles)
        with pytest.raises(ValueError, match="equity fell"):
            run(candles, positions, capital=100.0, fraction=5.0, costs=Costs(0.5, 0))


class TestGates:
    async def test_gates_follow_the_agents_limits(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        await patch_config(session, agent_id="seed", evaluation_config_patch=LOOSE)
        loose = await record_backtest(session, spec=SPEC, dataset=DATASET)
        assert all(g["passed"] for g in loose.gates) and loose.passed
        await patch_config(
            session, agent_id="seed", evaluation_config_patch={"risk": {"max_drawdown": 0.001}}
        )
        tight = await record_backtest(session, spec=SPEC, dataset=DATASET)
        gates = {g["rule"]: g for g in tight.gates}
        assert gates["max_drawdown"] == {
            "rule": "max_drawdown",
            "value": tight.result["max_drawdown"],
            "limit": 0.001,
            "passed": False,
        }
        assert all(g["passed"] for rule, g in gates.items() if rule != "max_drawdown")
        assert tight.passed is False

    async def test_trade_floor_gate(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        await patch_config(
            session,
            agent_id="seed",
            evaluation_config_patch={"evaluation": {"trade_floor": 100_000}},
        )
        row = await record_backtest(session, spec=SPEC, dataset=DATASET)
        floor = next(g for g in row.gates if g["rule"] == "trade_floor")
        assert floor == {
            "rule": "trade_floor",
            "value": row.result["trades"],
            "limit": 100_000,
            "passed": False,
        }

    async def test_another_agents_objectives(self, session: AsyncSession) -> None:
        await ensure_seed_agent(session)
        await patch_config(session, agent_id="seed", evaluation_config_patch=LOOSE)
        await spawn_agent(
            session, name="Strict", agent_id="strict", config={"risk": {"max_trade_pct": 0.1}}
        )
        row = await record_backtest(session, spec=SPEC, dataset=DATASET, agent_id="strict")
        assert row.agent_id == "strict"
        size_gate = next(g for g in row.gates if g["rule"] == "max_trade_pct")
        assert size_gate["limit"] == 0.1 and not size_gate["passed"]
        assert row.gates != (await record_backtest(session, spec=SPEC, dataset=DATASET)).gates


class TestBadInput:
    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"spec": "ma_cross"}, "spec"),
            ({"spec": {"family": "tea_leaves"}}, "spec.family"),
            ({"spec": {"params": {"fast": 50, "slow": 20}}}, "spec.params"),
            ({"spec": {"position_pct": 0}}, "spec.position_pct"),
            ({"spec": {"family": "ma_cross", "colour": 1}}, "spec.colour"),
            ({"spec": SPEC, "dataset": "synthetic"}, "dataset"),
            ({"spec": SPEC, "dataset": {"kind": "csv"}}, "dataset.kind"),
            ({"spec": SPEC, "dataset": {"bars": 200_001}}, "dataset.bars"),
            ({"spec": SPEC, "dataset": {"bars": 1.5}}, "dataset.bars"),
            ({"spec": SPEC, "dataset": {"seed": True}}, "dataset.seed"),
            ({"spec": SPEC, "dataset": {"start": "yesterday"}}, "dataset.start"),
            ({"spec": SPEC, "dataset": {"interval_seconds": 5}}, "dataset.interval_seconds"),
            ({"spec": SPEC, "dataset": {"symbol": ""}}, "dataset.symbol"),
            ({"spec": SPEC, "dataset": {"rows": 3}}, "dataset.rows"),
            ({"spec": SPEC, "starting_capital": -5}, "starting_capital"),
        ],
    )
    async def test_refused_before_anything_is_stored(
        self, session: AsyncSession, kwargs: dict[str, Any], field: str
    ) -> None:
        await ensure_seed_agent(session)
        with pytest.raises(InvalidInput) as caught:
            await record_backtest(session, **kwargs)
        assert caught.value.status == 422 and caught.value.details["field"] == field
        assert await stored(session) == 0

    async def test_unknown_agent(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await record_backtest(session, spec=SPEC, agent_id="ghost")
        assert await stored(session) == 0

    async def test_a_failing_computation_is_stored_as_failed(
        self, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(*args: object) -> dict[str, Any]:
            raise ValueError("equity fell to zero or below")

        monkeypatch.setattr(backtests, "run_backtest", broken)
        row = await record_backtest(session, spec=SPEC, dataset=DATASET)
        assert row.status == "failed" and row.gates == [] and row.finished_at is not None
        assert row.result["error"] == "equity fell to zero or below"
        assert row.passed is False


class TestGetBacktest:
    async def test_by_id(self, session: AsyncSession) -> None:
        row = await record_backtest(session, spec=SPEC, dataset=DATASET)
        await session.commit()
        found = await get_backtest(session, backtest_id=str(row.id))
        assert found.id == row.id
        assert found.status == "completed" and found.dataset["symbol"] == "ETH-USD"
        assert found.finished_at is not None and found.created_at <= found.finished_at

    @pytest.mark.parametrize("bad", ["999", "abc", "", "-1", "1e3", "9" * 40])
    async def test_unknown_or_not_numeric_is_404(self, session: AsyncSession, bad: str) -> None:
        with pytest.raises(NotFound):
            await get_backtest(session, backtest_id=bad)
