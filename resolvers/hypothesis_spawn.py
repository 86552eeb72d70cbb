"""Child strategies from a hypothesis's thesis: which built-in families, on which market.

Decisions where the seed is silent:
- Families are picked deterministically from the hypothesis's text (title, thesis, mechanism
  and novelty): each family has keyword patterns (KEYWORDS), its score is how often they occur
  as whole words, and the matching families are ranked by score, ties in FAMILIES order. When
  nothing matches, DEFAULT_FAMILIES: one trend, one reversion and one breakout idea.
- One strategy per family per request. Without `count`, every matching family (at least one),
  capped at the per-run spawn limit; an explicit `count` (1 to the number of families) takes
  the ranked families first, then the defaults, then the rest in FAMILIES order, and is
  refused (422 SPAWN_LIMIT_REACHED) rather than trimmed when it passes a spawn limit.
- Symbol: the one given, else the first coin the text names by ticker (BTC, ETH-USD, ...) or
  by name (bitcoin, ethereum, ...) as "<TICKER>-USD", else BTC-USD. Timeframe: the one given,
  else 1h. Parameters: the family's defaults. Name: "<hypothesis title> · <family title>".
- The spawn limits are checked once for the whole batch before anything is written, so a
  refusal creates nothing (add_strategy is told so and does not check each one again). The
  window runs on the wall clock, like the strategies' created_at.
- An archived hypothesis spawns nothing (409 HYPOTHESIS_ARCHIVED).
- POST /api/backtesting/strategies (`create_backtest_strategy`) creates one strategy and
  requires only `hypothesis_id`, as the seed says: a missing family is the hypothesis's
  strongest match (else the first default family), symbol and timeframe default as above,
  parameters to the family's defaults, the name to "<hypothesis title> · <family title>";
  whatever was chosen is stored on the strategy, so the answer says what will be tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, InvalidInput
from resolvers.hypotheses import hypothesis_row
from resolvers.lab.services import Lab
from resolvers.quant.strategies import FAMILIES
from resolvers.spawn import check_spawn_limit
from resolvers.strategies import TIMEFRAMES, Strategy, add_strategy, strategy_view
from resolvers.validation import require_choice, require_text
from resolvers.views import View
from storage.base import utcnow
from storage.hypotheses import Hypothesis as HypothesisRow
from storage.outbox import append_event

KEYWORDS: dict[str, tuple[str, ...]] = {
    "ma_cross": (
        r"trend\w*", r"moving[\s-]+averages?", r"[se]ma", r"golden[\s-]+cross",
        r"death[\s-]+cross", r"crossovers?",
    ),
    "rsi_reversion": (
        r"mean[\s-]+rever\w*", r"rever(?:ts?|ting|sion)", r"oversold", r"overbought", r"rsi",
        r"reversals?",
    ),
    "donchian_breakout": (
        r"break[\s-]?outs?", r"breaks?[\s-]+out", r"channels?", r"donchian", r"new[\s-]+highs?",
        r"ranges?", r"turtles?",
    ),
    "bollinger_reversion": (
        r"bollinger", r"mean[\s-]+rever\w*", r"rever(?:ts?|ting|sion)", r"over[\s-]?extended",
        r"stretched", r"standard[\s-]+deviations?", r"bands?",
    ),
    "macd_momentum": (r"momentum", r"macd", r"trend\w*", r"accelerat\w*", r"persist\w*"),
    "squeeze_breakout": (
        r"squeez\w*", r"compress\w*", r"volatil\w*", r"consolidat\w*", r"keltner", r"coil\w*",
        r"break[\s-]?outs?",
    ),
}  # fmt: skip
_PATTERNS = {f: re.compile(r"\b(?:" + "|".join(k) + r")\b") for f, k in KEYWORDS.items()}
DEFAULT_FAMILIES = ("ma_cross", "rsi_reversion", "donchian_breakout")
DEFAULT_SYMBOL = "BTC-USD"
DEFAULT_TIMEFRAME = "1h"
# tickers match in capitals only ("SOL", not "sol"); names in any case
COINS: dict[str, tuple[str, ...]] = {
    "BTC": ("XBT", "bitcoin"),
    "ETH": ("ether", "ethereum"),
    "SOL": ("solana",),
    "XRP": (),
    "DOGE": ("dogecoin",),
    "ADA": ("cardano",),
    "AVAX": (),
    "LINK": ("chainlink",),
    "LTC": ("litecoin",),
    "BNB": (),
}
_TICKERS = {
    coin: re.compile(
        r"\b(?:" + "|".join([coin, *(a for a in names if a.isupper())]) + r")(?=USD|\b)"
    )
    for coin, names in COINS.items()
}
_NAMES = {
    coin: re.compile(r"\b(?:" + "|".join(a for a in names if a.islower()) + r")\b", re.I)
    for coin, names in COINS.items()
    if any(a.islower() for a in names)
}


@dataclass(frozen=True)
class StrategyPlan:
    """One child strategy to create."""

    family: str
    name: str
    symbol: str
    timeframe: str


@dataclass(frozen=True, slots=True)
class GeneratedStrategies(View):
    """The child strategies one generate-strategies request created."""

    hypothesis_id: int
    strategies: list[Strategy]


def rank_families(text: str) -> list[str]:
    """The families the text suggests, strongest match first (empty when none)."""
    order = list(FAMILIES)
    scores = {f: len(pattern.findall(text.lower())) for f, pattern in _PATTERNS.items()}
    matched = [f for f in order if scores.get(f)]
    return sorted(matched, key=lambda f: (-scores[f], order.index(f)))


def find_symbol(text: str) -> str | None:
    """The first coin the text names, as "<TICKER>-USD"."""
    hits = []
    for coin, pattern in (*_TICKERS.items(), *_NAMES.items()):
        match = pattern.search(text)
        if match:
            hits.append((match.start(), coin))
    return f"{min(hits)[1]}-USD" if hits else None


def plan_strategies(
    *,
    title: str,
    text: str,
    count: int | None = None,
    symbol: str | None = None,
    timeframe: str | None = None,
    default_cap: int = len(FAMILIES),
) -> list[StrategyPlan]:
    """The strategies a hypothesis with this title and text should spawn."""
    ranked = rank_families(text)
    if count is None:
        chosen = (ranked or list(DEFAULT_FAMILIES))[: max(1, default_cap)]
    else:
        if not 1 <= count <= len(FAMILIES):
            raise InvalidInput(
                f"count must be between 1 and {len(FAMILIES)} (one strategy per family)",
                details={"field": "count", "value": count},
            )
        fill = [f for f in (*DEFAULT_FAMILIES, *FAMILIES) if f not in ranked]
        chosen = list(dict.fromkeys([*ranked, *fill]))[:count]
    market = (
        require_text("symbol", symbol, max_length=40).upper()
        if symbol is not None
        else find_symbol(text) or DEFAULT_SYMBOL
    )
    frame = require_choice("timeframe", timeframe or DEFAULT_TIMEFRAME, TIMEFRAMES)
    return [
        StrategyPlan(family=f, name=_name(title, FAMILIES[f].title), symbol=market, timeframe=frame)
        for f in chosen
    ]


def _name(title: str, family_title: str) -> str:
    suffix = f" · {family_title}"
    room = 200 - len(suffix)
    head = title if len(title) <= room else title[: room - 1].rstrip() + "…"
    return head + suffix


def _text(parent: HypothesisRow) -> str:
    return "\n".join((parent.title, parent.thesis, parent.mechanism, parent.novelty))


async def create_backtest_strategy(
    session: AsyncSession,
    *,
    hypothesis_id: int,
    name: str | None = None,
    family: str | None = None,
    symbol: str | None = None,
    timeframe: str | None = None,
    params: object = None,
    lab: Lab,
) -> Strategy:
    """One strategy under a hypothesis, every field but hypothesis_id defaulted from its text."""
    parent = await hypothesis_row(session, hypothesis_id=hypothesis_id)
    text = _text(parent)
    chosen = family if family is not None else (rank_families(text) or list(DEFAULT_FAMILIES))[0]
    require_choice("family", chosen, FAMILIES)
    row = await add_strategy(
        session,
        hypothesis_id=hypothesis_id,
        name=name if name is not None else _name(parent.title, FAMILIES[chosen].title),
        family=chosen,
        symbol=symbol if symbol is not None else find_symbol(text) or DEFAULT_SYMBOL,
        timeframe=timeframe if timeframe is not None else DEFAULT_TIMEFRAME,
        params=params,
        lab=lab,
    )
    return strategy_view(row)


async def generate_hypothesis_strategies(
    session: AsyncSession,
    *,
    hypothesis_id: int,
    count: int | None = None,
    symbol: str | None = None,
    timeframe: str | None = None,
    lab: Lab,
) -> GeneratedStrategies:
    """Spawn child strategies from the hypothesis's text, within the spawn limits."""
    parent = await hypothesis_row(session, hypothesis_id=hypothesis_id)
    if parent.status != "active":
        raise Conflict(
            f"hypothesis {hypothesis_id} is {parent.status}; only active hypotheses spawn",
            code="HYPOTHESIS_ARCHIVED",
            details={"id": hypothesis_id, "status": parent.status},
        )
    config = lab.config
    text = _text(parent)
    plans = plan_strategies(
        title=parent.title,
        text=text,
        count=count,
        symbol=symbol,
        timeframe=timeframe,
        default_cap=config.spawn_per_run,
    )
    await check_spawn_limit(
        session,
        hypothesis_id=hypothesis_id,
        count=len(plans),
        now=utcnow(),
        config=config,
    )
    rows = []
    for plan in plans:
        rows.append(
            await add_strategy(
                session,
                hypothesis_id=hypothesis_id,
                name=plan.name,
                family=plan.family,
                symbol=plan.symbol,
                timeframe=plan.timeframe,
                source="generated",
                actor="hypothesis",
                lab=lab,
                spawn_checked=True,  # the whole batch was checked above
            )
        )
    await append_event(
        session,
        topic="hypothesis.strategies_generated",
        entity_id=str(hypothesis_id),
        payload={"hypothesis_id": hypothesis_id, "strategy_ids": [r.id for r in rows]},
    )
    return GeneratedStrategies(
        hypothesis_id=hypothesis_id, strategies=[strategy_view(row) for row in rows]
    )
