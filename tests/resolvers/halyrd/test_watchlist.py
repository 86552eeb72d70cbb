"""Watchlist candidates: real metrics from the agent's market, ranked by the documented score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.halyrd.config_versions import patch_config
from resolvers.halyrd.watchlist import (
    PRESETS,
    UNIVERSE,
    list_candidates,
    put_watchlist,
    recommend,
)
from resolvers.market.feed import MarketFeed
from resolvers.quant import metrics
from resolvers.quant.strategies import FAMILIES, validate_params
from resolvers.trading_agents import ensure_seed_agent

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
def feed() -> MarketFeed:
    return MarketFeed(seed=7, origin=ORIGIN)


class TestListCandidates:
    async def test_ranked_by_score(self, session: AsyncSession, feed: MarketFeed) -> None:
        await ensure_seed_agent(session)
        result = await list_candidates(session, agent_id="current", now=NOW, feed=feed)
        found = result.candidates
        assert sorted(c.symbol for c in found) == sorted(UNIVERSE)
        assert [c.rank for c in found] == list(range(1, len(UNIVERSE) + 1))
        assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
        expected = metrics.candidate_scores(
            [c.liquidity for c in found], [c.volatility for c in found], [c.trend for c in found]
        )
        assert [c.score for c in found] == pytest.approx(expected.tolist())
        assert found[0].score > found[-1].score

    async def test_metrics_come_from_the_agents_window(
        self, session: AsyncSession, feed: MarketFeed
    ) -> None:
        await ensure_seed_agent(session)  # hourly bars, a 200-bar lookback
        result = await list_candidates(session, agent_id="seed", now=NOW, feed=feed)
        eth = next(c for c in result.candidates if c.symbol == "ETH-USD")
        candles = feed.candles("ETH-USD", 3600, NOW, 200)
        assert len(candles) == 200
        assert eth.liquidity == pytest.approx(
            metrics.average_quote_volume(candles.close, candles.volume)
        )
        assert eth.volatility == pytest.approx(metrics.annualised_volatility(candles.close, 3600))
        assert eth.trend == pytest.approx(metrics.efficiency_ratio(candles.close))
        ratio = metrics.volatility_ratio(candles.close)
        assert eth.character == metrics.classify(eth.trend, ratio, 200)
        assert eth.preset == recommend(eth.character, ratio)

    async def test_another_interval_is_another_market(
        self, session: AsyncSession, feed: MarketFeed
    ) -> None:
        await ensure_seed_agent(session)
        hourly = await list_candidates(session, agent_id="seed", now=NOW, feed=feed)
        await patch_config(
            session,
            agent_id="seed",
            evaluation_config_patch={"strategy": {"interval_seconds": 900}},
        )
        quarter = await list_candidates(session, agent_id="seed", now=NOW, feed=feed)
        by_symbol = {c.symbol: c for c in quarter.candidates}
        for candidate in hourly.candidates:
            assert by_symbol[candidate.symbol].volatility != candidate.volatility
            # Each bar carries a quarter of an hour's notional.
            assert by_symbol[candidate.symbol].liquidity < candidate.liquidity

    async def test_selected_follows_the_watchlist(
        self, session: AsyncSession, feed: MarketFeed
    ) -> None:
        await ensure_seed_agent(session)
        before = await list_candidates(session, agent_id="seed", now=NOW, feed=feed)
        assert {c.symbol for c in before.candidates if c.selected} == {
            "BTC-USD",
            "ETH-USD",
            "SOL-USD",
        }
        await put_watchlist(session, agent_id="seed", symbols=["AVAX-USD", "LINK-USD"], feed=feed)
        after = await list_candidates(session, agent_id="seed", now=NOW, feed=feed)
        assert {c.symbol for c in after.candidates if c.selected} == {"AVAX-USD", "LINK-USD"}

    async def test_presets_are_valid_and_match_the_character(
        self, session: AsyncSession, feed: MarketFeed
    ) -> None:
        await ensure_seed_agent(session)
        result = await list_candidates(session, agent_id="seed", now=NOW, feed=feed)
        presets = {p.name: p for p in result.presets}
        assert {p.family for p in result.presets} == set(FAMILIES)
        for preset in result.presets:
            assert preset.params == validate_params(preset.family, preset.params)
            assert preset.suited_for in metrics.CHARACTERS
        for candidate in result.candidates:
            assert presets[candidate.preset].suited_for == candidate.character

    async def test_too_little_history_lists_nothing(
        self, session: AsyncSession, feed: MarketFeed
    ) -> None:
        await ensure_seed_agent(session)
        early = ORIGIN + timedelta(hours=30)  # 30 closed hourly bars, fewer than MIN_BARS
        result = await list_candidates(session, agent_id="seed", now=early, feed=feed)
        assert result.candidates == [] and result.presets == list(PRESETS)


class TestRecommend:
    @pytest.mark.parametrize(
        ("character", "ratio", "preset"),
        [
            ("compression", 0.4, "squeeze"),
            ("trend", 1.3, "breakout"),
            ("trend", 0.8, "trend_follow"),
            ("range", 1.0, "range_rsi"),
        ],
    )
    def test_rules(self, character: str, ratio: float, preset: str) -> None:
        assert recommend(character, ratio) == preset


class TestOhlcvSymbols:
    async def test_a_symbol_with_a_file_can_be_watched(
        self, session: AsyncSession, tmp_path: Path
    ) -> None:
        await ensure_seed_agent(session)
        rows = ["ts,open,high,low,close,volume"]
        for hour in range(60):
            price = 1.0 + 0.01 * hour
            ts = int((ORIGIN + timedelta(hours=hour)).timestamp())
            rows.append(f"{ts},{price},{price * 1.01},{price * 0.99},{price + 0.005},1000")
        (tmp_path / "PEPE-USD.csv").write_text("\n".join(rows) + "\n")
        feed = MarketFeed(seed=7, origin=ORIGIN, ohlcv_dir=tmp_path)
        plain = MarketFeed(seed=7, origin=ORIGIN)
        with pytest.raises(InvalidInput) as caught:
            await put_watchlist(session, agent_id="seed", symbols=["PEPE-USD"], feed=plain)
        assert caught.value.code == "UNKNOWN_SYMBOL"
        version = await put_watchlist(session, agent_id="seed", symbols=["pepe-usd"], feed=feed)
        assert version.params["watchlist"] == ["PEPE-USD"]
        await patch_config(
            session, agent_id="seed", evaluation_config_patch={"strategy": {"lookback_bars": 50}}
        )
        result = await list_candidates(session, agent_id="seed", now=NOW, feed=feed)
        pepe = next(c for c in result.candidates if c.symbol == "PEPE-USD")
        assert pepe.selected and pepe.trend == pytest.approx(1.0)  # it only ever rises
