"""Bot templates: one per strategy family of the strategy library, read from its own specs.

Decisions a user would want to know:
- A template is a family of resolvers/quant/strategies.py FAMILIES: its parameters are the
  family's ParamSpecs (name, type, default, inclusive min/max, description), never a copy, so
  a family added to the library is a template at once. A family's cross-parameter rule
  (ma_cross fast < slow, RSI lower < exit < upper) is checked when a bot is created.
- Symbol and timeframe: the default symbol is the first of the lab's tick symbols (always on
  the live feed), any of them may be chosen; the default timeframe is 1h, any of the lab's
  timeframes (resolvers/strategies.py TIMEFRAMES) may be chosen.
- Risk settings, the same for every family (RISK below): `notional` USD per trade (default
  1,000, 10 to 1,000,000), `stop_loss_pct` (0 = off, up to 50: a trade whose adverse move
  from entry reaches it is closed at market and the bot stays flat until the family's target
  changes) and `allow_short` (1 default: the family's short targets are traded; 0: clipped to
  flat, long only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab
from resolvers.quant.strategies import FAMILIES, ParamSpec, StrategyFamily
from resolvers.strategies import TIMEFRAMES
from resolvers.views import View

DEFAULT_TIMEFRAME = "1h"
RISK: tuple[ParamSpec, ...] = (
    ParamSpec("notional", 1_000.0, 10.0, 1_000_000.0, "float", "USD notional of each trade"),
    ParamSpec(
        "stop_loss_pct",
        0.0,
        0.0,
        50.0,
        "float",
        "close a trade whose adverse move from entry reaches this percent (0: no stop)",
    ),
    ParamSpec("allow_short", 1, 0, 1, "int", "1: trade short targets; 0: long only"),
)


@dataclass(frozen=True, slots=True)
class BotTemplateParam(View):
    """One tunable setting with its inclusive bounds."""

    name: str
    type: Annotated[str, "int or float (an int setting takes a whole number)"]
    default: float
    min: float
    max: float
    description: str


@dataclass(frozen=True, slots=True)
class BotTemplate(View):
    """What a bot of one strategy family is made of."""

    family: Annotated[str, "the strategy family (a bot's `template`)"]
    title: str
    description: str
    params: list[BotTemplateParam]
    symbol: Annotated[str, "the default symbol"]
    symbols: Annotated[list[str], "the symbols a bot may trade"]
    timeframe: Annotated[str, "the default timeframe"]
    timeframes: list[str]
    risk: Annotated[list[BotTemplateParam], "risk settings with defaults and bounds"]


def spec_view(spec: ParamSpec) -> BotTemplateParam:
    return BotTemplateParam(
        name=spec.name,
        type=spec.kind,
        default=float(spec.default),
        min=float(spec.low),
        max=float(spec.high),
        description=spec.description,
    )


def template_view(family: StrategyFamily, lab: Lab) -> BotTemplate:
    symbols = list(lab.config.tick_symbols)
    return BotTemplate(
        family=family.name,
        title=family.title,
        description=family.description,
        params=[spec_view(spec) for spec in family.params],
        symbol=symbols[0],
        symbols=symbols,
        timeframe=DEFAULT_TIMEFRAME,
        timeframes=list(TIMEFRAMES),
        risk=[spec_view(spec) for spec in RISK],
    )


async def list_bot_templates(session: AsyncSession, *, lab: Lab) -> list[BotTemplate]:
    """Every family of the strategy library as a bot template, in library order."""
    return [template_view(family, lab) for family in FAMILIES.values()]
