"""Watchlist candidates with recommended strategy presets, and committing a watchlist.

Decisions a user would want to know:
- The universe is UNIVERSE (twelve large, liquid USD markets) plus every symbol that has an
  OHLCV file in the feed's `ohlcv_dir`; only these can go on a watchlist (at most 20 symbols).
- Metrics come from the agent's own market (the process-wide MarketFeed of
  resolvers/market/feed.py), over the agent's lookback window at its strategy interval (at
  least MIN_BARS closed bars; a symbol with fewer is left out): liquidity is the mean quote
  notional per bar, volatility the annualised stdev of log returns, trend the signed
  efficiency ratio. Score and market character are defined in resolvers/quant/metrics.py;
  candidates are ranked by score, ties by symbol.
- Each candidate's `preset` is the one for its character: compression -> squeeze; trend ->
  breakout while volatility is expanding (recent over window >= 1), else trend_follow;
  range -> range_rsi. The other presets are listed as alternatives for the same character.
  Preset params are each family's defaults, which are sized in bars and so fit any interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.errors import InvalidInput
from resolvers.halyrd.config import parse_config
from resolvers.halyrd.config_versions import ConfigVersionView, base_config, commit_change
from resolvers.market.feed import MarketFeed, default_feed
from resolvers.quant import metrics
from resolvers.quant.strategies import Params, validate_params
from resolvers.views import View
from storage.base import utcnow

UNIVERSE = (
    "BTC-USD",
    "ETH-USD",
    "SOL-USD",
    "BNB-USD",
    "XRP-USD",
    "DOGE-USD",
    "AVAX-USD",
    "LINK-USD",
    "ADA-USD",
    "DOT-USD",
    "LTC-USD",
    "ATOM-USD",
)
MAX_WATCHLIST = 20
MIN_BARS = 50


@dataclass(frozen=True, slots=True)
class Preset(View):
    """A recommended strategy setup for one market character."""

    name: str
    family: str
    params: Params
    description: str
    suited_for: str  # trend, range or compression


@dataclass(frozen=True, slots=True)
class Candidate(View):
    """A market the agent could trade."""

    symbol: str
    rank: int
    score: float
    liquidity: Annotated[float, "mean quote notional per bar"]
    volatility: Annotated[float, "annualised stdev of log returns"]
    trend: Annotated[float, "signed efficiency ratio in [-1, 1]"]
    character: str
    selected: Annotated[bool, "on the agent's watchlist now"]
    preset: Annotated[str, "name of the recommended preset"]


@dataclass(frozen=True, slots=True)
class WatchlistCandidates(View):
    """Ranked candidates and the presets they point to."""

    candidates: list[Candidate]
    presets: list[Preset]


def _preset(name: str, family: str, suited_for: str, description: str) -> Preset:
    return Preset(name, family, validate_params(family, {}), description, suited_for)


PRESETS: tuple[Preset, ...] = (
    _preset("trend_follow", "ma_cross", "trend", "Ride a steady trend with a 10/30 SMA cross."),
    _preset("momentum", "macd_momentum", "trend", "Follow momentum by the MACD histogram."),
    _preset("breakout", "donchian_breakout", "trend", "Join a move breaking its 20-bar channel."),
    _preset("range_rsi", "rsi_reversion", "range", "Fade RSI extremes inside a range."),
    _preset("range_bands", "bollinger_reversion", "range", "Fade closes outside 2-sigma bands."),
    _preset("squeeze", "squeeze_breakout", "compression", "Trade the breakout after a squeeze."),
)


def recommend(character: str, vol_ratio: float) -> str:
    """The preset name for a market character (rules in the module docstring)."""
    if character == "compression":
        return "squeeze"
    if character == "trend":
        return "breakout" if vol_ratio >= 1.0 else "trend_follow"
    return "range_rsi"


def known_symbols(feed: MarketFeed) -> tuple[str, ...]:
    """UNIVERSE, then the symbols with an OHLCV file, sorted."""
    extra: set[str] = set()
    if feed.ohlcv_dir is not None and feed.ohlcv_dir.is_dir():
        extra = {path.stem.upper() for path in feed.ohlcv_dir.glob("*.csv")} - set(UNIVERSE)
    return UNIVERSE + tuple(sorted(extra))


async def list_candidates(
    session: AsyncSession,
    *,
    agent_id: str,
    now: datetime | None = None,
    feed: MarketFeed | None = None,
) -> WatchlistCandidates:
    """The universe ranked by score for this agent's interval, with recommended presets."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    config = parse_config(agent.config)
    feed = feed or default_feed()
    now = now or utcnow()
    interval = config.strategy.interval_seconds
    bars = max(config.strategy.lookback_bars, MIN_BARS)
    rows: list[dict[str, Any]] = []
    for symbol in known_symbols(feed):
        candles = feed.candles(symbol, interval, now, bars)
        if len(candles) < MIN_BARS:
            continue
        ratio = metrics.volatility_ratio(candles.close)
        trend = metrics.efficiency_ratio(candles.close)
        character = metrics.classify(trend, ratio, len(candles))
        rows.append(
            {
                "symbol": symbol,
                "liquidity": metrics.average_quote_volume(candles.close, candles.volume),
                "volatility": metrics.annualised_volatility(candles.close, interval),
                "trend": trend,
                "character": character,
                "preset": recommend(character, ratio),
            }
        )
    if rows:
        scores = metrics.candidate_scores(
            [r["liquidity"] for r in rows],
            [r["volatility"] for r in rows],
            [r["trend"] for r in rows],
        )
        for row, score in zip(rows, scores.tolist(), strict=True):
            row["score"] = score
    rows.sort(key=lambda r: (-r["score"], r["symbol"]))
    selected = set(config.watchlist)
    return WatchlistCandidates(
        candidates=[
            Candidate(rank=i, selected=r["symbol"] in selected, **r)
            for i, r in enumerate(rows, start=1)
        ],
        presets=list(PRESETS),
    )


