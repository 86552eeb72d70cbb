"""The indicator catalog is true: it names exactly what each family's signals call."""

from __future__ import annotations

import inspect
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resolvers.quant import indicators as ind
from resolvers.quant import strategies
from resolvers.quant.catalog import REGISTRY
from resolvers.quant.market import generate_candles
from resolvers.quant.strategies import FAMILIES


def spy_on_indicators(monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, set[str]], list[str]]:
    """Wrap every public indicator; record which family called it straight from strategies.py
    (an indicator calling another, like bollinger -> sma, is not a family's own call)."""
    calls: dict[str, set[str]] = defaultdict(set)
    running: list[str] = []

    def spy(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if sys._getframe(1).f_globals.get("__name__") == strategies.__name__:
                calls[name].add(running[-1])
            return function(*args, **kwargs)

        return wrapper

    for name, function in inspect.getmembers(ind, inspect.isfunction):
        if function.__module__ == ind.__name__ and not name.startswith("_"):
            monkeypatch.setattr(ind, name, spy(name, function))
    return calls, running


def test_registry_is_exactly_what_the_families_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, running = spy_on_indicators(monkeypatch)
    candles = generate_candles(
        symbol="BTC-USD",
        seed=1,
        start=datetime(2026, 1, 1, tzinfo=UTC),
        periods=300,
        interval=timedelta(hours=1),
    )
    for family in FAMILIES.values():
        running.append(family.name)
        family.signals(candles)
    assert set(running) == set(FAMILIES)
    assert dict(calls) == {spec.name: set(spec.used_by) for spec in REGISTRY}


def test_every_family_reads_at_least_one_catalogued_indicator() -> None:
    used = {family for spec in REGISTRY for family in spec.used_by}
    assert used == set(FAMILIES)


def test_fields_come_from_the_functions() -> None:
    by_name = {spec.name: spec for spec in REGISTRY}
    assert by_name["sma"].params == (("n", None),)
    assert by_name["sma"].outputs == ("value",)
    assert by_name["sma"].inputs == ("values",)
    assert by_name["bollinger"].params == (("n", 20), ("k", 2.0))
    assert by_name["bollinger"].outputs == ("middle", "upper", "lower")
    assert by_name["macd"].params == (("fast", 12), ("slow", 26), ("signal", 9))
    assert by_name["macd"].outputs == ("line", "signal", "hist")
    assert by_name["keltner"].inputs == ("high", "low", "close")
    assert by_name["rsi"].description.startswith("Wilder's RSI")
