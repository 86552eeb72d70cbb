"""The regime detector against the synthetic market's own regimes, its causality, and the
persistence rule for confirmed changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from resolvers.quant.market import REGIME_NAMES, generate_candles
from resolvers.quant.regimes import (
    UNKNOWN,
    RegimeChange,
    RegimeParams,
    label_regimes,
    regime_changes,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


def _market(seed: int, symbol: str = "BTC-USD", periods: int = 12_000):  # type: ignore[no-untyped-def]
    return generate_candles(
        symbol=symbol, seed=seed, start=START, periods=periods, interval=timedelta(hours=1)
    )


@pytest.mark.parametrize(("seed", "symbol"), [(7, "BTC-USD"), (11, "ETH-USD"), (3, "SOL-USD")])
def test_labels_follow_the_true_regimes_well_above_chance(seed: int, symbol: str) -> None:
    candles = _market(seed, symbol)
    labels = label_regimes(candles.close)
    truth = candles.regime
    assert truth is not None
    known = labels != UNKNOWN
    recalls = [float(np.mean(labels[known & (truth == r)] == r)) for r in range(len(REGIME_NAMES))]
    # four classes: guessing scores 0.25 on average; every class must be found at all
    assert float(np.mean(recalls)) > 0.4, recalls
    assert min(recalls) > 0.1, recalls


def test_labels_use_only_past_bars() -> None:
    close = _market(7).close
    full = label_regimes(close)
    for cut in (300, 1_000, 5_000):
        assert np.array_equal(label_regimes(close[:cut]), full[:cut])


def test_warm_up_is_unknown_then_every_bar_is_labelled() -> None:
    labels = label_regimes(_market(7, periods=500).close, RegimeParams(n=24))
    first = int(np.argmax(labels != UNKNOWN))
    # the window, then enough volatility history for a median: under two windows
    assert 24 <= first < 48
    assert (labels[:first] == UNKNOWN).all() and (labels[first:] != UNKNOWN).all()
    assert set(labels[first:].tolist()) <= set(range(len(REGIME_NAMES)))


def test_a_flat_price_is_a_range() -> None:
    labels = label_regimes(np.full(400, 100.0))
    assert set(labels[labels != UNKNOWN].tolist()) == {REGIME_NAMES.index("range")}


def test_changes_need_persistence() -> None:
    up, rng, hot = 0, 2, 3
    labels = np.array([UNKNOWN, up, up, up, rng, up, up, hot, hot, hot, hot], dtype=np.int8)
    assert regime_changes(labels, persist=3) == [
        RegimeChange(3, None, "trend_up"),
        RegimeChange(9, "trend_up", "volatile"),
    ]
    assert [c.index for c in regime_changes(labels, persist=1)] == [1, 4, 5, 7]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="positive prices"):
        label_regimes(np.array([1.0, -2.0, 3.0]))
    with pytest.raises(ValueError, match="baseline"):
        RegimeParams(n=50, baseline=10)