async def put_watchlist(
    session: AsyncSession,
    *,
    agent_id: str,
    symbols: list[str],
    parent_id: int | None = None,
    now: datetime | None = None,
    feed: MarketFeed | None = None,
) -> ConfigVersionView:
    """Commit a watchlist as a new ConfigVersion (on the parent's config when one is named)."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    watchlist = checked_watchlist(symbols, known_symbols(feed or default_feed()))
    base = await base_config(session, agent=agent, parent_id=parent_id)
    config = parse_config({**base.to_dict(), "watchlist": list(watchlist)})
    return await commit_change(
        session,
        agent=agent,
        base=base,
        config=config,
        change="watchlist",
        parent_id=parent_id,
        now=now,
    )


def checked_watchlist(symbols: Any, known: tuple[str, ...]) -> tuple[str, ...]:
    """Symbols normalised (trimmed, upper case, duplicates dropped) and checked against `known`."""
    if not isinstance(symbols, list | tuple) or not all(isinstance(s, str) for s in symbols):
        raise InvalidInput("symbols must be a list of strings", details={"field": "symbols"})
    cleaned = tuple(dict.fromkeys(s.strip().upper() for s in symbols))
    if not cleaned:
        raise InvalidInput(
            "a watchlist needs at least one symbol",
            code="WATCHLIST_EMPTY",
            details={"field": "symbols"},
        )
    if len(cleaned) > MAX_WATCHLIST:
        raise InvalidInput(
            f"a watchlist holds at most {MAX_WATCHLIST} symbols, got {len(cleaned)}",
            code="WATCHLIST_TOO_LONG",
            details={"field": "symbols", "limit": MAX_WATCHLIST},
        )
    unknown = [s for s in cleaned if s not in known]
    if unknown:
        raise InvalidInput(
            f"unknown symbol {unknown[0]!r}; known symbols: {', '.join(known)}",
            code="UNKNOWN_SYMBOL",
            details={"field": "symbols", "symbol": unknown[0], "known": list(known)},
        )
    return cleaned
