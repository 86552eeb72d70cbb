"""The indicator catalog: every function of resolvers/quant/indicators.py that a built-in
strategy family calls, and which families call it.

`used_by` is written by hand and checked against the families' real calls by
tests/resolvers/quant/test_catalog.py; everything else (description, inputs, parameters with
defaults, outputs) is read from the functions themselves, so it cannot drift from the code.
Indicators that are only building blocks of these (EMA inside MACD, ATR inside Keltner, ...)
are computed too but are not listed: a strategy never reads them directly.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resolvers.quant import indicators as ind

PRICE_INPUTS = ("values", "close", "high", "low")


@dataclass(frozen=True)
class IndicatorSpec:
    name: str  # the function's name in resolvers/quant/indicators.py
    title: str
    used_by: tuple[str, ...]  # strategy families that call it

    @property
    def function(self) -> Callable[..., Any]:
        function: Callable[..., Any] = getattr(ind, self.name)
        return function

    @property
    def description(self) -> str:
        return inspect.getdoc(self.function) or ""

    @property
    def inputs(self) -> tuple[str, ...]:
        """The price series it reads, in call order."""
        names = inspect.signature(self.function).parameters
        return tuple(name for name in names if name in PRICE_INPUTS)

    @property
    def params(self) -> tuple[tuple[str, Any], ...]:
        """(name, default) of every tunable argument; None as default means required."""
        found = inspect.signature(self.function).parameters.values()
        return tuple(
            (p.name, None if p.default is inspect.Parameter.empty else p.default)
            for p in found
            if p.name not in PRICE_INPUTS
        )

    @property
    def outputs(self) -> tuple[str, ...]:
        """The named series it returns ("value" for a single array)."""
        returned = typing.get_type_hints(self.function).get("return")
        fields: tuple[str, ...] = getattr(returned, "_fields", ("value",))
        return fields


REGISTRY: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("sma", "Simple moving average", ("ma_cross",)),
    IndicatorSpec("rsi", "Relative strength index", ("rsi_reversion",)),
    IndicatorSpec("donchian", "Donchian channel", ("donchian_breakout",)),
    IndicatorSpec("bollinger", "Bollinger bands", ("bollinger_reversion", "squeeze_breakout")),
    IndicatorSpec("macd", "MACD", ("macd_momentum",)),
    IndicatorSpec("keltner", "Keltner channel", ("squeeze_breakout",)),
    IndicatorSpec("rolling_max", "Rolling maximum", ("squeeze_breakout",)),
)
