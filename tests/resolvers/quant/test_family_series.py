"""Each family's indicator lines: the documented names, and the values its signals act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from resolvers.quant.family_series import family_series, latest_values
from resolvers.quant.market import Candles, generate_candles
from resolvers.quant.strategies import FAMILIES

LINES = {
    "ma_cross": ["fast_sma", "slow_sma"],
    "rsi_reversion": ["rsi", "rsi_lower", "rsi_upper", "rsi_exit"],
    "donchian_breakout": ["entry_upper", "entry_lower", "exit_upper", "exit_lower"],
    "bollinger_reversion": ["middle", "upper", "lower"],
    "macd_momentum": ["macd", "signal", "histogram"],
    "squeeze_breakout": ["bb_upper", "bb_lower", "kc_middle", "kc_upper", "kc_lower"],
}


def market(periods: int = 600) -> Candles:
    return generate_candles(
        symbol="BTC",
        seed=11,
        start=datetime(2026, 1, 1, tzinfo=UTC),
        periods=periods,
        interval=timedelta(hours=1),
    )


def test_every_family_has_its_documented_lines() -> None:
    assert set(LINES) == set(FAMILIES)
    candles = market()
    for family, names in LINES.items():
        lines = family_series(family, candles)
        assert list(lines) == names
        assert all(line.shape == (len(candles),) for line in lines.values())
        assert all(np.isfinite(line[-1]) for line in lines.values())


@pytest.mark.parametrize(("family", "fast", "slow"), [
    ("ma_cross", "fast_sma", "slow_sma"),
    ("macd_momentum", "macd", "signal"),
])  # fmt: skip
def test_trend_lines_are_the_ones_the_signals_compare(family: str, fast: str, slow: str) -> None:
    candles = market()
    lines = family_series(family, candles)
    positions = FAMILIES[family].signals(candles, {})
    apart = np.isfinite(lines[fast]) & np.isfinite(lines[slow]) & (lines[fast] != lines[slow])
    assert apart.sum() > 100
    assert (positions[apart] == np.sign(lines[fast] - lines[slow])[apart]).all()
    assert (positions[~np.isfinite(lines[slow])] == 0).all()  # nothing before the warm-up ends


def test_params_change_the_lines() -> None:
    candles = market()
    default = family_series("ma_cross", candles)
    tuned = family_series("ma_cross", candles, {"fast": 5, "slow": 50})
    assert np.isnan(tuned["slow_sma"][:49]).all() and np.isfinite(tuned["slow_sma"][49])
    assert np.isnan(default["slow_sma"][:29]).all() and np.isfinite(default["slow_sma"][29])
    assert not np.allclose(default["fast_sma"][60:], tuned["fast_sma"][60:])


def test_rsi_levels_are_constant_lines() -> None:
    params = {"lower": 25.0, "upper": 80.0, "exit": 55.0}
    lines = family_series("rsi_reversion", market(), params)
    for name, level in (("rsi_lower", 25.0), ("rsi_upper", 80.0), ("rsi_exit", 55.0)):
        assert (lines[name] == level).all()


def test_donchian_channels_are_those_of_the_bars_before() -> None:
    candles = market()
    lines = family_series("donchian_breakout", candles, {"entry": 20, "exit": 10})
    i = 300
    assert lines["entry_upper"][i] == candles.high[i - 20 : i].max()
    assert lines["entry_lower"][i] == candles.low[i - 20 : i].min()
    assert lines["exit_upper"][i] == candles.high[i - 10 : i].max()
    assert np.isnan(lines["entry_upper"][19]) and np.isfinite(lines["entry_upper"][20])


def test_bollinger_band_is_symmetric_around_the_middle() -> None:
    lines = family_series("bollinger_reversion", market(), {"period": 20, "width": 2.0})
    defined = np.isfinite(lines["middle"])
    gap_up = (lines["upper"] - lines["middle"])[defined]
    gap_down = (lines["middle"] - lines["lower"])[defined]
    assert np.allclose(gap_up, gap_down) and (gap_up > 0).all()


def test_latest_values_are_null_while_warming_up() -> None:
    short = market(periods=10)
    assert latest_values("ma_cross", short) == {"fast_sma": pytest.approx(short.close.mean()),
                                                "slow_sma": None}  # fmt: skip
    full = market()
    latest = latest_values("macd_momentum", full)
    assert latest["histogram"] == pytest.approx(latest["macd"] - latest["signal"])  # type: ignore[operator]


def test_bad_input_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown strategy family"):
        family_series("nope", market())
    with pytest.raises(ValueError, match="fast"):
        family_series("ma_cross", market(), {"fast": 40, "slow": 30})
