"""bench/gauntlet_load.py on tiny settings: it measures both runs against a real server with a
gauntlet running (no timing is asserted), and reads wrk's latency lines in every unit."""

from __future__ import annotations

import shutil

import pytest

from bench import gauntlet_load as bench

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:1/api/health
  Latency Distribution
     50%  512.00us
     75%    1.20ms
     90%    2.00ms
     99%    1.50s
  1234 requests in 1.00s, 1.00KB read
Requests/sec:   1234.50
"""


def test_read_wrk_converts_units_to_ms() -> None:
    figures = bench.read_wrk(WRK_OUTPUT)
    assert figures == {"rps": 1234.5, "p50_ms": 0.512, "p99_ms": 1500.0}
    with pytest.raises(RuntimeError, match="non-2xx"):
        bench.read_wrk(WRK_OUTPUT + "  Non-2xx or 3xx responses: 3\n")
    with pytest.raises(RuntimeError, match="no 99% line"):
        bench.read_wrk(WRK_OUTPUT.replace("99%", "98%"))


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_measure_runs_idle_then_under_a_gauntlet() -> None:
    figures = bench.measure(bars=3_000, gauntlets=1, seconds=1, connections=1, rounds=2)
    assert len(figures["rounds"]) == 2
    for run in ("idle", "busy"):
        assert figures[run]["rps"] > 0 and 0 < figures[run]["p50_ms"] <= figures[run]["p99_ms"]
    assert figures["p99_ratio"] == figures["busy"]["p99_ms"] / figures["idle"]["p99_ms"]
    assert figures["steps_finished"] >= 1  # a gauntlet ran
    assert figures["server_errors"] == []
    assert "p99 busy/idle" in bench.report(figures)
