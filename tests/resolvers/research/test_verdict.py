"""POST /verdict/run's resolver: what it judges, the trial register, determinism, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.backtests import record_backtest
from resolvers.errors import InvalidInput, NotFound
from resolvers.lab.services import Lab
from resolvers.quant.battery import run_battery
from resolvers.quant.battery_setup import TEST_NAMES, BatteryThresholds, battery_thresholds
from resolvers.quant.engine import Costs
from resolvers.research.sources import load_source
from resolvers.research.trials import count_trials
from resolvers.research.verdict import (
    VERDICT_CAPITAL,
    battery_seed,
    get_verdict_guide,
    outcome_of,
    run_verdict,
)
from storage.events import Event
from storage.research.verdict import BacktestTrial, VerdictRun
from tests.resolvers.factories import make_strategy

BARS = 1_500


class TestRunVerdict:
    async def test_every_test_is_answered_and_the_run_stored(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        strategy = await make_strategy(session, lab=lab)
        view = await run_verdict(session, strategy_id=strategy.id, bars=BARS, lab=lab)
        assert [t["name"] for t in view.tests] == list(TEST_NAMES)
        assert view.verdict == ("pass" if view.passed else "fail")
        assert view.failed == [t["name"] for t in view.tests if not t["passed"]]
        assert view.dataset["kind"] == "lab_feed" and view.dataset["bars"] == BARS
        assert view.params == {"fast": 10, "slow": 30, "band": 0.0}
        stored = await session.get(VerdictRun, view.id)
        assert stored is not None and stored.verdict == view.verdict
        topics = (await session.execute(select(Event.topic))).scalars().all()
        assert "verdict.completed" in topics

    async def test_the_answer_is_the_battery_on_the_recorded_bars(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        # the route adds nothing of its own: the same battery, on the bars its descriptor
        # names, with the seed derived from what is judged, gives exactly these outcomes
        strategy = await make_strategy(session, lab=lab)
        view = await run_verdict(session, strategy_id=strategy.id, bars=BARS, lab=lab)
        candles = await load_source(session, source=view.dataset, lab=lab)
        expected = run_battery(
            candles,
            "ma_cross",
            view.params,
            capital=VERDICT_CAPITAL,
            costs=Costs(),
            trials=view.trials,
            trial_sharpes=None,
            seed=battery_seed("ma_cross", view.params, view.dataset),
        )
        assert view.tests == [outcome_of(t) for t in expected.as_dict()["tests"]]
        assert view.verdict == expected.verdict

    async def test_the_same_question_gets_the_same_verdict(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        strategy = await make_strategy(session, lab=lab)
        first = await run_verdict(session, strategy_id=strategy.id, bars=BARS, lab=lab)
        second = await run_verdict(session, strategy_id=strategy.id, bars=BARS, lab=lab)
        assert second.id != first.id
        assert second.tests == first.tests and second.verdict == first.verdict

    async def test_each_parameter_set_is_one_trial_of_its_hypothesis(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        strategy = await make_strategy(session, lab=lab)
        await run_verdict(session, strategy_id=strategy.id, bars=BARS, lab=lab)
        await run_verdict(session, strategy_id=strategy.id, bars=BARS, lab=lab)
        counted = await count_trials(
            session, hypothesis_id=strategy.hypothesis_id, family="ma_cross"
        )
        assert counted.trials == 1  # run twice, one parameter set
        row = (await session.execute(select(BacktestTrial))).scalar_one()
        assert row.runs == 2
        strategy.params = {"fast": 5, "slow": 30, "band": 0.0}
        view = await run_verdict(session, strategy_id=strategy.id, bars=BARS, lab=lab)
        assert view.trials == 2  # a second parameter set deflates the Sharpe more
        count = await session.scalar(select(func.count()).select_from(BacktestTrial))
        assert count == 2

    async def test_an_agent_backtest_is_judged_on_its_own_bars(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        backtest = await record_backtest(
            session,
            spec={"family": "ma_cross", "params": {"fast": 8, "slow": 40}},
            dataset={"bars": 1_200},
        )
        view = await run_verdict(session, backtest_id=backtest.id, lab=lab)
        assert view.backtest_id == backtest.id and view.strategy_id is None
        assert view.dataset["kind"] == "synthetic" and view.dataset["bars"] == 1_200
        assert view.params["fast"] == 8 and view.params["slow"] == 40

    @pytest.mark.parametrize(
        "target",
        [{}, {"strategy_id": 1, "backtest_id": 1}, {"backtest_id": 1, "bars": 500}],
    )
    async def test_exactly_one_target(
        self, session: AsyncSession, lab: Lab, target: dict[str, int]
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            await run_verdict(session, lab=lab, **target)
        assert caught.value.code == "INVALID_TARGET"

    async def test_unknown_targets_are_not_found(self, session: AsyncSession, lab: Lab) -> None:
        with pytest.raises(NotFound):
            await run_verdict(session, strategy_id=999, lab=lab)
        with pytest.raises(NotFound):
            await run_verdict(session, backtest_id=999, lab=lab)

    async def test_too_few_bars_for_the_battery(self, session: AsyncSession, lab: Lab) -> None:
        strategy = await make_strategy(session, lab=lab)
        with pytest.raises(InvalidInput) as caught:
            await run_verdict(session, strategy_id=strategy.id, bars=50, lab=lab)
        assert caught.value.details["field"] == "bars"
        assert await session.scalar(select(func.count()).select_from(VerdictRun)) == 0


class TestGuide:
    async def test_every_test_with_the_labs_thresholds(self, session: AsyncSession) -> None:
        from resolvers.lab.services import LabConfig, build_lab

        stricter = build_lab(config=LabConfig(verdict=BatteryThresholds(min_trades=77)))
        guide = await get_verdict_guide(session, lab=stricter)
        assert [t["name"] for t in guide.tests] == list(TEST_NAMES)
        sample = guide.tests[0]
        assert sample["thresholds"] == {"min_trades": 77}
        assert sample["method"] and sample["reference"]


class TestThresholdSetting:
    def test_overrides_apply_and_unknown_fields_are_named(self) -> None:
        assert battery_thresholds({"folds": 3, "cost_multiples": [2, 4]}).cost_multiples == (2, 4)
        with pytest.raises(ValueError, match="'fold'"):
            battery_thresholds({"fold": 3})
        with pytest.raises(ValueError):
            battery_thresholds({"significance": 2})


class TestAgentBacktestsAreTrials:
    async def test_every_completed_backtest_counts_its_parameter_set(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        for fast in (8, 8, 12):
            await record_backtest(
                session, spec={"family": "ma_cross", "params": {"fast": fast, "slow": 40}}
            )
        counted = await count_trials(session, hypothesis_id=None, family="ma_cross")
        assert counted.trials == 2 and len(counted.sharpes) == 2
        rows = (await session.execute(select(BacktestTrial))).scalars().all()
        assert sorted(r.runs for r in rows) == [1, 2]
