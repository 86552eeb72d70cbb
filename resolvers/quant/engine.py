"""The backtest engine: target positions -> fills at the next bar's open -> trades and equity.

Every backtest of the project runs here (/backtests, the readiness screen, the demo's research);
resolvers/quant/performance.py scores a Run. Conventions:
- positions[i] is the target (-1, 0, 1) decided at bar i's close; it fills at bar i + 1's open,
  so nothing a bar shows after its open reaches a fill at that bar (no lookahead). held[i] is
  the exposure during bar i (held[0] = 0); a target set on the last bar is never filled.
- A change of target closes the trade on and, unless the new target is flat, opens the next one
  at the same open (a reversal is two fills at one price). Trades never overlap.
- Every fill pays `fee_rate` of its notional and `slippage_bps` against the trader (a buy at
  open x (1 + bps / 10^4), a sell at open x (1 - bps / 10^4)).
- Sizing: a fixed `size` in base units per trade, or `fraction` of the equity at each entry
  (capital plus the pnl realized before it, so sizes compound).
- Equity at each close = capital + realized pnl + the open trade marked to the close, less its
  entry fee; the last trade may be open at the end, marked the same way.

The paper engine (resolvers/paper_engine.py) trades through the exchange, not through this
module, but shares what decides a trade: the same family signals (resolvers/quant/strategies
FAMILIES) on closed bars only, and one position per strategy reversed by closing then opening.
Its fills are the paper exchange's (resolvers/market/exchange.py: at the quote, 5 bps fee and
2 bps slippage), cheaper than the engine's default Costs (10 bps and 5 bps): a backtest that
must earn promotion is charged the more conservative costs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from resolvers.quant.market import Candles
from resolvers.quant.strategies import FAMILIES

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Targets = npt.NDArray[np.int8]


def _finite(name: str, value: float, *, positive: bool = False) -> float:
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"{name} must be a finite {kind} number")
    return float(value)


@dataclass(frozen=True, slots=True)
class Costs:
    """What each fill pays: a fee on its notional and slippage against the trader."""

    fee_rate: float = 0.001  # 10 bps of notional per fill
    slippage_bps: float = 5.0

    def __post_init__(self) -> None:
        _finite("fee_rate", self.fee_rate)
        _finite("slippage_bps", self.slippage_bps)

    def scaled(self, multiple: float) -> Costs:
        """Both costs times `multiple` (a cost stress test)."""
        return Costs(self.fee_rate * multiple, self.slippage_bps * multiple)


@dataclass(frozen=True, slots=True)
class Trades:
    """Round trips as arrays, in entry order; only the last may be open (exit_index -1, exit
    price and pnl NaN). `fees` covers both legs once closed, the entry leg while open."""

    direction: npt.NDArray[np.int8]
    entry_index: IntArray
    exit_index: IntArray
    entry_price: FloatArray
    exit_price: FloatArray
    size: FloatArray
    entry_fee: FloatArray
    fees: FloatArray
    pnl: FloatArray

    def __len__(self) -> int:
        return len(self.entry_index)

    @property
    def closed(self) -> npt.NDArray[np.bool_]:
        """True for each trade that has an exit."""
        return np.asarray(self.exit_index >= 0)

    def returns(self) -> FloatArray:
        """Each closed trade's net pnl over its entry notional."""
        closed = self.closed
        notional = self.entry_price[closed] * self.size[closed]
        return np.asarray(self.pnl[closed] / notional, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Run:
    """A backtest: its inputs, the exposure per bar, the trades and the equity at each close."""

    candles: Candles
    positions: Targets
    held: Targets
    trades: Trades
    equity: FloatArray
    capital: float
    costs: Costs

    def bar_returns(self) -> FloatArray:
        """Simple return of equity per bar (bar 0 against the capital; 0 after a ruin)."""
        previous = np.empty_like(self.equity)
        previous[0] = self.capital
        previous[1:] = self.equity[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = self.equity / previous - 1.0
        return np.asarray(np.where(previous > 0, ratio, 0.0), dtype=np.float64)


def checked_positions(candles: Candles, positions: npt.ArrayLike) -> Targets:
    """Targets as int8, refused unless one of -1, 0, 1 per candle."""
    raw = np.asarray(positions)
    if raw.shape != (len(candles),):
        raise ValueError(f"positions must have one value per candle ({len(candles)})")
    if raw.dtype.kind in "biu":
        valid = bool(((raw >= -1) & (raw <= 1)).all())
    else:
        raw = raw.astype(np.float64)
        valid = bool(np.isin(raw, (-1.0, 0.0, 1.0)).all())
    if not valid:
        raise ValueError("positions must only hold -1, 0 or 1")
    return raw.astype(np.int8, copy=False)


@dataclass(frozen=True, slots=True)
class _Legs:
    """Where each trade enters and exits, its direction and its fill prices (any size)."""

    direction: npt.NDArray[np.int8]
    sign: FloatArray
    entry_index: IntArray
    exit_index: IntArray
    entry_price: FloatArray
    exit_price: FloatArray
    closed: npt.NDArray[np.bool_]


def _legs(open_: FloatArray, held: Targets, slip: float) -> _Legs:
    changes = np.flatnonzero(held[1:] != held[:-1]) + 1  # held[0] is always flat
    opens = np.flatnonzero(held[changes] != 0)
    entry_index = changes[opens]
    # A trade ends at the next change after its entry; only the last can lack one.
    after = opens + 1
    exit_index = np.full(len(opens), -1, dtype=np.int64)
    closed = after < len(changes)
    exit_index[closed] = changes[after[closed]]
    direction = held[entry_index]
    sign = direction.astype(np.float64)
    exit_price = np.full(len(opens), np.nan)
    exit_price[closed] = open_[exit_index[closed]] * (1 - slip * sign[closed])
    return _Legs(
        direction=direction,
        sign=sign,
        entry_index=entry_index.astype(np.int64),
        exit_index=exit_index,
        entry_price=open_[entry_index] * (1 + slip * sign),
        exit_price=exit_price,
        closed=closed,
    )


def _compounded(legs: _Legs, capital: float, fraction: float, fee_rate: float) -> FloatArray:
    """Sizes worth `fraction` of the equity at each entry: equity before trade k is the capital
    times the product of (1 + fraction x return) over the closed trades before it."""
    entry, exit_ = legs.entry_price, legs.exit_price
    per_unit = (exit_ - entry) * legs.sign - (entry * fee_rate + exit_ * fee_rate)
    growth = 1.0 + fraction * np.where(legs.closed, per_unit / entry, 0.0)
    if (growth[:-1] <= 0).any():
        raise ValueError("equity fell to zero or below; nothing is left to size a trade with")
    before = np.empty(len(entry))
    if len(entry):
        before[0] = capital
        before[1:] = capital * np.cumprod(growth[:-1])
    return np.asarray(fraction * before / entry, dtype=np.float64)


def _priced(legs: _Legs, size: FloatArray, fee_rate: float) -> Trades:
    entry, exit_, closed = legs.entry_price, legs.exit_price, legs.closed
    entry_fee = entry * size * fee_rate
    fees = np.where(closed, entry_fee + exit_ * size * fee_rate, entry_fee)
    return Trades(
        direction=legs.direction,
        entry_index=legs.entry_index,
        exit_index=legs.exit_index,
        entry_price=entry,
        exit_price=exit_,
        size=size,
        entry_fee=entry_fee,
        fees=fees,
        pnl=(exit_ - entry) * size * legs.sign - fees,
    )


def _segments(trades: Trades, bars: int) -> tuple[IntArray, FloatArray]:
    """Bars between fills (each fill starts a segment; the first starts at bar 0) and the
    signed base units held through each."""
    # Fills alternate entry, exit, entry, ... in bar order, because trades never overlap and
    # only the last may be open; a reversal leaves a segment of no bars between its two fills.
    count, closed = len(trades), int(np.count_nonzero(trades.closed))
    if closed < count - 1 or (count and not trades.closed[: count - 1].all()):
        raise ValueError("only the last trade may be open")
    at = np.empty(count + closed, dtype=np.int64)
    at[0::2] = trades.entry_index
    at[1::2] = trades.exit_index[:closed]
    lengths = np.diff(at, prepend=0, append=bars)
    if (lengths < 0).any():
        raise ValueError("trade indexes fall outside the candles or out of order")
    units = np.zeros(count + closed + 1)
    units[1::2] = trades.direction * trades.size
    return lengths, units


def signed_units(trades: Trades, bars: int) -> FloatArray:
    """Signed base units held through each bar (entry bar included, exit bar not)."""
    lengths, units = _segments(trades, bars)
    return np.repeat(units, lengths)


def equity_curve(trades: Trades, close: FloatArray, capital: float) -> FloatArray:
    """Equity at each close: capital, realized pnl, the open trade marked to the close."""
    # Cash changes only at fills, so it is built per segment (O(trades)) and spread over the
    # bars once; the open units are marked at every close.
    lengths, units = _segments(trades, len(close))
    count, closed = len(trades), len(lengths) - 1 - len(trades)
    realized = np.empty(closed + 1)
    realized[0] = capital
    realized[1:] = capital + np.cumsum(trades.pnl[:closed])
    cash = np.empty(len(units))
    cash[0] = capital
    signed = trades.direction * trades.size
    cash[1::2] = realized[:count] - signed * trades.entry_price - trades.entry_fee
    cash[2::2] = realized[1:]
    return np.asarray(np.repeat(cash, lengths) + np.repeat(units, lengths) * close)


def run(
    candles: Candles,
    positions: npt.ArrayLike,
    *,
    capital: float,
    fraction: float = 1.0,
    costs: Costs = Costs(),  # noqa: B008 - frozen, so one shared default is safe
    size: float | None = None,
) -> Run:
    """Backtest target positions: fills at next opens, trades, equity (module docstring)."""
    if len(candles) == 0:
        raise ValueError("a backtest needs at least one bar")
    _finite("capital", capital, positive=True)
    _finite("fraction", fraction, positive=True)
    if size is not None:
        _finite("size", size, positive=True)
    target = checked_positions(candles, positions)
    held = np.empty_like(target)
    held[0] = 0
    held[1:] = target[:-1]
    legs = _legs(candles.open, held, costs.slippage_bps / 10_000)
    if size is None:
        sizes = _compounded(legs, capital, fraction, costs.fee_rate)
    else:
        sizes = np.full(len(legs.entry_index), float(size))
    trades = _priced(legs, sizes, costs.fee_rate)
    equity = equity_curve(trades, candles.close, capital)
    return Run(candles, target, held, trades, equity, float(capital), costs)


def backtest(
    candles: Candles,
    family: str,
    params: Mapping[str, object] | None = None,
    *,
    capital: float,
    fraction: float = 1.0,
    costs: Costs = Costs(),  # noqa: B008 - frozen, so one shared default is safe
    long_only: bool = False,
    size: float | None = None,
) -> Run:
    """A strategy family's signals (clipped to long-only when asked) run through `run`."""
    positions = FAMILIES[family].signals(candles, params)
    if long_only:
        positions = np.maximum(positions, 0).astype(np.int8)
    return run(candles, positions, capital=capital, fraction=fraction, costs=costs, size=size)


def trade_records(trades: Trades, candles: Candles) -> list[dict[str, object]]:
    """Trades as JSON-ready dicts with ISO 8601 UTC times, for answers (not the hot path)."""
    records: list[dict[str, object]] = []
    for k in range(len(trades)):
        exit_at = int(trades.exit_index[k])
        is_open = exit_at < 0
        records.append(
            {
                "side": "buy" if trades.direction[k] > 0 else "sell",
                "entry_time": candles.time_at(int(trades.entry_index[k])).isoformat(),
                "exit_time": None if is_open else candles.time_at(exit_at).isoformat(),
                "entry_price": float(trades.entry_price[k]),
                "exit_price": None if is_open else float(trades.exit_price[k]),
                "size": float(trades.size[k]),
                "fees": float(trades.fees[k]),
                "pnl": None if is_open else float(trades.pnl[k]),
            }
        )
    return records
