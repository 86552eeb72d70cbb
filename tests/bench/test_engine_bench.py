"""bench/engine.py runs on a small market: its contenders agree, so its timings compare like
for like (no timing is asserted)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from bench import engine as bench


def _skip_vectorbt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "vectorbt_contender", lambda: (None, "not measured here"))


def test_measure_checks_then_times(monkeypatch: pytest.MonkeyPatch) -> None:
    _skip_vectorbt(monkeypatch)
    figures = bench.measure(5_000, 1)
    assert figures["bars"] == 5_000 and figures["trades"] > 50
    assert figures["engine_ms"] > 0 and figures["reference_ms"] > 0
    assert figures["ratio_to_reference"] == figures["engine_ms"] / figures["reference_ms"]
    assert figures["vectorbt"] == "not measured here" and "vectorbt_ms" not in figures


def test_the_reference_is_held_to_the_engine() -> None:
    market = bench.candles(3_000)
    result, expected = bench.engine(market), bench.reference(market)
    bench.assert_same(result, expected)
    moved = dict(expected, equity=expected["equity"] + np.where(np.arange(3_000) == 2_000, 1, 0))
    with pytest.raises(AssertionError):
        bench.assert_same(result, moved)


def test_main_prints_the_ratio(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _skip_vectorbt(monkeypatch)
    monkeypatch.setattr(sys, "argv", ["engine.py", "--bars", "3000", "--repeats", "1"])
    assert bench.main() == 0
    out = capsys.readouterr().out
    assert "engine / reference =" in out and "vectorbt skipped: not measured here" in out


def test_vectorbt_makes_the_same_trades() -> None:
    pytest.importorskip("vectorbt")
    contender, note = bench.vectorbt_contender()
    assert contender is not None and note == "Portfolio.from_signals"
    market = bench.candles(3_000)
    portfolio = contender(market)
    assert int(portfolio.trades.count()) == len(bench.engine(market).trades)
